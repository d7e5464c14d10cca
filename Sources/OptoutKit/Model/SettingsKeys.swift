// Settings keys: the one table of inbox/settings.json's keys. Each row holds the key, its JSON
// type, its default and meaning as README "Settings" shows them, the commented example `optout
// init` writes, and how its value is read and checked into `Settings`. `Settings.parse`,
// `Settings.template` and the README check (Tests/OptoutKitTests/Model/MetadataTests.swift) all
// derive from it. Failures (while reading a value): `OptoutError.configuration` naming the key.

import OptoutPhone
import OptoutBase
import Foundation

package struct SettingsKey: Sendable {
    package let name: String
    /// JSON type, as the README's type column shows it.
    package let type: String
    /// The default, as the README's default column shows it.
    package let defaultText: String
    /// The README's meaning column.
    package let meaning: String
    /// The value of the commented example in the `init` template (JSON text).
    let example: String
    /// Comment lines before the example in the template; `section`: a blank line before them.
    let notes: [String]
    let section: Bool
    /// Reads the key (absent or null: the default stays) into the settings, or throws why not.
    let read: @Sendable (SettingsReader, inout Settings) throws(OptoutError) -> Void

    init(_ name: String, _ type: String, _ defaultText: String, _ meaning: String, example: String,
         notes: [String] = [], section: Bool = false,
         read: @escaping @Sendable (SettingsReader, inout Settings) throws(OptoutError) -> Void) {
        self.name = name; self.type = type; self.defaultText = defaultText; self.meaning = meaning
        self.example = example; self.notes = notes; self.section = section; self.read = read
    }
}

extension Settings {
    /// Every key the file may contain, in the order they are read (default_country before the
    /// report numbers it applies to) and written in the template.
    package static let keys: [SettingsKey] = [
        SettingsKey("default_country", "string", "none",
                    "ISO region (`GB`, `US`, `FR`...) for numbers written without a country code; without it only international numbers are accepted",
                    example: "\"GB\"",
                    notes: ["ISO region for numbers written without a country code (07911 123456 → +447911123456).",
                            "Without it only international numbers (+44...) are accepted."]) { r, s throws(OptoutError) in
            guard let country = try r.string("default_country") else { return }
            let upper = country.uppercased()
            guard upper.count == 2, PhoneNumberParser.isKnownRegion(upper) else {
                throw r.bad("default_country", "\"\(HeaderText.printable(country))\" is not an ISO 3166 region code that has phone numbers (e.g. \"GB\", \"US\", \"FR\")")
            }
            s.defaultCountry = upper
        },
        SettingsKey("optout_link_base", "string", "none",
                    "opt-out links are this + a token, e.g. `https://links.acme.co.uk/u/` (required for `{optout}`). On a reserved example domain (`example.com`/`.net`/`.org` and their subdomains, `*.example`, `*.test`, `*.invalid`, `localhost`) every `{optout}` campaign is held (exit 78, the campaign stays in `inbox/campaigns/`; other work is done)",
                    example: "\"https://links.acme.co.uk/u/\"", notes: [
                        "Needed for {optout} in a campaign: personal opt-out links are this base plus a short token,",
                        "e.g. https://links.acme.co.uk/u/3kT9xQ2bLm. Use a domain you serve (see `optout site`);",
                        "a reserved example domain (example.com, *.test, localhost...) holds {optout} campaigns."], section: true) { r, s throws(OptoutError) in
            guard let base = try r.string("optout_link_base") else { return }
            guard let normalized = Settings.httpURL(base) else {
                throw r.bad("optout_link_base", "\"\(HeaderText.printable(base))\" is not an http(s) URL such as \"https://links.acme.co.uk/u/\"")
            }
            guard !base.contains("?") && !base.contains("#") else {
                throw r.bad("optout_link_base", "must not contain ? or # (the token is appended to it)")
            }
            s.optoutLinkBase = normalized
        },
        SettingsKey("allow_example_links", "boolean", "`false`",
                    "`true` builds `{optout}` campaigns on an example link base anyway; the shipped sample sets it (its links go nowhere)",
                    example: "false", notes: ["true: build {optout} campaigns on an example link base anyway (their links go nowhere)."]) { r, s throws(OptoutError) in
            s.allowExampleLinks = try r.flag("allow_example_links") ?? false
        },
        SettingsKey("unsubscription_reports", "object", "`{}`",
                    "`{\"email\": [...], \"sms\": [...]}`: who receives the unsubscription report after a run with new opt-outs: e-mail, SMS, both or neither",
                    example: "{ \"email\": [\"compliance@acme.co.uk\"], \"sms\": [] }",
                    notes: ["Who receives the unsubscription report after a run with new opt-outs: e-mail, SMS, both or neither."],
                    section: true) { r, s throws(OptoutError) in
            try readReportRecipients(r, &s)
        },
        SettingsKey("email_from", "string", "`optout@localhost`",
                    "`From:` of the unsubscription e-mails, e.g. `ACME Opt-outs <optout@acme.example>`",
                    example: "\"ACME Opt-outs <optout@acme.co.uk>\"") { r, s throws(OptoutError) in
            guard let from = try r.string("email_from") else { return }
            if let why = HeaderText.problem(from) { throw r.bad("email_from", why) }
            guard Email.addrSpec(from).contains("@") else { throw r.bad("email_from", "is not an e-mail address") }
            s.emailFrom = from
        },
        SettingsKey("notification_sender", "string", "none",
                    "name that starts notification and confirmation SMS and the e-mail subject (`ACME: ...`); refused (78) if it holds a link (`http`, `www.`, a dotted domain) or an offer (`%`, `£$€` amounts, free, discount, sale, offer, deal, win, prize...): the confirmation may carry no marketing",
                    example: "\"ACME\"") { r, s throws(OptoutError) in
            guard let sender = try r.string("notification_sender") else { return }
            if let why = HeaderText.problem(sender) { throw r.bad("notification_sender", why) }
            // It starts the confirmation SMS: no link, no offer (SenderTextCheck, issue 17 item 3).
            if let why = SenderTextCheck.problem(sender) { throw r.bad("notification_sender", why) }
            s.notificationSender = sender
        },
        SettingsKey("optout_callback_url", "string", "none",
                    "where `optout deliver` (and the end of each `run`) POSTs webhook payloads; `https://user:pass@host/...` is sent as Basic auth and never printed",
                    example: "\"https://crm.acme.co.uk/hooks/optout\"",
                    notes: ["Opt-outs are also POSTed here by `optout deliver` (SMS.to's \"Default Optout Callback URL\")."],
                    section: true) { r, s throws(OptoutError) in
            guard let url = try r.string("optout_callback_url") else { return }
            guard let normalized = Settings.httpURL(url) else { throw r.bad("optout_callback_url", "is not an http(s) URL") }
            s.optoutCallbackURL = normalized
        },
        SettingsKey("webhook_secret", "string", "none", "HMAC-SHA256 key signing those deliveries; never printed",
                    example: "\"a long random string\"") { r, s throws(OptoutError) in
            guard let secret = try r.string("webhook_secret") else { return }
            guard !secret.isEmpty else {
                throw r.bad("webhook_secret", "is empty: deliveries would carry a signature anyone can compute; set a long random secret, or remove the key to send unsigned")
            }
            s.webhookSecret = secret
        },
        SettingsKey("callback_format", "string", "`json`",
                    "`json` (the file's bytes) or `form` (the same three fields, `application/x-www-form-urlencoded`)",
                    example: "\"json\"") { r, s throws(OptoutError) in
            guard let format = try r.string("callback_format") else { return }
            guard format == "json" || format == "form" else { throw r.bad("callback_format", "must be \"json\" or \"form\"") }
            s.callbackFormat = format
        },
        SettingsKey("callback_timeout_seconds", "number", "`4`",
                    "how long one delivery attempt may take, headers and body, whatever the receiver does (0.1–60)",
                    example: "4", notes: ["Seconds the receiver has to answer; failures are retried with backoff for 48 hours."]) { r, s throws(OptoutError) in
            guard let timeout = try r.number("callback_timeout_seconds") else { return }
            guard timeout >= 0.1, timeout <= 60 else { throw r.bad("callback_timeout_seconds", "must be from 0.1 to 60") }
            s.callbackTimeoutSeconds = timeout
        },
        SettingsKey("timezone", "string", "`UTC`", "IANA zone for log times without an offset",
                    example: "\"Europe/London\"",
                    notes: ["Zone for log times written without an offset (default UTC), and how to read 03/04/2026."],
                    section: true) { r, s throws(OptoutError) in
            guard let zone = try r.string("timezone") else { return }
            guard let tz = TimeZone(identifier: zone) else {
                throw r.bad("timezone", "\"\(HeaderText.printable(zone))\" is not an IANA time zone such as \"Europe/London\" or \"UTC\"")
            }
            s.timezone = tz
        },
        SettingsKey("date_order", "string", "`day-first`",
                    "how to read `03/04/2026` in a file whose own dates show no order (help and other messages only; see STOP logs)",
                    example: "\"day-first\"") { r, s throws(OptoutError) in
            guard let order = try r.string("date_order") else { return }
            guard let parsed = Timestamp.DateOrder(rawValue: order) else { throw r.bad("date_order", "must be \"day-first\" or \"month-first\"") }
            s.dateOrder = parsed
        },
        SettingsKey("optout_keywords", "list of strings", "see above", "opt-out keywords (replace the defaults)",
                    example: "[\"STOP\", \"STOPALL\", \"UNSUBSCRIBE\", \"CANCEL\", \"END\", \"QUIT\", \"REVOKE\", \"OPTOUT\"]",
                    notes: ["Keyword lists (matching ignores case, accents, punctuation and emoji). Defaults in README."],
                    section: true) { r, s throws(OptoutError) in
            if let words = try r.strings("optout_keywords") { s.optoutKeywords = words }
        },
        SettingsKey("optin_keywords", "list of strings", "see above", "opt-in keywords (replace the defaults)",
                    example: "[\"START\", \"UNSTOP\"]") { r, s throws(OptoutError) in
            if let words = try r.strings("optin_keywords") { s.optinKeywords = words }
        },
        SettingsKey("help_keywords", "list of strings", "see above", "help keywords (replace the defaults)",
                    example: "[\"HELP\", \"INFO\", \"AIDE\", \"HILFE\", \"AYUDA\", \"AIUTO\", \"AJUDA\"]") { r, s throws(OptoutError) in
            if let words = try r.strings("help_keywords") { s.helpKeywords = words }
        },
        SettingsKey("keyword_phrase_max_words", "number", "`8`",
                    "short-message rule: a message of at most this many words containing an opt-out keyword opts out; `0` turns only this rule off (clear requests and one-word slips still opt out)",
                    example: "8", notes: ["A short message containing an opt-out keyword (\"please stop\") opts out; 0 = exact keywords only."]) { r, s throws(OptoutError) in
            if let words = try r.whole("keyword_phrase_max_words", 0...100, "must be a whole number from 0 (no short-message rule) to 100") {
                s.keywordPhraseMaxWords = words
            }
        },
        SettingsKey("confirmation_replies", "boolean", "`false`",
                    "write a send file with one plain confirmation SMS per number newly opted out by a reply or link",
                    example: "false", notes: ["One plain \"You're unsubscribed ... Reply START to resubscribe\" SMS per new opt-out (outbox/send/)."]) { r, s throws(OptoutError) in
            s.confirmationReplies = try r.flag("confirmation_replies") ?? false
        },
        SettingsKey("deadline_jurisdictions", "list of strings", "by the number's country",
                    "whose opt-out deadlines to track: `US` (10 business days), `CA` (10 business days), `AU` (5 working days); unset: each number by its country (others untracked); a list applies those rules to every number (the earliest counts); `[]` tracks none",
                    example: "[\"US\"]",
                    notes: ["Opt-out deadlines: unset, each number by its country (US and CA 10 business days, AU 5 working days).",
                            "A list applies those rules to every number; [] tracks none. Extra non-business days: deadline_holidays."],
                    section: true) { r, s throws(OptoutError) in
            guard let list = try r.strings("deadline_jurisdictions") else { return }
            for code in list where OptOutDeadlines.rules[code] == nil {
                throw r.bad("deadline_jurisdictions", "\"\(HeaderText.printable(code))\" is not a jurisdiction optout knows (\(OptOutDeadlines.rules.keys.sorted().joined(separator: ", ")))")
            }
            s.deadlineJurisdictions = list
        },
        SettingsKey("deadline_holidays", "list of strings", "`[]`",
                    "extra non-business days (`YYYY-MM-DD`) for every deadline, beside weekends and the US federal holidays (observed) that US and CA deadlines skip",
                    example: "[\"2026-12-24\"]") { r, s throws(OptoutError) in
            guard let list = try r.strings("deadline_holidays") else { return }
            for text in list {
                guard let day = OptOutDeadlines.day(text) else {
                    throw r.bad("deadline_holidays", "\"\(HeaderText.printable(text))\" is not a date such as \"2026-12-24\"")
                }
                s.deadlineHolidays.insert(day)
            }
        },
        SettingsKey("max_segments", "number", "none", "skip recipients whose message needs more segments",
                    example: "3", notes: ["Skip recipients whose message needs more segments than this; price per segment for reports."],
                    section: true) { r, s throws(OptoutError) in
            if let max = try r.whole("max_segments", 1...255, "must be a whole number from 1 to 255") { s.maxSegments = max }
        },
        SettingsKey("price_per_segment", "number", "none", "cost per segment: a cost line in campaign reports",
                    example: "0.04") { r, s throws(OptoutError) in
            guard let price = try r.number("price_per_segment") else { return }
            guard price >= 0, price.isFinite else { throw r.bad("price_per_segment", "must be zero or more") }
            s.pricePerSegment = price
        },
        SettingsKey("currency", "string", "none", "currency named on that cost line", example: "\"GBP\"") { r, s throws(OptoutError) in
            s.currency = try r.string("currency") ?? ""
        },
        SettingsKey("send_at", "string", "none",
                    "sending time of campaigns whose template has no `send_at:` header: `\"next 10:00 America/New_York\"` (the first such local time at or after the build) or a fixed `\"2026-11-28 10:00 America/New_York\"`; scheduled campaigns go to `outbox/send/later/` by each recipient's sending hours (see \"Quiet hours\")",
                    example: "\"next 10:00 America/New_York\"",
                    notes: ["Quiet hours: campaigns without a send_at: header are scheduled at this time (see README).",
                            "Their rows go to outbox/send/later/<campaign>@<UTC time>.csv by each recipient's local sending hours."],
                    section: true) { r, s throws(OptoutError) in
            guard let text = try r.string("send_at") else { return }
            switch SendAt.parse(text) {
            case .success(let value): s.sendAt = value.isScheduled ? value : nil
            case .failure(let error): throw r.bad("send_at", error.reason)
            }
        },
        SettingsKey("send_windows", "object", "`{}`",
                    "sending hours of your own per country, added to the built-in ones for scheduled campaigns: `{\"FR\": [{\"days\": \"Mon-Fri\", \"from\": \"10:00\", \"to\": \"18:00\"}]}`",
                    example: "{ \"FR\": [{ \"days\": \"Mon-Fri\", \"from\": \"10:00\", \"to\": \"18:00\" }] }",
                    notes: ["Sending hours of your own per country (local time; entries are alternatives; only adds limits)."]) { r, s throws(OptoutError) in
            guard let value = r.value("send_windows") else { return }
            switch SendWindowSettings.parse(value.foundationValue) {
            case .success(let windows): s.sendWindows = windows
            case .failure(let failure):
                throw r.bad(failure.key, failure.entry.isEmpty ? failure.reason : "\(failure.reason) (entry \(failure.entry))")
            }
        },
        SettingsKey("mobile_only", "boolean", "`false`",
                    "skip recipients that libphonenumber's data says are not mobiles (never applies to opt-outs)",
                    example: "false", notes: ["Skip numbers that libphonenumber's data says are landlines."], section: true) { r, s throws(OptoutError) in
            s.mobileOnly = try r.flag("mobile_only") ?? false
        },
        SettingsKey("settle_seconds", "number", "`2`",
                    "how long a dropped file must be unchanged before it is read (one wait per run; 0: no wait and no lease probe)",
                    example: "2", notes: ["Seconds a dropped file must be unchanged before it is read."], section: true) { r, s throws(OptoutError) in
            guard let settle = try r.number("settle_seconds") else { return }
            guard settle >= 0, settle <= 3600 else { throw r.bad("settle_seconds", "must be from 0 to 3600") }
            s.settleSeconds = settle
        },
    ]

    /// Every key's name, in table order.
    package static var knownKeys: [String] { keys.map(\.name) }

    /// unsubscription_reports: `{"email": [...], "sms": [...]}`, addresses and numbers checked.
    static func readReportRecipients(_ r: SettingsReader, _ s: inout Settings) throws(OptoutError) {
        guard let v = r.value("unsubscription_reports") else { return }
        guard case .object(let reportMembers) = v else {
            throw r.bad("unsubscription_reports", "must be an object like {\"email\": [\"ops@example.com\"], \"sms\": [\"+447911123456\"]}")
        }
        var object: [String: JSONValue] = [:]
        for member in reportMembers {
            guard member.key == "email" || member.key == "sms" else {
                throw r.bad("unsubscription_reports", "unknown key \"\(HeaderText.printable(member.key))\" (use \"email\" and \"sms\")")
            }
            object[member.key] = member.value
        }
        s.unsubscriptionReports.email = try r.strings("email", in: object, label: "unsubscription_reports.email") ?? []
        for address in s.unsubscriptionReports.email {
            if let why = HeaderText.problem(address) {
                throw r.bad("unsubscription_reports.email", "\"\(HeaderText.printable(address))\" \(why)")
            }
            guard address.contains("@"), !address.contains(" ") else {
                throw r.bad("unsubscription_reports", "\"\(address)\" is not an e-mail address")
            }
        }
        let numbers = try r.strings("sms", in: object, label: "unsubscription_reports.sms") ?? []
        let parser = PhoneNumberParser(defaultRegion: s.defaultCountry)
        for text in numbers {
            guard case .success(let number) = parser.parse(text) else {
                throw r.bad("unsubscription_reports", "\"\(HeaderText.printable(text))\" is not a valid phone number")
            }
            s.unsubscriptionReports.sms.append(number.e164)
        }
    }

    /// The settings file `optout init` writes: every key of the table as a commented example, so
    /// the file parses to the defaults and nothing takes effect until a person writes it (a link
    /// base on example.com once sent a real campaign with links that went nowhere).
    package static let template: String = {
        var lines = [
            "// optout settings. JSON with comments; every key is optional and the defaults apply until you",
            "// remove the // in front of a line and put your own value (keep the commas between entries).",
            "// A bad value stops the run with a message naming the key. This file will hold secrets: it is",
            "// written readable by its owner only (0600).",
            "{",
        ]
        for (i, key) in keys.enumerated() {
            if key.section { lines.append("") }
            lines += key.notes.map { "  // " + $0 }
            lines.append("  // \"\(key.name)\": \(key.example)" + (i == keys.count - 1 ? "" : ","))
        }
        return (lines + ["}", ""]).joined(separator: "\n")
    }()
}
