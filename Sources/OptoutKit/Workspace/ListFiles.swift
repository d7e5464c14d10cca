// List files: which file in inbox/lists/ a campaign's `list: x` names, and which list files would
// share one report. A list is dropped as .csv, .tsv or .txt (any case), and its report is
// outbox/reports/list-<name>.txt with the name made safe: names that differ only in extension,
// case or punctuation ("a b.csv", "a_b.csv", "a_b.txt") would share that report, so they get no
// report and every campaign naming one of them is held until a person renames all but one.
// Input: a workspace. Output: paths and collision groups. Failures: none (a folder that cannot be
// read has no lists).

import OptoutBase

package enum ListFiles {
    /// Extensions a list may have (compared without case): the inbox table's (InboxExtensions).
    package static let extensions = InputKind.lists.acceptedExtensions ?? []

    static func isListName(_ name: String) -> Bool { InputKind.lists.accepts(name) }

    /// The list files in inbox/lists/ (settled or not), sorted by name.
    package static func names(_ ws: Workspace) -> [String] {
        let scan = DropFolder.scan(ws.folder(.lists), settle: 0, accept: isListName)
        return (scan.ready.map(\.name) + scan.unsettled).sorted()
    }

    /// The key two list files share when their reports would share a name.
    package static func collisionKey(_ listName: String) -> String {
        var stem = listName
        if isListName(stem) { stem = DropFolder.splitExtension(stem).0 }
        let safe = RunState.safeName(stem).lowercased()
        return String(safe.map { $0 == "-" || $0 == "." ? "_" : $0 })
    }

    /// The file a campaign's `list: x` names: x itself when it has a list extension, else x.csv,
    /// x.CSV, x.tsv, x.txt (any case of the extension). Nil when there is none.
    package static func path(of listName: String, in ws: Workspace, names: [String]? = nil) -> String? {
        guard !listName.contains("/"), !listName.hasPrefix(".") else { return nil }
        let all = names ?? self.names(ws)
        if all.contains(listName) && isListName(listName) { return "\(ws.folder(.lists))/\(listName)" }
        let preferred = all.filter { isListName($0) && DropFolder.splitExtension($0).0 == listName }
            .sorted { rank($0) < rank($1) }
        return preferred.first.map { "\(ws.folder(.lists))/\($0)" }
    }

    /// .csv before .tsv before .txt, then by name.
    static func rank(_ name: String) -> String {
        let ext = DropFolder.splitExtension(name).1.lowercased()
        return "\(extensions.firstIndex(of: ext) ?? 9)\(name)"
    }

    /// The other list files sharing a report name with `listName` (empty when none).
    package static func collisions(of listName: String, in ws: Workspace, names: [String]? = nil) -> [String] {
        let key = collisionKey(listName)
        let group = (names ?? self.names(ws)).filter { collisionKey($0) == key }
        return group.count > 1 ? group : []
    }

    /// Why the list files in `group` get no report, for a person.
    package static func collisionReason(_ group: [String], ws: Workspace) -> String {
        let files = group.map { "\(ws.display(ws.folder(.lists)))/\($0)" }.joined(separator: ", ")
        let report = "outbox/reports/list-\(CampaignJobNames.stem(group[0])).txt"
        return "\(files) differ only in extension, case or punctuation and would share one report (\(report)): rename or remove all but one; until then they get no report and campaigns naming them are held"
    }
}
