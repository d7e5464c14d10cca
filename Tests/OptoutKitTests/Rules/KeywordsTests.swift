// Keyword classification against real-world reply texts: the class and the rule for each.
// Near-misses ("Stop by tomorrow?", "Don't stop", "END of season sale?", "Can I cancel my
// order?") are opt-outs on purpose: when in doubt, honour the opt-out (README, "STOP logs").

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// What a reply text should be classified as.
enum Expect: CustomStringConvertible {
    case exact(EventKind, String)
    case phrase(String, words: Int)
    case helpPhrase(String, words: Int)
    case other(String)

    var intent: EventKind {
        switch self {
        case .exact(let intent, _): return intent
        case .phrase: return .optOut
        case .helpPhrase: return .help
        case .other: return .other
        }
    }

    var rule: String {
        switch self {
        case .exact(_, let word): return "exact keyword \"\(word)\""
        case .phrase(let word, let words): return "keyword \"\(word)\" in a short message (\(words) words, phrase rule up to 8)"
        case .helpPhrase(let word, let words): return "keyword \"\(word)\" in a short message (\(words) words)"
        case .other(let rule): return rule
        }
    }

    var description: String { "\(intent.rawValue): \(rule)" }
}

let replyTable: [(String, Expect)] = [
    // Exact opt-out keywords, whatever the case, punctuation, spacing, emoji or width.
    ("STOP", .exact(.optOut, "STOP")),
    ("stop", .exact(.optOut, "STOP")),
    ("Stop.", .exact(.optOut, "STOP")),
    (" stop!! ", .exact(.optOut, "STOP")),
    ("STOP 🛑", .exact(.optOut, "STOP")),
    ("🛑STOP🛑", .exact(.optOut, "STOP")),
    ("S.T.O.P", .exact(.optOut, "STOP")),
    ("ＳＴＯＰ", .exact(.optOut, "STOP")),
    ("Stop\r\n", .exact(.optOut, "STOP")),
    ("\"STOP\"", .exact(.optOut, "STOP")),
    ("stopall", .exact(.optOut, "STOPALL")),
    ("Stop all", .exact(.optOut, "STOPALL")),
    ("UNSUBSCRIBE", .exact(.optOut, "UNSUBSCRIBE")),
    ("unsub", .exact(.optOut, "UNSUB")),
    ("Cancel", .exact(.optOut, "CANCEL")),
    ("end", .exact(.optOut, "END")),
    ("QUIT", .exact(.optOut, "QUIT")),
    ("revoke", .exact(.optOut, "REVOKE")),
    ("optout", .exact(.optOut, "OPTOUT")),
    ("opt out", .exact(.optOut, "OPTOUT")),
    ("Opt-Out", .exact(.optOut, "OPTOUT")),
    ("remove", .exact(.optOut, "REMOVE")),
    // French (required in Canada), German, Spanish, Italian, Portuguese.
    ("Arrêt", .exact(.optOut, "ARRET")),
    ("ARRET", .exact(.optOut, "ARRET")),
    ("arrêtez", .exact(.optOut, "ARRÊTEZ")),
    ("Désabonner", .exact(.optOut, "DESABONNER")),
    ("STOPP", .exact(.optOut, "STOPP")),
    ("abmelden", .exact(.optOut, "ABMELDEN")),
    ("Baja", .exact(.optOut, "BAJA")),
    ("parar", .exact(.optOut, "PARAR")),
    ("DETENER", .exact(.optOut, "DETENER")),
    ("basta", .exact(.optOut, "BASTA")),
    ("Disiscrivi", .exact(.optOut, "DISISCRIVI")),
    ("Pare", .exact(.optOut, "PARE")),
    ("sair", .exact(.optOut, "SAIR")),
    ("CANCELAR", .exact(.optOut, "CANCELAR")),
    // Short messages containing an opt-out keyword as a word.
    ("please stop", .phrase("STOP", words: 2)),
    ("Stop texting me", .phrase("STOP", words: 3)),
    ("STOP STOP STOP", .phrase("STOP", words: 3)),
    ("Please remove me from your list", .phrase("REMOVE", words: 6)),
    ("I said STOP!!!", .phrase("STOP", words: 3)),
    ("stop sending me messages please", .phrase("STOP", words: 5)),
    ("Baja por favor", .phrase("BAJA", words: 3)),
    ("Arrêt s'il vous plaît", .phrase("ARRET", words: 5)),
    ("Bitte abmelden", .phrase("ABMELDEN", words: 2)),
    ("Ho detto basta", .phrase("BASTA", words: 3)),
    ("STOP\n\nSent from my iPhone", .phrase("STOP", words: 5)),
    ("Unsubscribe me please", .phrase("UNSUBSCRIBE", words: 3)),
    ("Wrong number, remove", .phrase("REMOVE", words: 3)),
    ("please opt me out", .phrase("OPT ME OUT", words: 4)),
    ("Take me off your list", .phrase("TAKE ME OFF", words: 5)),
    ("Don't text me again", .phrase("DON'T TEXT", words: 5)),
    ("=cmd|' /C calc'!A0 STOP", .phrase("STOP", words: 5)),
    // Near-misses, honoured on purpose (when in doubt, honour the opt-out).
    ("Stop by tomorrow?", .phrase("STOP", words: 3)),
    ("Don't stop", .phrase("STOP", words: 3)),
    ("END of season sale?", .phrase("END", words: 4)),
    ("Can I cancel my order?", .phrase("CANCEL", words: 5)),
    ("STOP START", .phrase("STOP", words: 2)),
    ("HELP STOP", .phrase("STOP", words: 2)),
    // Opt-in: only a message that is exactly an opt-in keyword.
    ("START", .exact(.optIn, "START")),
    ("Start.", .exact(.optIn, "START")),
    ("unstop", .exact(.optIn, "UNSTOP")),
    ("Resume", .exact(.optIn, "RESUME")),
    ("NONARRET", .exact(.optIn, "NONARRET")),
    ("Non-arrêt", .exact(.optIn, "NONARRET")),
    ("yes", .exact(.optIn, "YES")),
    ("start again please", .other("no keyword")),
    ("Don't start", .other("no keyword")),
    // Help.
    ("HELP", .exact(.help, "HELP")),
    ("info?", .exact(.help, "INFO")),
    ("Aide", .exact(.help, "AIDE")),
    ("help me please", .helpPhrase("HELP", words: 3)),
    // Other.
    ("Thanks!", .other("no keyword")),
    ("", .other("empty message")),
    ("🛑", .other("no letters or digits (only punctuation or emoji)")),
    ("👍", .other("no letters or digits (only punctuation or emoji)")),
    ("Stopped by your store yesterday", .other("no keyword")),
    ("Nonstop deals are great", .other("no keyword")),
    ("Unstoppable", .other("no keyword")),
    ("Who is this?", .other("no keyword")),
    ("What time does the sale end? I want to come by after work on Friday with my kids",
     .other("mentions \"END\" but has 18 words (phrase rule up to 8): review")),
]

@Suite struct KeywordsTests {
    static let lists = Keywords.Lists(optOut: Keywords.defaultOptOut, optIn: Keywords.defaultOptIn, help: Keywords.defaultHelp)

    @Test func theTableHasAtLeastSixtyRealReplies() {
        #expect(replyTable.count >= 60)
        #expect(Set(replyTable.map(\.0)).count == replyTable.count)
    }

    @Test(arguments: replyTable)
    func classifiesRealReplies(text: String, expected: Expect) {
        let result = KeywordsTests.lists.classify(text)
        #expect(result.intent == expected.intent, "\(text.debugDescription)")
        #expect(result.rule == expected.rule, "\(text.debugDescription)")
    }

    @Test func theASCIIFastPathMatchesUnicodeFolding() {
        var samples = replyTable.map(\.0).filter { $0.utf8.allSatisfy { $0 < 0x80 } }
        samples += (0x00..<0x80).map { "a\(Character(Unicode.Scalar(UInt8($0))))b" }
        samples += ["  ", "stop\tall", "x--y", "A1b2", "don't", "_STOP_"]
        for text in samples {
            #expect(Keywords.normalizeASCII(text) == Keywords.normalizeUnicode(text), "\(text.debugDescription)")
        }
    }

    @Test func phraseRuleIsConfigurable() {
        let exactOnly = Keywords.Lists(optOut: Keywords.defaultOptOut, optIn: Keywords.defaultOptIn, help: Keywords.defaultHelp, phraseMaxWords: 0)
        #expect(exactOnly.classify("STOP!").intent == .optOut)
        let please = exactOnly.classify("please stop")
        #expect(please.intent == .other)
        #expect(please.rule == "mentions \"STOP\" but has 2 words (phrase rule up to 0): review")
        #expect(please.mentionedOptOut == "STOP")
        let three = Keywords.Lists(optOut: ["STOP"], optIn: [], help: [], phraseMaxWords: 3)
        #expect(three.classify("stop texting me").intent == .optOut)
        // Issue 10, class 6: an unmistakable request opts out at any length (was other).
        #expect(three.classify("stop texting me now").rule == "phrase \"stop texting\" (en)")
        let long = three.classify("stop by me now")
        #expect(long.intent == .other && long.needsReview && long.mentionedOptOut == "STOP")
    }

    @Test func keywordListsFromSettingsReplaceTheDefaults() throws {
        let settings = try Settings.parse(Array("""
            {"optout_keywords": ["STOP", "Schluss"], "optin_keywords": ["WIEDER"], "keyword_phrase_max_words": 4}
            """.utf8), displayName: "settings.json")
        #expect(settings.keywordPhraseMaxWords == 4)
        let lists = Keywords.Lists(settings: settings)
        #expect(lists.classify("SCHLUSS!").rule == "exact keyword \"Schluss\"")
        #expect(lists.classify("unsubscribe").intent == .other)
        #expect(lists.classify("wieder").intent == .optIn)
    }

    @Test(arguments: ["{\"keyword_phrase_max_words\": -1}", "{\"keyword_phrase_max_words\": 2.5}",
                      "{\"keyword_phrase_max_words\": \"8\"}", "{\"confirmation_replies\": \"yes\"}"])
    func badPhraseSettingsAreRefusedNamingTheKey(json: String) {
        #expect(throws: OptoutError.self) { try Settings.parse(Array(json.utf8), displayName: "settings.json") }
        do {
            _ = try Settings.parse(Array(json.utf8), displayName: "settings.json")
        } catch {
            let key = json.contains("confirmation") ? "confirmation_replies" : "keyword_phrase_max_words"
            #expect("\(error)".contains(key))
        }
    }
}
