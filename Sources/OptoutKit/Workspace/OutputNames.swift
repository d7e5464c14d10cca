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

    /// The fixed text before the placeholder ("list-" for "list-<list>.txt"; "index" when none).
    package var prefix: String {
        guard let open = pattern.firstIndex(of: "<") else { return DropFolder.splitExtension(pattern).0 }
        return String(pattern[..<open])
    }
}

/// The files of a campaign.
package enum CampaignOutput: Sendable, Equatable {
    case links, report, skipped, send
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
        (.send, OutputName(folder: "outbox/send", pattern: "<name>.csv")),
    ]

    /// The campaign's file names, in publish order.
    package static var campaign: [OutputName] { campaignTable.map(\.name) }

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
        OutputName(folder: "outbox/notifications", pattern: "unsubscriptions-<time>.eml"),
        OutputName(folder: "outbox/notifications", pattern: "unsubscriptions-<time>-sms.csv"),
        OutputName(folder: "outbox/send", pattern: "unsubscribe-confirmations-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "review-<time>.csv"),
        OutputName(folder: "outbox/reports", pattern: "clicks-<time>.txt"),
        OutputName(folder: "outbox/reports", pattern: "run-<time>.html"),
        OutputName(folder: "outbox/reports", pattern: "index.html"),
        // Reserved for later reports.
        OutputName(folder: "outbox/reports", pattern: "compliance-<time>.txt"),
    ]

    /// Bytes a name may take in `entries` so that every output, its claim suffix and its temp
    /// file fit the file-name limit.
    static func longestName(for entries: [OutputName]) -> Int {
        let extra = entries.map { $0.fileName("").utf8.count }.max() ?? 0
        return fileNameLimit - extra - claimSuffixReserve - tempReserve
    }

    /// The longest campaign name accepted, in bytes (UTF-8).
    package static var longestCampaignName: Int { longestName(for: campaign) }
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
            reasons.append("the campaign name is \(bytes) bytes long; at most \(longestCampaignName) fit every output file name (outbox/reports/<name>-skipped.csv and the temp file beside it): shorten the file name")
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
