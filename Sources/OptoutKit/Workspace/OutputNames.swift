// Output names: the one table of every file name optout writes in outbox/, per campaign and per
// report kind, and the checks that keep a name from poisoning the workspace.
// Input: a campaign's output name (the template's file name made safe) or a list's name. Output:
// the reasons it cannot be used (too long for its longest output, counting the "-<n>" a journal
// claim may add and the temp file written beside it; starting with a report's prefix; holding
// "@"), and input names shortened to fit when they are moved to processed/ or rejected/.
// Failures: none (callers reject the input with the reasons, before anything is claimed).

import OptoutBase

/// One output file: a folder and a pattern with `<name>` (a campaign), `<list>` or `<time>`.
package struct OutputName: Sendable {
    package var folder: String
    package var pattern: String

    /// The file name for a value of the placeholder.
    package func fileName(_ value: String) -> String {
        var out = pattern
        for placeholder in ["<name>", "<list>", "<time>"] { out = out.replacingOccurrences(of: placeholder, with: value) }
        return out
    }

    /// The file name for a campaign name and a time (`<name>@<time>.csv`).
    package func fileName(name: String, time: String) -> String {
        pattern.replacingOccurrences(of: "<name>", with: name).replacingOccurrences(of: "<time>", with: time)
    }

    /// The fixed text before the placeholder ("list-" for "list-<list>.txt"; "index" when none).
    package var prefix: String {
        guard let open = pattern.firstIndex(of: "<") else { return DropFolder.splitExtension(pattern).0 }
        return String(pattern[..<open])
    }
}

/// The files of a campaign.
package enum CampaignOutput: Sendable, Equatable {
    case links, report, skipped, skippedWorkbook, send
    /// Quiet hours (ScheduledSend): recipients held for an unknown zone, and the scheduled send files.
    case held, heldWorkbook, later
}

package enum OutputNames {
    /// Longest file name on Linux file systems (ext4, xfs, btrfs, tmpfs), in bytes.
    package static let fileNameLimit = 255
    /// Room for the "-<n>" a journal claim adds when a name is taken ("-2" ... "-9999").
    package static let claimSuffixReserve = 5
    /// Room for the temp file written beside every output: "." + name + ".tmp-<pid>-<8 hex>"
    /// (pid up to 10 digits).
    package static let tempReserve = 1 + ".tmp-".utf8.count + 10 + 1 + 8

    /// Every file a campaign named `<name>` writes (CampaignJob), in the order it publishes them:
    /// the send file, which a gateway uploader takes, last.
    package static let campaignTable: [(kind: CampaignOutput, name: OutputName)] = [
        (.links, OutputName(folder: "outbox/links", pattern: "<name>.csv")),
        (.report, OutputName(folder: "outbox/reports", pattern: "<name>.txt")),
        (.skipped, OutputName(folder: "outbox/reports", pattern: "<name>-skipped.csv")),
        // The skipped rows' .xlsx twin (PeopleWorkbookTwin), published right after its CSV.
        (.skippedWorkbook, OutputName(folder: "outbox/reports", pattern: "<name>-skipped.xlsx")),
        // A scheduled campaign (send_at) writes these two instead of the send file (ScheduledSend).
        (.held, OutputName(folder: "outbox/reports", pattern: "<name>-held.csv")),
        (.heldWorkbook, OutputName(folder: "outbox/reports", pattern: "<name>-held.xlsx")),
        (.send, OutputName(folder: "outbox/send", pattern: "<name>.csv")),
        (.later, OutputName(folder: "outbox/send/later", pattern: "<name>@<time>.csv")),
    ]

    /// Length of a `<time>` value: "20261129T143000Z" (`Timestamp.compact`).
    package static let timeLength = 16

    /// A scheduled send file of campaign `name` for the UTC time `time` ("20261129T143000Z"), relative to the root.
    package static func laterPath(name: String, time: String) -> String {
        let entry = campaignTable.first { $0.kind == .later }!.name
        return "\(entry.folder)/\(entry.fileName(name: name, time: time))"
    }

    /// The campaign's file names, in publish order, but for the scheduled send files (whose longer
    /// names only a scheduled campaign needs: `longestScheduledCampaignName`).
    package static var campaign: [OutputName] { campaignTable.filter { $0.kind != .later }.map(\.name) }

    /// The output of `kind` for a campaign named `name`, relative to the workspace root.
    package static func campaignPath(_ kind: CampaignOutput, name: String) -> String {
        let entry = campaignTable.first { $0.kind == kind }!.name
        return "\(entry.folder)/\(entry.fileName(name))"
    }

    /// The preview of a campaign template in inbox/previews/ named `<name>` (PreviewJob): the
    /// only outputs that are overwritten (each still written whole), in the order written.
    package static let previewTable: [OutputName] = [
        OutputName(folder: "outbox/previews", pattern: "<name>.txt"),
        OutputName(folder: "outbox/previews", pattern: "<name>.html"),
    ]

    /// The longest preview name accepted, in bytes.
    package static var longestPreviewName: Int { longestName(for: previewTable) }

    /// Every report not named after a campaign (and the ones later releases add: their prefixes
    /// are refused as campaign names already, so a later report never meets a campaign's file).
    package static let reports: [OutputName] = [
        OutputName(folder: "outbox/reports", pattern: "list-<list>.txt"),
        OutputName(folder: "outbox/reports", pattern: "unsubscriptions-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "unsubscriptions-<time>.xlsx"),
        OutputName(folder: "outbox/notifications", pattern: "unsubscriptions-<time>.eml"),
        OutputName(folder: "outbox/notifications", pattern: "unsubscriptions-<time>-sms.csv"),
        OutputName(folder: "outbox/send", pattern: "unsubscribe-confirmations-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "review-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "review-<time>.xlsx"),
        OutputName(folder: "outbox/reports", pattern: "clicks-<time>.txt"),
        OutputName(folder: "outbox/reports", pattern: "run-<time>.html"),
        OutputName(folder: "outbox/reports", pattern: "index.html"),
        // <time> is the month, YYYY-MM (ComplianceReport, issue 17 item 4).
        OutputName(folder: "outbox/reports", pattern: "compliance-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "compliance-<time>.xlsx"),
    ]

    /// The answer to a CSV of numbers dropped into inbox/lookups/ (InboxLookups), one per input.
    package static let lookup = OutputName(folder: "outbox/lookups", pattern: "<name>.csv")
    /// Its .xlsx twin (PeopleWorkbookTwin), written right after it.
    package static let lookupWorkbook = OutputName(folder: "outbox/lookups", pattern: "<name>.xlsx")

    /// The longest lookup name accepted, in bytes (longer stems are cut to fit).
    package static var longestLookupName: Int { longestName(for: [lookup, lookupWorkbook]) }

    /// Bytes a name may take in `entries` so that every output, its claim suffix and its temp
    /// file fit the file-name limit.
    static func longestName(for entries: [OutputName]) -> Int {
        // A pattern with both a name and a time (`<name>@<time>.csv`) also carries the time.
        let extra = entries.map { $0.fileName("").utf8.count + ($0.pattern.contains("<name>") && $0.pattern.contains("<time>") ? timeLength : 0) }.max() ?? 0
        return fileNameLimit - extra - claimSuffixReserve - tempReserve
    }

    /// The longest campaign name accepted, in bytes (UTF-8).
    package static var longestCampaignName: Int { longestName(for: campaign) }
    /// The longest name of a scheduled campaign (`send_at`), whose send files carry a time: ScheduledSend refuses longer.
    package static var longestScheduledCampaignName: Int { longestName(for: campaignTable.map(\.name)) }
    /// The longest list name whose report fits, in bytes.
    package static var longestListName: Int { longestName(for: reports.filter { $0.pattern.contains("<list>") }) }

    /// Prefixes a campaign name may not start with (compared without case).
    package static var reservedPrefixes: [String] {
        var seen: [String] = []
        for entry in reports where !seen.contains(entry.prefix) { seen.append(entry.prefix) }
        return seen
    }

    /// Why `name` (a campaign's output name, from its file `fileName`) cannot be used; empty when
    /// it can.
    package static func campaignProblems(name: String, fileName: String) -> [String] {
        var reasons: [String] = []
        let bytes = name.utf8.count
        if bytes > longestCampaignName {
            reasons.append("the campaign name is \(bytes) bytes long; at most \(longestCampaignName) fit every output file name (outbox/reports/<name>-skipped.xlsx and the temp file beside it): shorten the file name")
        }
        let lower = name.lowercased()
        if let prefix = reservedPrefixes.first(where: { lower.hasPrefix($0.lowercased()) }) {
            let owner = reports.first { $0.prefix == prefix }!
            reasons.append("a campaign name may not start with \"\(prefix)\": \(owner.folder)/\(owner.pattern) is a report's name, and the campaign's outputs could overwrite it: rename the file")
        }
        if fileName.contains("@") {
            reasons.append("a campaign name may not contain \"@\": rename the file")
        }
        return reasons
    }

    /// `fileName` shortened (its stem cut on a character boundary, extension kept) so that it,
    /// `extra` more bytes, a "-<n>" suffix and a temp file's additions fit the file-name limit.
    package static func fitting(_ fileName: String, extra: Int = 0) -> String {
        let room = fileNameLimit - extra - claimSuffixReserve - tempReserve
        if fileName.utf8.count <= room { return fileName }
        let (stem, ext) = DropFolder.splitExtension(fileName)
        let keepExt = ext.utf8.count < room / 2 ? ext : ""
        var cut = ""
        for character in stem {
            if cut.utf8.count + character.utf8.count + keepExt.utf8.count > room { break }
            cut.append(character)
        }
        return cut + keepExt
    }
}
