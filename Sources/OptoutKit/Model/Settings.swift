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
public struct ReportRecipients: Sendable, Equatable {
    public var email: [String] = []
    public var sms: [String] = []
}

/// The validated account settings.
public struct Settings: Sendable {
    /// ISO region for national numbers (e.g. "GB"); nil accepts international numbers only.
    public var defaultCountry: String? = nil
    /// Opt-out links are this plus the token, e.g. "https://example.com/u/".
    public var optoutLinkBase: String? = nil
    public var unsubscriptionReports = ReportRecipients()
    public var optoutCallbackURL: String? = nil
    public var webhookSecret: String? = nil
    public var callbackFormat: String = "json"
    /// Seconds the callback receiver has to answer a delivery (SMS.to allows 4).
    public var callbackTimeoutSeconds: Double = 4
    /// Zone for log times written without an offset.
    public var timezone: TimeZone = TimeZone(identifier: "UTC")!
    public var dateOrder: Timestamp.DateOrder = .dayFirst
    public var optoutKeywords: [String] = Keywords.defaultOptOut
    public var optinKeywords: [String] = Keywords.defaultOptIn
    public var helpKeywords: [String] = Keywords.defaultHelp
    /// Rows whose message needs more segments are skipped; nil = no limit.
    public var maxSegments: Int? = nil
    /// Cost per segment for the campaign report; nil = no cost line.
    public var pricePerSegment: Double? = nil
    public var currency: String = ""
    /// Skip numbers that are not mobiles where the metadata can tell.
    public var mobileOnly = false
    /// Seconds a dropped file's size and mtime must be unchanged before it is read.
    public var settleSeconds: Double = 2
    /// Sender name or number used for notification SMS files.
    public var notificationSender: String? = nil
    /// From address of the unsubscription e-mails.
    public var emailFrom: String = "optout@localhost"
    /// Phrase rule: a message of at most this many words containing an opt-out keyword opts out
    /// ("please stop"); 0 = only a message that is exactly a keyword.
    public var keywordPhraseMaxWords: Int = Keywords.defaultPhraseMaxWords
    /// Write a confirmation send file (one plain SMS per new opt-out from a reply or link).
    public var confirmationReplies = false
    /// Let `{optout}` campaigns use a link base on a reserved example domain (example.com,
    /// *.test, localhost...): the shipped sample sets it; its links go nowhere.
    public var allowExampleLinks = false
    /// Allowed but unwise settings (an opt-out list without STOP): shown on every run.
    public var warnings: [Diagnostic] = []

    public init() {}

    /// Every key the file may contain.
    public static let knownKeys: [String] = [
        "default_country", "optout_link_base", "unsubscription_reports", "optout_callback_url",
        "webhook_secret", "callback_format", "timezone", "date_order", "optout_keywords",
        "optin_keywords", "help_keywords", "max_segments", "price_per_segment", "currency",
        "mobile_only", "settle_seconds", "notification_sender", "email_from",
        "keyword_phrase_max_words", "confirmation_replies",
        "callback_timeout_seconds", "allow_example_links",
    ]

    /// Loads inbox/settings.json; a missing file gives the defaults. Only a regular file of at
    /// most 1 MiB is read (`SettingsFile`).
    public static func load(path: String, displayName: String) throws(OptoutError) -> Settings {
        guard let bytes = try SettingsFile.read(path: path, displayName: displayName) else { return Settings() }
        return try parse(bytes, displayName: displayName)
    }

    /// Parses and validates settings bytes.
    public static func parse(_ bytes: [UInt8], displayName: String) throws(OptoutError) -> Settings {
        func fail(_ line: Int?, _ text: String) -> OptoutError {
            .configuration(SourceLocation(file: displayName, line: line), text)
        }
        let root: JSONValue
        do { root = try CommentedJSON.parse(bytes) } catch {
            let column = error.column.map { " column \($0):" } ?? ""
            throw fail(error.line, "not valid JSON at line \(error.line),\(column) \(error.reason)")
        }
        guard case .object(let members) = root else { throw fail(1, "must be a JSON object { ... }") }
        var dict: [String: JSONMember] = [:]
        for member in members { dict[member.key] = member }
        var s = Settings()
        func line(_ key: String) -> Int? { dict[key]?.line }
        func bad(_ key: String, _ why: String) -> OptoutError {
            fail(line(String(key.split(separator: ".").first ?? Substring(key))), "\"\(key)\": \(why)")
        }
        for member in members where !knownKeys.contains(member.key) {
            let key = member.key
            let near = knownKeys.filter { $0.hasPrefix(String(key.prefix(4))) }
            let hint = near.isEmpty ? "known keys: \(knownKeys.joined(separator: ", "))" : "did you mean \(near.joined(separator: " or "))?"
            throw fail(member.line, "unknown key \"\(HeaderText.printable(key))\" (\(hint))")
        }
        func value(_ key: String, in container: [String: JSONValue]? = nil) -> JSONValue? {
            let found = container.map { $0[key] } ?? dict[key]?.value
            if case .null? = found { return nil }
            return found
        }
        func string(_ key: String) throws(OptoutError) -> String? {
            guard let v = value(key) else { return nil }
            guard case .string(let text) = v else { throw bad(key, "must be a string") }
            return text
        }
        func strings(_ key: String, in container: [String: JSONValue]? = nil, label: String? = nil) throws(OptoutError) -> [String]? {
            let name = label ?? key
            guard let v = value(key, in: container) else { return nil }
            if case .string(let one) = v { return [one] }
            guard case .array(let list) = v else { throw bad(name, "must be a list of strings") }
            var out: [String] = []
            for item in list {
                guard case .string(let text) = item else { throw bad(name, "must be a list of strings") }
                out.append(text)
            }
            return out
        }
        func number(_ key: String) throws(OptoutError) -> Double? {
            guard let v = value(key) else { return nil }
            guard case .number(let n) = v else { throw bad(key, "must be a number") }
            return n
        }
        func flag(_ key: String) throws(OptoutError) -> Bool? {
            guard let v = value(key) else { return nil }
            guard case .bool(let b) = v else { throw bad(key, "must be true or false") }
            return b
        }
        if let country = try string("default_country") {
            let upper = country.uppercased()
            guard upper.count == 2, PhoneNumberParser.isKnownRegion(upper) else {
                throw bad("default_country", "\"\(HeaderText.printable(country))\" is not an ISO 3166 region code that has phone numbers (e.g. \"GB\", \"US\", \"FR\")")
            }
            s.defaultCountry = upper
        }
        if let base = try string("optout_link_base") {
            guard let normalized = httpURL(base) else {
                throw bad("optout_link_base", "\"\(HeaderText.printable(base))\" is not an http(s) URL such as \"https://links.acme.co.uk/u/\"")
            }
            guard !base.contains("?") && !base.contains("#") else {
                throw bad("optout_link_base", "must not contain ? or # (the token is appended to it)")
            }
            s.optoutLinkBase = normalized
        }
        s.allowExampleLinks = try flag("allow_example_links") ?? false
        if let v = value("unsubscription_reports") {
            guard case .object(let reportMembers) = v else {
                throw bad("unsubscription_reports", "must be an object like {\"email\": [\"ops@example.com\"], \"sms\": [\"+447911123456\"]}")
            }
            var object: [String: JSONValue] = [:]
            for member in reportMembers {
                guard member.key == "email" || member.key == "sms" else {
                    throw bad("unsubscription_reports", "unknown key \"\(HeaderText.printable(member.key))\" (use \"email\" and \"sms\")")
                }
                object[member.key] = member.value
            }
            s.unsubscriptionReports.email = try strings("email", in: object, label: "unsubscription_reports.email") ?? []
            for address in s.unsubscriptionReports.email {
                if let why = HeaderText.problem(address) {
                    throw bad("unsubscription_reports.email", "\"\(HeaderText.printable(address))\" \(why)")
                }
                guard address.contains("@"), !address.contains(" ") else {
                    throw bad("unsubscription_reports", "\"\(address)\" is not an e-mail address")
                }
            }
            let numbers = try strings("sms", in: object, label: "unsubscription_reports.sms") ?? []
            let parser = PhoneNumberParser(defaultRegion: s.defaultCountry)
            for text in numbers {
                guard case .success(let number) = parser.parse(text) else {
                    throw bad("unsubscription_reports", "\"\(HeaderText.printable(text))\" is not a valid phone number")
                }
                s.unsubscriptionReports.sms.append(number.e164)
            }
        }
        if let url = try string("optout_callback_url") {
            guard let normalized = httpURL(url) else { throw bad("optout_callback_url", "is not an http(s) URL") }
            s.optoutCallbackURL = normalized
        }
        if let secret = try string("webhook_secret") {
            guard !secret.isEmpty else {
                throw bad("webhook_secret", "is empty: deliveries would carry a signature anyone can compute; set a long random secret, or remove the key to send unsigned")
            }
            s.webhookSecret = secret
        }
        if let format = try string("callback_format") {
            guard format == "json" || format == "form" else { throw bad("callback_format", "must be \"json\" or \"form\"") }
            s.callbackFormat = format
        }
        if let timeout = try number("callback_timeout_seconds") {
            guard timeout >= 0.1, timeout <= 60 else { throw bad("callback_timeout_seconds", "must be from 0.1 to 60") }
            s.callbackTimeoutSeconds = timeout
        }
        if let zone = try string("timezone") {
            guard let tz = TimeZone(identifier: zone) else {
                throw bad("timezone", "\"\(HeaderText.printable(zone))\" is not an IANA time zone such as \"Europe/London\" or \"UTC\"")
            }
            s.timezone = tz
        }
        if let order = try string("date_order") {
            guard let parsed = Timestamp.DateOrder(rawValue: order) else { throw bad("date_order", "must be \"day-first\" or \"month-first\"") }
            s.dateOrder = parsed
        }
        for (key, path) in [("optout_keywords", \Settings.optoutKeywords), ("optin_keywords", \Settings.optinKeywords),
                            ("help_keywords", \Settings.helpKeywords)] {
            if let words = try strings(key) { s[keyPath: path] = words }
        }
        let keywordCheck = KeywordSettings.check(optOut: s.optoutKeywords, optIn: s.optinKeywords, help: s.helpKeywords)
        if let refusal = keywordCheck.refusal { throw bad(refusal.key, refusal.reason) }
        for warning in keywordCheck.warnings {
            s.warnings.append(Diagnostic(.warning, SourceLocation(file: displayName, line: line(warning.key)), "\"\(warning.key)\": \(warning.reason)"))
        }
        if let max = try number("max_segments") {
            guard max >= 1, max <= 255, max == max.rounded() else { throw bad("max_segments", "must be a whole number from 1 to 255") }
            s.maxSegments = Int(max)
        }
        if let price = try number("price_per_segment") {
            guard price >= 0, price.isFinite else { throw bad("price_per_segment", "must be zero or more") }
            s.pricePerSegment = price
        }
        s.currency = try string("currency") ?? ""
        s.mobileOnly = try flag("mobile_only") ?? false
        if let settle = try number("settle_seconds") {
            guard settle >= 0, settle <= 3600 else { throw bad("settle_seconds", "must be from 0 to 3600") }
            s.settleSeconds = settle
        }
        if let sender = try string("notification_sender") {
            if let why = HeaderText.problem(sender) { throw bad("notification_sender", why) }
            s.notificationSender = sender
        }
        if let from = try string("email_from") {
            if let why = HeaderText.problem(from) { throw bad("email_from", why) }
            guard Email.addrSpec(from).contains("@") else { throw bad("email_from", "is not an e-mail address") }
            s.emailFrom = from
        }
        if let words = try number("keyword_phrase_max_words") {
            guard words >= 0, words <= 100, words == words.rounded() else {
                throw bad("keyword_phrase_max_words", "must be a whole number from 0 (no short-message rule) to 100")
            }
            s.keywordPhraseMaxWords = Int(words)
        }
        s.confirmationReplies = try flag("confirmation_replies") ?? false
        return s
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

    /// The settings file `optout init` writes: every key as a commented example, so the file
    /// parses to the defaults and nothing takes effect until a person writes it (a link base on
    /// example.com once sent a real campaign with links that went nowhere).
    public static let template = """
    // optout settings. JSON with comments; every key is optional and the defaults apply until you
    // remove the // in front of a line and put your own value (keep the commas between entries).
    // A bad value stops the run with a message naming the key. This file will hold secrets: it is
    // written readable by its owner only (0600).
    {
      // ISO region for numbers written without a country code (07911 123456 → +447911123456).
      // Without it only international numbers (+44...) are accepted.
      // "default_country": "GB",

      // Needed for {optout} in a campaign: personal opt-out links are this base plus a short token,
      // e.g. https://links.acme.co.uk/u/3kT9xQ2bLm. Use a domain you serve (see `optout site`);
      // a reserved example domain (example.com, *.test, localhost...) holds {optout} campaigns.
      // "optout_link_base": "https://links.acme.co.uk/u/",

      // Who receives the unsubscription report after a run with new opt-outs: e-mail, SMS, both or neither.
      // "unsubscription_reports": { "email": ["compliance@acme.co.uk"], "sms": [] },
      // "email_from": "ACME Opt-outs <optout@acme.co.uk>",
      // "notification_sender": "ACME",

      // Opt-outs are also POSTed here by `optout deliver` (SMS.to's "Default Optout Callback URL").
      // "optout_callback_url": "https://crm.acme.co.uk/hooks/optout",
      // "webhook_secret": "a long random string",
      // "callback_format": "json",
      // Seconds the receiver has to answer; failures are retried with backoff for 48 hours.
      // "callback_timeout_seconds": 4,

      // Zone for log times written without an offset (default UTC), and how to read 03/04/2026.
      // "timezone": "Europe/London",
      // "date_order": "day-first",

      // Keyword lists (matching ignores case, accents, punctuation and emoji). Defaults in README.
      // "optout_keywords": ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"],
      // "optin_keywords": ["START", "UNSTOP"],
      // A short message containing an opt-out keyword ("please stop") opts out; 0 = exact keywords only.
      // "keyword_phrase_max_words": 8,
      // One plain "You're unsubscribed ... Reply START to resubscribe" SMS per new opt-out (outbox/send/).
      // "confirmation_replies": false,

      // Skip recipients whose message needs more segments than this; price per segment for reports.
      // "max_segments": 3,
      // "price_per_segment": 0.04,
      // "currency": "GBP",

      // Skip numbers that libphonenumber's data says are landlines.
      // "mobile_only": false,

      // Seconds a dropped file must be unchanged before it is read.
      // "settle_seconds": 2
    }

    """
}
