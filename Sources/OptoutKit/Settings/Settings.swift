// Settings: account settings from inbox/settings.json (JSON, comments allowed).
// Input: the file's bytes (or its absence: every key has a default). Output: a validated
// `Settings` value. Failures: `OptoutError.configuration` naming the file, the key and why —
// a bad settings file stops the run (it would otherwise apply the wrong rules to everything).

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

    public init() {}

    /// Every key the file may contain.
    public static let knownKeys: [String] = [
        "default_country", "optout_link_base", "unsubscription_reports", "optout_callback_url",
        "webhook_secret", "callback_format", "timezone", "date_order", "optout_keywords",
        "optin_keywords", "help_keywords", "max_segments", "price_per_segment", "currency",
        "mobile_only", "settle_seconds", "notification_sender", "email_from",
        "keyword_phrase_max_words", "confirmation_replies",
        "callback_timeout_seconds",
    ]

    /// Loads inbox/settings.json; a missing file gives the defaults.
    public static func load(path: String, displayName: String) throws(OptoutError) -> Settings {
        guard Durable.exists(path) else { return Settings() }
        let bytes = try Durable.readFile(path)
        return try parse(bytes, displayName: displayName)
    }

    /// Parses and validates settings bytes.
    public static func parse(_ bytes: [UInt8], displayName: String) throws(OptoutError) -> Settings {
        func fail(_ line: Int?, _ text: String) -> OptoutError {
            .configuration(SourceLocation(file: displayName, line: line), text)
        }
        let plain: [UInt8]
        do { plain = try CommentedJSON.strip(bytes) } catch { throw fail(error.line, error.reason) }
        if plain.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return Settings() }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(plain), options: [])
        } catch {
            let index = (error as NSError).userInfo["NSJSONSerializationErrorIndex"] as? Int
            let line = index.map { CommentedJSON.line(of: $0, in: plain) }
            throw fail(line, "not valid JSON (\((error as NSError).localizedDescription))")
        }
        guard let dict = object as? [String: Any] else { throw fail(nil, "must be a JSON object { ... }") }
        var s = Settings()
        func line(_ key: String) -> Int? {
            guard let range = findKey(key, in: plain) else { return nil }
            return CommentedJSON.line(of: range, in: plain)
        }
        func bad(_ key: String, _ why: String) -> OptoutError { fail(line(key), "\"\(key)\": \(why)") }
        for key in dict.keys.sorted() where !knownKeys.contains(key) {
            let near = knownKeys.filter { $0.hasPrefix(String(key.prefix(4))) }
            let hint = near.isEmpty ? "known keys: \(knownKeys.joined(separator: ", "))" : "did you mean \(near.joined(separator: " or "))?"
            throw fail(line(key), "unknown key \"\(key)\" (\(hint))")
        }
        func string(_ key: String) throws(OptoutError) -> String? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw bad(key, "must be a string") }
            return text
        }
        func strings(_ key: String, in container: [String: Any]? = nil, label: String? = nil) throws(OptoutError) -> [String]? {
            let source = container ?? dict
            let name = label ?? key
            guard let value = source[key], !(value is NSNull) else { return nil }
            if let one = value as? String { return [one] }
            guard let list = value as? [Any] else { throw bad(name, "must be a list of strings") }
            var out: [String] = []
            for item in list {
                guard let text = item as? String else { throw bad(name, "must be a list of strings") }
                out.append(text)
            }
            return out
        }
        func number(_ key: String) throws(OptoutError) -> Double? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            guard let n = value as? NSNumber, !isJSONBoolean(value) else {
                throw bad(key, "must be a number")
            }
            return n.doubleValue
        }
        if let country = try string("default_country") {
            let upper = country.uppercased()
            guard upper.count == 2, PhoneNumberParser.isKnownRegion(upper) else {
                throw bad("default_country", "\"\(country)\" is not an ISO 3166 region code that has phone numbers (e.g. \"GB\", \"US\", \"FR\")")
            }
            s.defaultCountry = upper
        }
        if let base = try string("optout_link_base") {
            guard let url = URL(string: base), let scheme = url.scheme?.lowercased(),
                  scheme == "https" || scheme == "http", url.host != nil else {
                throw bad("optout_link_base", "\"\(base)\" is not an http(s) URL such as \"https://example.com/u/\"")
            }
            guard !base.contains("?") && !base.contains("#") else {
                throw bad("optout_link_base", "must not contain ? or # (the token is appended to it)")
            }
            s.optoutLinkBase = base
        }
        if let value = dict["unsubscription_reports"], !(value is NSNull) {
            guard let object = value as? [String: Any] else {
                throw bad("unsubscription_reports", "must be an object like {\"email\": [\"ops@example.com\"], \"sms\": [\"+447911123456\"]}")
            }
            for key in object.keys where key != "email" && key != "sms" {
                throw bad("unsubscription_reports", "unknown key \"\(key)\" (use \"email\" and \"sms\")")
            }
            s.unsubscriptionReports.email = try strings("email", in: object, label: "unsubscription_reports.email") ?? []
            for address in s.unsubscriptionReports.email where !address.contains("@") || address.contains(" ") || address.contains("\n") {
                throw bad("unsubscription_reports", "\"\(address)\" is not an e-mail address")
            }
            let numbers = try strings("sms", in: object, label: "unsubscription_reports.sms") ?? []
            let parser = PhoneNumberParser(defaultRegion: s.defaultCountry)
            for text in numbers {
                guard case .success(let number) = parser.parse(text) else {
                    throw bad("unsubscription_reports", "\"\(text)\" is not a valid phone number")
                }
                s.unsubscriptionReports.sms.append(number.e164)
            }
        }
        if let url = try string("optout_callback_url") {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
                  scheme == "https" || scheme == "http", parsed.host != nil else {
                throw bad("optout_callback_url", "is not an http(s) URL")
            }
            s.optoutCallbackURL = url
        }
        s.webhookSecret = try string("webhook_secret")
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
                throw bad("timezone", "\"\(zone)\" is not an IANA time zone such as \"Europe/London\" or \"UTC\"")
            }
            s.timezone = tz
        }
        if let order = try string("date_order") {
            guard let parsed = Timestamp.DateOrder(rawValue: order) else { throw bad("date_order", "must be \"day-first\" or \"month-first\"") }
            s.dateOrder = parsed
        }
        for (key, path) in [("optout_keywords", \Settings.optoutKeywords), ("optin_keywords", \Settings.optinKeywords),
                            ("help_keywords", \Settings.helpKeywords)] {
            if let words = try strings(key) {
                if key == "optout_keywords" && words.isEmpty { throw bad(key, "must not be empty (recipients must be able to opt out)") }
                s[keyPath: path] = words
            }
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
        if let value = dict["mobile_only"], !(value is NSNull) {
            guard isJSONBoolean(value), let flag = value as? Bool else {
                throw bad("mobile_only", "must be true or false")
            }
            s.mobileOnly = flag
        }
        if let settle = try number("settle_seconds") {
            guard settle >= 0, settle <= 3600 else { throw bad("settle_seconds", "must be from 0 to 3600") }
            s.settleSeconds = settle
        }
        s.notificationSender = try string("notification_sender")
        if let from = try string("email_from") {
            guard from.contains("@"), !from.contains("\n") else { throw bad("email_from", "is not an e-mail address") }
            s.emailFrom = from
        }
        if let words = try number("keyword_phrase_max_words") {
            guard words >= 0, words <= 100, words == words.rounded() else {
                throw bad("keyword_phrase_max_words", "must be a whole number from 0 (exact keywords only) to 100")
            }
            s.keywordPhraseMaxWords = Int(words)
        }
        if let value = dict["confirmation_replies"], !(value is NSNull) {
            guard isJSONBoolean(value), let flag = value as? Bool else {
                throw bad("confirmation_replies", "must be true or false")
            }
            s.confirmationReplies = flag
        }
        return s
    }

    /// JSONSerialization gives true/false as a boolean NSNumber that `is Bool` shares with 0 and 1;
    /// only its dynamic type tells them apart.
    static func isJSONBoolean(_ value: Any) -> Bool {
        String(describing: type(of: value)).contains("Boolean")
    }

    /// Offset of `"key"` followed by a colon, for line numbers in messages.
    static func findKey(_ key: String, in bytes: [UInt8]) -> Int? {
        let needle = Array("\"\(key)\"".utf8)
        guard needle.count <= bytes.count else { return nil }
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], Array(bytes[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// The commented settings file `optout init` writes.
    public static let template = """
    // optout settings. JSON with comments; every key is optional.
    // A bad value stops the run with a message naming the key.
    {
      // ISO region for numbers written without a country code (07911 123456 → +447911123456).
      "default_country": "GB",

      // Personal opt-out links are this base plus a short token: https://example.com/u/3kT9xQ2bLm
      "optout_link_base": "https://example.com/u/",

      // Who receives the unsubscription report after a run with new opt-outs: e-mail, SMS, both or neither.
      "unsubscription_reports": { "email": [], "sms": [] },

      // Opt-outs are also POSTed here by `optout deliver` (SMS.to's "Default Optout Callback URL").
      // "optout_callback_url": "https://crm.example.com/hooks/optout",
      // "webhook_secret": "change-me",
      "callback_format": "json",
      // Seconds the receiver has to answer; failures are retried with backoff for 48 hours.
      // "callback_timeout_seconds": 4,

      // Zone for log times written without an offset, and how to read 03/04/2026.
      "timezone": "Europe/London",
      "date_order": "day-first",

      // Keyword lists (matching ignores case, accents, punctuation and emoji). Defaults shown in README.
      // "optout_keywords": ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"],
      // "optin_keywords": ["START", "UNSTOP"],
      // A short message containing an opt-out keyword ("please stop") opts out; 0 = exact keywords only.
      // "keyword_phrase_max_words": 8,
      // One plain "You're unsubscribed ... Reply START to resubscribe" SMS per new opt-out (outbox/send/).
      // "confirmation_replies": false,

      // Skip recipients whose message needs more segments than this; price per segment for reports.
      "max_segments": 3,
      "price_per_segment": 0.04,
      "currency": "GBP",

      // Skip numbers that libphonenumber's data says are landlines.
      "mobile_only": false,

      // Seconds a dropped file must be unchanged before it is read.
      "settle_seconds": 2
    }

    """
}
