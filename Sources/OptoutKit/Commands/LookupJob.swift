// `optout lookup NUMBER`: one number's history, read only. Input: a workspace (opened without
// creating anything, no run lock), its settings (default_country reads the number), the ledger
// and the campaigns' keys files. Output: a `LookupOutcome` (the history, and problems that make
// it incomplete: damaged ledger records, unreadable keys files); the lookup appended to
// .optout/lookups.tsv (LookupLog). Failures: `.usage` for a number that cannot be read;
// `.configuration` for bad settings; `OptoutError` for I/O.

import OptoutPhone
import OptoutBase

package struct LookupOutcome: Sendable {
    package var history: NumberHistory
    package var asWritten: String
    /// Why the history may be incomplete (damaged ledger records, keys files not read).
    package var problems: [String] = []
    package var damagedRecords = 0
}

package enum LookupJob {
    package static func run(root: String, number text: String, now: Timestamp) throws(OptoutError) -> LookupOutcome {
        let ws = try Workspace.open(root: root, create: false)
        let settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        let parser = PhoneNumberParser(defaultRegion: settings.defaultCountry)
        let number: PhoneNumber
        switch parser.parse(text) {
        case .success(let n): number = n
        case .failure(let rejection):
            throw .usage("optout lookup: \"\(text)\" is not a phone number: \(rejection.reason)" + (settings.defaultCountry == nil ? " (no default_country in settings.json: give it as +<country code>...)" : ""))
        }
        let found = try NumberHistory.collect([number], ledgerPath: ws.ledgerFile, campaignsFolder: ws.campaignKeysFolder)
        let history = found.histories[number.value] ?? NumberHistory(number: number)
        try Durable.makeDirectory(ws.state, mode: 0o700)
        try LookupLog.append([LookupEntry(time: now, via: "optout lookup", asWritten: text, e164: number.e164,
                                          result: LookupText.summary(history))], path: ws.lookupsFile)
        return LookupOutcome(history: history, asWritten: text, problems: found.problems, damagedRecords: found.damagedRecords)
    }
}
