// Settings that cannot be turned against the workspace (issue 11 items 2, 3, 6; issue 10 class 10):
// parse errors with line and column, duplicate keys, URL scheme case, empty secret, control
// characters in e-mail headers, keyword lists that would switch opt-outs off, reserved example
// domains, nginx values, the written time range and shortened column lists.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct SettingsHardeningTests {
    func parse(_ text: String) throws(OptoutError) -> Settings {
        try Settings.parse(Array(text.utf8), displayName: "inbox/settings.json")
    }

    /// The refusal's line and message, or nil when the text was accepted.
    func refusal(_ text: String) -> (line: Int?, message: String)? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            guard case .configuration(let location, let message) = error else { return (nil, "not a configuration error: \(error)") }
            #expect(location.file == "inbox/settings.json")
            return (location.line, message)
        }
    }

    @Test(arguments: [
        ("{\n  \"max_segments\": 2,\n  \"timezone\" \"UTC\"\n}", 3, 14, "expected ':' after \"timezone\""),
        ("{\n  \"max_segments\": 2\n  \"timezone\": \"UTC\"\n}", 3, 3, "expected ',' or '}'"),
        ("{\n\"optout_keywords\": [\"STOP\" \"END\"]}", 2, 28, "expected ',' or ']'"),
        ("{\"currency\": GBP}", 1, 14, "expected a value"),
        ("{\"max_segments\": 03}", 1, 18, "may not start with 0"),
        ("{\n  \"currency\": \"a\tb\"}", 2, 17, "control character"),
        ("{} {}", 1, 4, "after the end"),
        ("{\n  \"timezone\": \"UTC\"", 2, 20, "end of the file"),
        ("{\n \"x\": \"never closed}", 2, 7, "never closed"),
        ("{\n  /* open", 2, 3, "never closed"),
    ])
    func syntaxErrorsNameLineAndColumn(text: String, line: Int, column: Int, reason: String) throws {
        let (gotLine, message) = try #require(refusal(text))
        #expect(gotLine == line)
        #expect(message.contains("line \(line), column \(column):"), "\(message)")
        #expect(message.contains(reason), "\(message)")
    }

    @Test func nestingIsBounded() throws {
        let deep = "{\"help_keywords\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        let (_, message) = try #require(refusal(deep))
        #expect(message.contains("nested more than 32 levels"))
    }

    @Test func duplicateKeysAreRefusedNamingBothLines() throws {
        let (line, message) = try #require(refusal("{\n  \"default_country\": \"GB\",\n  \"currency\": \"GBP\",\n  \"default_country\": \"FR\"\n}"))
        #expect(line == 4)
        #expect(message.contains("duplicate key \"default_country\" (lines 2 and 4)"), "\(message)")
        let (nestedLine, nested) = try #require(refusal("{\"unsubscription_reports\": {\"email\": [],\n \"email\": [\"a@b.example\"]}}"))
        #expect(nestedLine == 2 && nested.contains("duplicate key \"email\" (lines 1 and 2)"))
    }

    @Test func urlSchemesMatchWithoutCase() throws {
        let s = try parse("{\"optout_link_base\": \"HTTPS://links.acme.co.uk/u/\", \"optout_callback_url\": \"Http://crm.acme.co.uk/in\"}")
        #expect(s.optoutLinkBase == "https://links.acme.co.uk/u/")
        #expect(s.optoutCallbackURL == "http://crm.acme.co.uk/in")
        for bad in ["ftp://x.example/", "https:/x", "https://", "javascript://x.example/", "https://a b.example/"] {
            #expect(refusal("{\"optout_link_base\": \"\(bad)\"}")?.message.contains("optout_link_base") == true, "\(bad)")
        }
    }

    @Test func anEmptyWebhookSecretIsRefused() throws {
        let (_, message) = try #require(refusal("{\"optout_callback_url\": \"https://crm.acme.co.uk/in\",\n \"webhook_secret\": \"\"}"))
        #expect(message.contains("\"webhook_secret\": is empty"))
        #expect(try parse("{\"webhook_secret\": \"k\"}").webhookSecret == "k")
    }

    @Test func allowExampleLinksIsABoolean() throws {
        #expect(try parse("{\"allow_example_links\": true}").allowExampleLinks)
        #expect(refusal("{\"allow_example_links\": \"yes\"}")?.message.contains("\"allow_example_links\": must be true or false") == true)
    }

    // MARK: e-mail headers (issue 11 item 6)

    @Test(arguments: [
        ("email_from", "{\"email_from\": \"ops@acme.example\\r\\nBcc: evil@attacker.example\"}", "CR"),
        ("email_from", "{\"email_from\": \"Zoë <optout@acme.example\\rBcc: evil@attacker.example>\"}", "CR"),
        ("email_from", "{\"email_from\": \"ops@acme.example\\u0000\"}", "NUL"),
        ("email_from", "{\"email_from\": \"ops@acme.example\\u0085x\"}", "U+0085"),
        ("unsubscription_reports.email", "{\"unsubscription_reports\": {\"email\": [\"a@b.example\\nBcc: evil@attacker.example\"]}}", "LF"),
        ("unsubscription_reports.email", "{\"unsubscription_reports\": {\"email\": [\"a@b.example\\r\"]}}", "CR"),
        ("notification_sender", "{\"notification_sender\": \"ACME\\r\\nBcc: evil@attacker.example\"}", "CR"),
        ("notification_sender", "{\"notification_sender\": \"ACME\\tX\"}", "TAB"),
    ])
    func controlCharactersInHeaderValuesAreRefusedNamingTheKey(key: String, json: String, control: String) throws {
        let (_, message) = try #require(refusal(json))
        #expect(message.hasPrefix("\"\(key)\": "), "\(message)")
        #expect(message.contains("control character (\(control)"), "\(message)")
        #expect(!message.contains("\r") && !message.contains("\n"), "the message itself must not carry the control")
    }

    /// The exact hole the tester found: a bare CR inside the angle brackets of a non-ASCII display
    /// name went out raw (only the name is RFC 2047 encoded) and started a `Bcc:` header.
    @Test func aBareCRInANonASCIIDisplayNameCannotInjectABcc() throws {
        let from = "Zoë <optout@acme.example\rBcc: evil@attacker.example>"
        var thrown: OptoutError?
        do {
            let bytes = try Email.message(from: from, to: ["ops@acme.example"], date: Timestamp(seconds: 1_764_000_000), subject: "s",
                                          messageID: "<m@acme.example>", body: "b", attachmentName: "r.csv", attachmentType: "text/csv", attachment: [])
            Issue.record("rendered: \(String(decoding: bytes, as: UTF8.self).prefix(200))")
        } catch { thrown = error }
        guard case .configuration(_, let message)? = thrown else { Issue.record("not refused: \(String(describing: thrown))"); return }
        #expect(message.contains("From") && message.contains("CR"))
        // And every other header value is checked too.
        for (to, subject) in [(["a@b.example\nBcc: x@y.example"], "s"), (["a@b.example"], "ACME\r\nBcc: x@y.example: new opt-outs")] {
            #expect(throws: OptoutError.self) {
                _ = try Email.message(from: "o@acme.example", to: to, date: Timestamp(seconds: 0), subject: subject, messageID: "<m@x>",
                                      body: "b", attachmentName: "r.csv", attachmentType: "text/csv", attachment: [])
            }
        }
        // A clean non-ASCII name still renders, encoded, with the address outside the encoded word.
        let ok = try Email.message(from: "Zoë <optout@acme.example>", to: ["ops@acme.example"], date: Timestamp(seconds: 0), subject: "s",
                                   messageID: "<m@x>", body: "b", attachmentName: "r.csv", attachmentType: "text/csv", attachment: [])
        #expect(String(decoding: ok, as: UTF8.self).contains("From: =?utf-8?B?Wm/Dqw==?= <optout@acme.example>\n"))
    }

    // MARK: keyword lists (issue 10 class 10)

    @Test(arguments: [
        ("{\"optout_keywords\": [\"!!!\"]}", "optout_keywords", "entry 1 \"!!!\" has no letter or digit"),
        ("{\"optout_keywords\": [\"STOP\", \"\"]}", "optout_keywords", "entry 2 \"\" has no letter or digit"),
        ("{\"optin_keywords\": [\"START\", \"🛑\"]}", "optin_keywords", "entry 2 \"🛑\" has no letter or digit"),
        ("{\"help_keywords\": [\" - \"]}", "help_keywords", "entry 1 \" - \" has no letter or digit"),
        ("{\"optout_keywords\": []}", "optout_keywords", "must not be empty"),
        ("{\"optin_keywords\": []}", "optin_keywords", "must not be empty"),
        ("{\"help_keywords\": []}", "help_keywords", "must not be empty"),
        ("{\"optout_keywords\": [\"STOP\", \"start!\"]}", "optout_keywords", "\"start!\" is also in \"optin_keywords\" (as \"START\")"),
        ("{\"optout_keywords\": [\"STOP\", \"Opt Out\"], \"optin_keywords\": [\"opt-out\"]}", "optout_keywords", "\"Opt Out\" is also in \"optin_keywords\""),
        ("{\"optout_keywords\": [\"STOP\", \"ARRÊT\"], \"optin_keywords\": [\"arret\"]}", "optout_keywords", "\"ARRÊT\" is also in"),
    ])
    func keywordListsThatSwitchOptOutsOffAreRefused(json: String, key: String, reason: String) throws {
        let (_, message) = try #require(refusal(json))
        #expect(message.hasPrefix("\"\(key)\": "), "\(message)")
        #expect(message.contains(reason), "\(message)")
    }

    @Test func anOptOutListWithoutStopIsAWarning() throws {
        let s = try parse("{\n  \"optout_keywords\": [\"UNSUBSCRIBE\", \"ARRET\"]\n}")
        #expect(s.optoutKeywords == ["UNSUBSCRIBE", "ARRET"])
        #expect(s.warnings.count == 1)
        #expect(s.warnings.first?.location == SourceLocation(file: "inbox/settings.json", line: 2))
        #expect(s.warnings.first?.message.contains("has no \"STOP\"") == true)
        #expect(try parse("{\"optout_keywords\": [\"stop.\", \"END\"]}").warnings.isEmpty)
        #expect(try parse("{}").warnings.isEmpty)
    }

    // MARK: example domains (issue 11 item 3)

    @Test(arguments: [("example.com", true), ("EXAMPLE.COM.", true), ("links.example.org", true), ("example.net", true),
                      ("shop.example", true), ("a.test", true), ("x.invalid", true), ("localhost", true), ("app.localhost", true),
                      ("example.co.uk", false), ("myexample.com", false), ("example.community", false), ("links.acme.co.uk", false),
                      ("testing.io", false), ("127.0.0.1", false)])
    func reservedExampleDomains(host: String, reserved: Bool) {
        #expect(ExampleLinks.isReserved(host: host) == reserved)
    }

    // MARK: nginx values (issue 11 item 6)

    @Test(arguments: [
        ("--listen", "80; include /etc/shadow", "contains ';'"),
        ("--listen", "80;", "contains ';'"),
        ("--server-name", "a.example}", "contains '}'"),
        ("--server-name", "a.example\nlocation", "control character"),
        ("--access-log", "/var/log/x.log combined; root /", "whitespace"),
        ("--access-log", "/var/log/\"x", "contains '\"'"),
        ("--access-log", "/var/log/$host.log", "contains '$'"),
        ("--access-log", "/var/log/x#y", "contains '#'"),
        ("--listen", "", "is empty"),
    ])
    func nginxOptionValuesThatWouldAddDirectivesAreRefused(option: String, value: String, reason: String) throws {
        let t = try TempWorkspace(settings: "{\"optout_link_base\": \"https://links.acme.co.uk/u/\"}")
        var options = SiteOptions()
        switch option {
        case "--listen": options.listen = value
        case "--server-name": options.serverName = value
        default: options.accessLog = value
        }
        do {
            _ = try SiteJob.run(root: t.root, options: options)
            Issue.record("accepted \(option) \(value)")
        } catch {
            guard case .usage(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains(option) && message.contains(reason), "\(message)")
            #expect(!message.contains("\n"))
        }
        #expect(!t.exists("outbox/site/nginx.conf"))
    }

    @Test func aWorkspacePathNginxWouldSplitIsRefused() throws {
        let parent = NSTemporaryDirectory() + "optout test; root " + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: parent) }
        _ = try InitJob.run(dir: parent)
        try Durable.writeFile(parent + "/inbox/settings.json", "{\"optout_link_base\": \"https://links.acme.co.uk/u/\"}")
        #expect {
            _ = try SiteJob.run(root: parent)
        } throws: { error in
            guard case .usage(let message) = error as? OptoutError else { return false }
            return message.contains("the workspace path") && message.contains("whitespace")
        }
        #expect(!Durable.exists(parent + "/outbox/site/nginx.conf"))
    }

    // MARK: times written (issue 11 item 6)

    @Test(arguments: [(Int64.min, "1970-01-01T00:00:00Z"), (-1, "1970-01-01T00:00:00Z"), (0, "1970-01-01T00:00:00Z"),
                      (1_764_178_845, "2025-11-26T17:40:45Z"), (253_402_300_799, "9999-12-31T23:59:59Z"),
                      (253_402_300_800, "9999-12-31T23:59:59Z"), (Int64.max, "9999-12-31T23:59:59Z")])
    func writtenTimesStayBetween1970And9999(seconds: Int64, iso: String) {
        let time = Timestamp(seconds: seconds)
        #expect(time.iso8601 == iso)
        #expect(time.compact == iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: ""))
        let date = Email.rfc5322Date(time)
        #expect(date.hasSuffix(" +0000") && (date.contains(" 1970 ") || date.contains(" 2025 ") || date.contains(" 9999 ")), "\(date)")
    }

    @Test func aWebhookPayloadOfAFarTimeIsStillISO() throws {
        let number = try #require(try? PhoneNumberParser(defaultRegion: "GB").parse("07700900123").get())
        for (seconds, iso) in [(Int64.max, "9999-12-31T23:59:59Z"), (-86_400 * 365, "1970-01-01T00:00:00Z")] {
            let optOut = AppliedOptOut(seq: 1, number: number, time: Timestamp(seconds: seconds), source: .reply)
            let body = try #require(WebhookPayloads.body(optOut))
            #expect(body.contains("\"timestamp\": \"\(iso)\""), "\(body)")
            #expect(WebhookPayloads.fileName(optOut).hasPrefix(iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")))
        }
    }

    // MARK: long lists in messages (issue 11 item 6)

    @Test func aMillionColumnNamesGiveAShortMessage() {
        let names = (0..<1_000_000).map { "column\($0)" }
        let text = Diagnostics.list(names)
        #expect(text.hasPrefix("column0, column1, column2, "))
        #expect(text.hasSuffix(", column19, … (1,000,000 columns)"))
        #expect(text.utf8.count < 400)
        #expect(Diagnostics.list(["a", "b"]) == "a, b")
        #expect(Diagnostics.list([String(repeating: "x", count: 5000)]) == String(repeating: "x", count: 40) + "…")
        #expect(Diagnostics.list(["a\r\nb"]) == "a\\u{D}\\u{A}b")
    }

    @Test func aStopLogWithAMillionColumnsIsRejectedWithAShortReason() throws {
        let t = try TempWorkspace(settings: "{\"default_country\": \"GB\"}")
        var bytes = Array((0..<1_000_000).map { "h\($0)" }.joined(separator: ",").utf8)
        bytes += Array("\n1,2\n".utf8)
        try t.write("inbox/stops/wide.csv", bytes)
        let reader = StopLogReader(parser: PhoneNumberParser(defaultRegion: "GB"), settings: Settings(), now: Timestamp(seconds: 0))
        do {
            _ = try reader.read(path: "\(t.root)/inbox/stops/wide.csv", displayName: "inbox/stops/wide.csv")
            Issue.record("accepted")
        } catch {
            let text = error.description
            #expect(text.utf8.count < 600, "\(text.utf8.count) bytes")
            #expect(text.contains("(1,000,000 columns)"), "\(text.prefix(300))")
        }
    }
}
