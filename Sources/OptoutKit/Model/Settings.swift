// Settings: account settings from inbox/settings.json (JSON, comments allowed).
// Input: the file's bytes, read by `SettingsFile` only from a small regular file (or its absence:
// every key has a default). Output: a validated `Settings` value, with `warnings` for allowed but
// unwise values. Failures: `OptoutError.configuration` naming the file, the line (and column for
// syntax), the key and why — a syntax error, a duplicate key, an unknown key, a bad value, a control
// character in an e-mail header value (`HeaderText`), keyword lists that would switch opt-outs off
// (`KeywordSettings`). A bad settings file stops the run (it would otherwise apply the wrong rules
// to everything).

import OptoutPhone
import OptoutBase
import Foundation

/// Where unsubscription reports go (issue 4 consumes it).
package struct ReportRecipients: Sendable, Equatable {
    package var email: [String] = []
    package var sms: [String] = []
}

/// The validated account settings.
package struct Settings: Sendable {
    /// ISO region for national numbers (e.g. "GB"); nil accepts international numbers only.
    package var defaultCountry: String? = nil
    /// Opt-out links are this plus the token, e.g. "https://example.com/u/".
    package var optoutLinkBase: String? = nil
    package var unsubscriptionReports = ReportRecipients()
    package var optoutCallbackURL: String? = nil
    package var webhookSecret: String? = nil
    package var callbackFormat: String = "json"
    /// Seconds the callback receiver has to answer a delivery (SMS.to allows 4).
    package var callbackTimeoutSeconds: Double = 4
    /// Zone for log times written without an offset.
    package var timezone: TimeZone = TimeZone(identifier: "UTC")!
    package var dateOrder: Timestamp.DateOrder = .dayFirst
    package var optoutKeywords: [String] = Keywords.defaultOptOut
    package var optinKeywords: [String] = Keywords.defaultOptIn
    package var helpKeywords: [String] = Keywords.defaultHelp
    /// Rows whose message needs more segments are skipped; nil = no limit.
    package var maxSegments: Int? = nil
    /// Cost per segment for the campaign report; nil = no cost line.
    package var pricePerSegment: Double? = nil
    package var currency: String = ""
    /// Skip numbers that are not mobiles where the metadata can tell.
    package var mobileOnly = false
    /// Seconds a dropped file's size and mtime must be unchanged before it is read.
    package var settleSeconds: Double = 2
    /// Sender name or number used for notification SMS files.
    package var notificationSender: String? = nil
    /// From address of the unsubscription e-mails.
    package var emailFrom: String = "optout@localhost"
    /// Phrase rule: a message of at most this many words containing an opt-out keyword opts out
    /// ("please stop"); 0 = only a message that is exactly a keyword.
    package var keywordPhraseMaxWords: Int = Keywords.defaultPhraseMaxWords
    /// Write a confirmation send file (one plain SMS per new opt-out from a reply or link).
    package var confirmationReplies = false
    /// Let `{optout}` campaigns use a link base on a reserved example domain (example.com,
    /// *.test, localhost...): the shipped sample sets it; its links go nowhere.
    package var allowExampleLinks = false
    /// Opt-out deadlines: jurisdictions tracked for every number (nil: by the number's country).
    package var deadlineJurisdictions: [String]? = nil
    /// Extra non-business days for deadlines (days since 1970-01-01).
    package var deadlineHolidays: Set<Int64> = []
    /// The deadline rules' inputs (OptOutDeadlines).
    package var deadlines: DeadlineSettings {
        DeadlineSettings(jurisdictions: deadlineJurisdictions, holidays: deadlineHolidays, timezone: timezone, defaultCountry: defaultCountry)
    }
    /// Quiet hours: per-country windows added to the built-in rules (SendWindowSettings).
    package var sendWindows: [String: [SendWindow]] = [:]
    /// Quiet hours: the sending time of campaigns whose template gives no `send_at:` (SendAt).
    package var sendAt: SendAt? = nil
    /// Allowed but unwise settings (an opt-out list without STOP): shown on every run.
    package var warnings: [Diagnostic] = []

    package init() {}

    /// Loads inbox/settings.json; a missing file gives the defaults. Only a regular file of at
    /// most 1 MiB is read (`SettingsFile`).
    package static func load(path: String, displayName: String) throws(OptoutError) -> Settings {
        guard let bytes = try SettingsFile.read(path: path, displayName: displayName) else { return Settings() }
        return try parse(bytes, displayName: displayName)
    }

    /// Parses and validates settings bytes: each key of the table (SettingsKeys) in turn, then
    /// the keyword lists together.
    package static func parse(_ bytes: [UInt8], displayName: String) throws(OptoutError) -> Settings {
        let members = try objectMembers(bytes, displayName: displayName)
        let reader = SettingsReader(displayName: displayName, members: members)
        for member in members where !knownKeys.contains(member.key) {
            throw reader.fail(member.line, "unknown key \"\(HeaderText.printable(member.key))\" (\(hint(for: member.key)))")
        }
        var s = Settings()
        for key in keys { try key.read(reader, &s) }
        let keywordCheck = KeywordSettings.check(optOut: s.optoutKeywords, optIn: s.optinKeywords, help: s.helpKeywords)
        if let refusal = keywordCheck.refusal { throw reader.bad(refusal.key, refusal.reason) }
        for warning in keywordCheck.warnings {
            s.warnings.append(Diagnostic(.warning, SourceLocation(file: displayName, line: reader.line(warning.key)), "\"\(warning.key)\": \(warning.reason)"))
        }
        return s
    }

    /// The members of the file's top-level object, or why it is not one.
    static func objectMembers(_ bytes: [UInt8], displayName: String) throws(OptoutError) -> [JSONMember] {
        let root: JSONValue
        do { root = try CommentedJSON.parse(bytes) } catch {
            let column = error.column.map { " column \($0):" } ?? ""
            throw .configuration(SourceLocation(file: displayName, line: error.line), "not valid JSON at line \(error.line),\(column) \(error.reason)")
        }
        guard case .object(let members) = root else {
            throw .configuration(SourceLocation(file: displayName, line: 1), "must be a JSON object { ... }")
        }
        return members
    }

    /// "did you mean optout_keywords?" for a key near a known one, else the list of known keys.
    static func hint(for key: String) -> String {
        let near = knownKeys.filter { $0.hasPrefix(String(key.prefix(4))) }
        return near.isEmpty ? "known keys: \(knownKeys.joined(separator: ", "))" : "did you mean \(near.joined(separator: " or "))?"
    }

    /// An http(s) URL with a host, its scheme lower-cased ("HTTPS://x/" → "https://x/"); nil otherwise.
    static func httpURL(_ text: String) -> String? {
        guard let colon = text.range(of: "://") else { return nil }
        let scheme = text[..<colon.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else { return nil }
        let normalized = scheme + text[colon.lowerBound...]
        guard !normalized.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }),
              let url = URL(string: normalized), let host = url.host, !host.isEmpty else { return nil }
        return normalized
    }
}
