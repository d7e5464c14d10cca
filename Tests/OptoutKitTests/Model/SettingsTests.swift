// Settings: comments allowed, defaults, and every bad value named by key and line.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct SettingsTests {
    func parse(_ text: String) throws(OptoutError) -> Settings {
        try Settings.parse(Array(text.utf8), displayName: "inbox/settings.json")
    }

    @Test func commentsAndTrailingCommasAreAllowed() throws {
        let s = try parse("""
        // account settings
        {
          "default_country": "gb", /* lower case is fine */
          "optout_link_base": "https://example.com/u/",
          "max_segments": 2,
          "unsubscription_reports": {"email": ["ops@example.com"], "sms": ["07911 123456"],},
          "timezone": "Europe/Paris", // "http://not-a-comment"
        }
        """)
        #expect(s.defaultCountry == "GB")
        #expect(s.optoutLinkBase == "https://example.com/u/")
        #expect(s.maxSegments == 2)
        #expect(s.unsubscriptionReports.email == ["ops@example.com"])
        #expect(s.unsubscriptionReports.sms == ["+447911123456"])
        #expect(s.timezone.identifier == "Europe/Paris")
    }

    /// Issue 11 item 3: the template shows working values as comments only; nothing is live.
    @Test func theTemplateWrittenByInitParsesToTheDefaults() throws {
        let s = try parse(Settings.template)
        let d = Settings()
        #expect(s.defaultCountry == nil && s.optoutLinkBase == nil && s.maxSegments == nil && s.pricePerSegment == nil)
        #expect(s.currency == d.currency && s.timezone == d.timezone && s.settleSeconds == d.settleSeconds)
        #expect(s.unsubscriptionReports == d.unsubscriptionReports && s.optoutCallbackURL == nil && s.webhookSecret == nil)
        #expect(s.optoutKeywords == d.optoutKeywords && s.emailFrom == d.emailFrom && !s.allowExampleLinks)
        #expect(s.warnings.isEmpty)
        // Every known key appears in it as an example.
        for key in Settings.knownKeys where key != "allow_example_links" && key != "help_keywords" {
            #expect(Settings.template.contains("// \"\(key)\":"), "\(key) has no commented example")
        }
    }

    /// Issue 11 item 2 changes this: an empty or comment-only file is refused (it was read as defaults).
    @Test func emptyOrCommentOnlyIsRefusedButBracesGiveDefaults() throws {
        for text in ["", "// nothing yet\n", "  \n"] {
            #expect(throws: OptoutError.self) { try parse(text) }
        }
        #expect(try parse("{}").maxSegments == nil)
    }

    @Test(arguments: [
        ("{\n\"default_country\": \"XX\"}", "default_country", 2),
        ("{\"max_segments\": 0}", "max_segments", 1),
        ("{\"max_segments\": true}", "max_segments", 1),
        ("{\n\n\"optout_link_base\": \"ftp://x\"}", "optout_link_base", 3),
        ("{\"timezone\": \"Mars/Olympus\"}", "timezone", 1),
        ("{\"mobile_only\": 1}", "mobile_only", 1),
        ("{\"callback_format\": \"xml\"}", "callback_format", 1),
        ("{\"defualt_country\": \"GB\"}", "defualt_country", 1),
        ("{\"unsubscription_reports\": {\"email\": [\"not an address\"]}}", "unsubscription_reports", 1),
        ("{\"optout_keywords\": []}", "optout_keywords", 1),
    ])
    func badValuesNameTheKeyAndLine(text: String, key: String, line: Int) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            guard case .configuration(let location, let message) = error as? OptoutError else { return false }
            return message.contains("\"\(key)\"") && location.line == line && location.file == "inbox/settings.json"
        }
    }

    @Test func brokenJSONNamesTheLine() {
        #expect {
            _ = try parse("{\n\"max_segments\": 2,\n\"timezone\" \"UTC\"\n}")
        } throws: { error in
            guard case .configuration(let location, let message) = error as? OptoutError else { return false }
            return message.contains("not valid JSON") && location.file == "inbox/settings.json"
        }
    }

    @Test func unclosedCommentIsReported() {
        #expect(throws: OptoutError.configuration(SourceLocation(file: "inbox/settings.json", line: 2), "not valid JSON at line 2, column 1: comment /* is never closed")) {
            _ = try parse("{\n/* oops\n}")
        }
    }
}
