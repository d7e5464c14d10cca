// Settings: comments allowed, defaults, and every bad value named by key and line.

import Foundation
import Testing
@testable import OptoutKit

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

    @Test func theTemplateWrittenByInitIsValid() throws {
        let s = try parse(Settings.template)
        #expect(s.defaultCountry == "GB")
        #expect(s.maxSegments == 3)
    }

    @Test func emptyOrMissingGivesDefaults() throws {
        #expect(try parse("").maxSegments == nil)
        #expect(try parse("// nothing yet\n").defaultCountry == nil)
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
        #expect(throws: OptoutError.configuration(SourceLocation(file: "inbox/settings.json", line: 2), "comment /* is never closed")) {
            _ = try parse("{\n/* oops\n}")
        }
    }
}
