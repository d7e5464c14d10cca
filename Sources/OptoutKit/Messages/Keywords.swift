// Keywords: classifying an inbound SMS as opt-out, opt-in, help or other.
// Input: the message text, the keyword lists from settings and the phrase rule's word limit.
// Output: a `Classification` with the rule that decided it (kept as evidence in the ledger).
// No failures: unknown text is "other".
//
// Matching ignores case, accents, width, surrounding whitespace, punctuation and emoji
// ("Stop.", " stop!! ", "STOP 🛑", "Arrêt", "ＳＴＯＰ"). Rules, in order:
//   1. exact: the whole text is a keyword (opt-out, then opt-in, then help); spaces inside are
//      ignored too, so "NON-ARRET" is "NONARRET" and "S T O P" is "STOP";
//   2. phrase: a message of at most `phraseMaxWords` words containing an opt-out keyword as a
//      word (or as consecutive words: "opt out") opts out — "please stop", "stop texting me".
//      The product rule is "when in doubt, honour the opt-out", so near-misses such as
//      "Stop by tomorrow?", "Don't stop" and "END of season sale?" opt out too (tested);
//   3. a short message containing a help keyword is help ("help me please");
//   4. anything else is other; a longer message that mentions an opt-out keyword is other with a
//      rule saying so, so that a person can review it.
// Opt-in (resubscribe) is only ever exact: consent to be texted again must be unambiguous.

import Foundation

/// What an inbound message asks for.
public enum MessageIntent: String, Sendable {
    case optOut = "optout", optIn = "optin", help, other
}

/// The decision and the rule that made it, e.g. `exact keyword "STOP"`.
public struct Classification: Sendable, Equatable {
    public var intent: MessageIntent
    public var rule: String
    /// An opt-out keyword found in a message too long for the phrase rule (for a review warning).
    public var mentionedOptOut: String? = nil

    public init(intent: MessageIntent, rule: String, mentionedOptOut: String? = nil) {
        self.intent = intent
        self.rule = rule
        self.mentionedOptOut = mentionedOptOut
    }
}

public enum Keywords {
    /// Twilio/CTIA/FCC words, then French (required in Canada), German, Spanish, Italian, Portuguese.
    public static let defaultOptOut = [
        "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "UNSUB", "CANCEL", "END", "QUIT", "REVOKE",
        "OPTOUT", "OPT OUT", "OPT-OUT", "REMOVE",
        "OPT ME OUT", "TAKE ME OFF", "DON'T TEXT", "DO NOT TEXT",
        "ARRET", "ARRÊT", "ARRETER", "ARRÊTEZ", "DESABONNER", "DÉSABONNER", "DESINSCRIRE", "DÉSINSCRIRE",
        "STOPP", "ABMELDEN", "ABBESTELLEN", "AUSTRAGEN",
        "BAJA", "PARAR", "DETENER", "CANCELAR", "DESUSCRIBIR",
        "BASTA", "FERMA", "DISISCRIVI", "DISISCRIVIMI", "CANCELLA",
        "PARE", "SAIR", "DESCADASTRAR",
    ]
    /// Resubscribe: START/UNSTOP/RESUME (CTIA), NONARRET (Canada), YES (Twilio's default).
    public static let defaultOptIn = ["START", "UNSTOP", "RESUME", "NONARRET", "YES"]
    public static let defaultHelp = ["HELP", "INFO", "AIDE", "HILFE", "AYUDA", "AIUTO", "AJUDA"]
    /// Default of settings' `keyword_phrase_max_words`: "please stop sending me these texts" fits.
    public static let defaultPhraseMaxWords = 8

    /// Uppercases, removes accents, turns punctuation/symbols/emoji into spaces, collapses spaces.
    /// "  Arrêt!! 🛑" → "ARRET"; "opt-out" → "OPT OUT".
    public static func normalize(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? normalizeASCII(text) : normalizeUnicode(text)
    }

    /// Foundation's case, accent and width folding, then letters and digits as words.
    static func normalizeUnicode(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).uppercased()
        var out = ""
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            let props = scalar.properties
            if props.isAlphabetic || (scalar.value >= 0x30 && scalar.value <= 0x39) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    /// The same as `normalize` for ASCII text, byte by byte (the common case: "STOP", "Stop.").
    static func normalizeASCII(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            if (upper >= 0x41 && upper <= 0x5A) || (upper >= 0x30 && upper <= 0x39) {
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append(upper)
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Keyword lists prepared once (normalized words), for classifying many messages.
    public struct Lists: Sendable {
        struct Entry: Sendable {
            var original: String
            var words: [Substring]
            var joined: String
        }
        var optOut: [Entry]
        var optIn: [Entry]
        var help: [Entry]
        /// Whole-message look-up (spaces removed): opt-out first, then opt-in, then help.
        var exact: [String: (MessageIntent, String)] = [:]
        public var phraseMaxWords: Int

        public init(optOut: [String], optIn: [String], help: [String], phraseMaxWords: Int = Keywords.defaultPhraseMaxWords) {
            func prepare(_ list: [String]) -> [Entry] {
                list.compactMap { word in
                    let normalized = Keywords.normalize(word)
                    guard !normalized.isEmpty else { return nil }
                    let words = normalized.split(separator: " ")
                    return Entry(original: word, words: words, joined: words.joined())
                }
            }
            self.optOut = prepare(optOut)
            self.optIn = prepare(optIn)
            self.help = prepare(help)
            self.phraseMaxWords = max(0, phraseMaxWords)
            for (list, intent) in [(self.optOut, MessageIntent.optOut), (self.optIn, .optIn), (self.help, .help)] {
                for entry in list where exact[entry.joined] == nil { exact[entry.joined] = (intent, entry.original) }
            }
        }

        public init(settings: Settings) {
            self.init(optOut: settings.optoutKeywords, optIn: settings.optinKeywords, help: settings.helpKeywords,
                      phraseMaxWords: settings.keywordPhraseMaxWords)
        }

        public func classify(_ text: String) -> Classification {
            let normalized = Keywords.normalize(text)
            if normalized.isEmpty {
                return Classification(intent: .other, rule: text.isEmpty ? "empty message" : "no letters or digits (only punctuation or emoji)")
            }
            let words = normalized.split(separator: " ")
            let joined = words.joined()
            if let (intent, original) = exact[joined] {
                return Classification(intent: intent, rule: "exact keyword \"\(original)\"")
            }
            let found = optOut.first { Lists.contains(words, $0.words) }
            let short = words.count <= phraseMaxWords
            if let found, short {
                return Classification(intent: .optOut, rule: "keyword \"\(found.original)\" in a short message (\(words.count) words, phrase rule up to \(phraseMaxWords))")
            }
            if short, let helpWord = help.first(where: { Lists.contains(words, $0.words) }) {
                return Classification(intent: .help, rule: "keyword \"\(helpWord.original)\" in a short message (\(words.count) words)")
            }
            if let found {
                return Classification(intent: .other, rule: "mentions \"\(found.original)\" but has \(words.count) words (phrase rule up to \(phraseMaxWords)): review",
                                      mentionedOptOut: found.original)
            }
            return Classification(intent: .other, rule: "no keyword")
        }

        /// True when `needle` occurs in `words` as consecutive whole words.
        static func contains(_ words: [Substring], _ needle: [Substring]) -> Bool {
            guard !needle.isEmpty, needle.count <= words.count else { return false }
            for start in 0...(words.count - needle.count) {
                var match = true
                for k in 0..<needle.count where words[start + k] != needle[k] { match = false; break }
                if match { return true }
            }
            return false
        }
    }

    /// Classifies one inbound message against keyword lists (prepare `Lists` once for many).
    public static func classify(_ text: String, optOut: [String], optIn: [String], help: [String],
                                phraseMaxWords: Int = defaultPhraseMaxWords) -> Classification {
        Lists(optOut: optOut, optIn: optIn, help: help, phraseMaxWords: phraseMaxWords).classify(text)
    }
}
