// Keywords: classifying an inbound SMS as opt-out, opt-in, help or other, and flagging for review.
// Input: the message text, the keyword lists from settings, the phrase rule's word limit and the
// ordinary words (real words a slip away from a keyword: PASTA, CANCER).
// Output: a `Classification` with the rule that decided it (kept as evidence in the ledger) and
// `needsReview` when a person should look at it. No failures: unknown text is "other".
//
// Matching ignores case, accents, width, surrounding whitespace, punctuation and emoji
// ("Stop.", " stop!! ", "STOP 🛑", "Arrêt", "ＳＴＯＰ"); Cyrillic and Greek letters that look Latin
// are read as Latin, and a word with such a letter that then differs from a keyword (or phrase
// word) at one such letter is read as that word (Cyrillic "СТОР" is STOP). Rules, in order:
//   1. exact: the whole text is a keyword (opt-out, then opt-in, then help) or an ordinary word
//      (other); spaces inside are ignored, so "NON-ARRET" is "NONARRET" and "S T O P" is "STOP".
//      An opt-in written with look-alike letters is not applied: other, for review;
//   2. near miss: a one-word reply one typing slip from an opt-out keyword (`NearMiss`): any one
//      Damerau edit for keywords of five letters or more ("UNSUBSCIBE"), only a transposition or a
//      doubled letter for four ("STPO", "Sotp", "STOOP"), none for three (END);
//   3. short message: at most `phraseMaxWords` words containing an opt-out keyword as a word (or as
//      consecutive words: "opt out") opts out — "please stop", "stop texting me". When in doubt
//      the opt-out is honoured, so near-misses such as "Stop by tomorrow?", "Don't stop" and "END
//      of season sale?" opt out too (tested);
//   4. phrase: an unmistakable request (`OptOutPhrases`: "stop sending", "remove me", "bitte
//      stoppen", "no más mensajes"...) opts out at any length, unless a negation precedes it;
//   5. a short message containing a help keyword is help ("help me please");
//   6. anything else is other; it needs review when it holds a negated phrase ("please don't stop
//      sending me deals, I love them"), mentions an opt-out keyword as a whole word, or holds a
//      word that is a slip of one ("Unsubscibe please"; not a slip at the word's end: "stopped").
// Opt-in (resubscribe) is only ever exact: consent to be texted again must be unambiguous.

import OptoutBase
import Foundation

/// The decision and the rule that made it, e.g. `exact keyword "STOP"`.
package struct Classification: Sendable, Equatable {
    package var intent: EventKind
    package var rule: String
    /// The opt-out keyword the message mentions as a whole word, when it is not an opt-out.
    package var mentionedOptOut: String? = nil
    /// True when a person should look at it (intent stays other; `rule` says why): the message
    /// mentions an opt-out keyword or holds a negated opt-out phrase, or is a look-alike opt-in.
    package var needsReview: Bool = false

    package init(intent: EventKind, rule: String, mentionedOptOut: String? = nil, needsReview: Bool = false) {
        self.intent = intent
        self.rule = rule
        self.mentionedOptOut = mentionedOptOut
        self.needsReview = needsReview
    }
}

package enum Keywords {
    /// Twilio/CTIA/FCC words, then French (required in Canada), German, Spanish, Italian, Portuguese.
    package static let defaultOptOut = [
        "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "UNSUB", "CANCEL", "END", "QUIT", "REVOKE",
        "OPTOUT", "OPT OUT", "OPT-OUT", "REMOVE",
        "OPT ME OUT", "TAKE ME OFF", "DON'T TEXT", "DO NOT TEXT",
        "ARRET", "ARRÊT", "ARRÊTE", "ARRETER", "ARRÊTEZ", "DESABONNER", "DÉSABONNER", "DESINSCRIRE", "DÉSINSCRIRE",
        "STOPP", "STOPPEN", "ABMELDEN", "ABBESTELLEN", "AUSTRAGEN",
        "BAJA", "PARAR", "DETENER", "CANCELAR", "DESUSCRIBIR",
        "BASTA", "FERMA", "DISISCRIVI", "DISISCRIVIMI", "CANCELLA", "ANNULLA",
        "PARE", "SAIR", "DESCADASTRAR",
    ]
    /// Resubscribe: START/UNSTOP/RESUME (CTIA), NONARRET (Canada), YES (Twilio's default).
    package static let defaultOptIn = ["START", "UNSTOP", "RESUME", "NONARRET", "YES"]
    package static let defaultHelp = ["HELP", "INFO", "AIDE", "HILFE", "AYUDA", "AIUTO", "AJUDA"]
    /// Real words in the six languages one accepted slip from a default opt-out keyword, whose
    /// meaning is not "stop": a one-word reply that is one of them is other ("PASTA" is not BASTA,
    /// "ANMELDEN" signs up where ABMELDEN signs off). Found with the system word lists
    /// (wamerican, wfrench, wngerman, wspanish, witalian, wportuguese); inflections of the
    /// keywords themselves (STOPS, REMOVED, CANCELA) are left out on purpose: they opt out.
    package static let defaultOrdinaryWords = [
        // English
        "PASTA", "CANCER", "REMOTE", "ARREST", "STOMP", "EVOKE", "RASTA", "BASTE", "SARI", "CHANCEL", "GARRET",
        // French
        "ARETE", "RARETE", "JARRET", "APRE", "ADRET", "DETENIR", "RENOVE", "FERA", "PARER",
        // German
        "ANMELDEN", "AUFTRAGEN", "AUSFRAGEN", "PAAR", "FIRMA", "STOPFEN", "STEPPEN", "STOPPEL", "TOPP",
        // Spanish
        "HASTA", "PARA", "PASAR", "PAGAR", "PAYAR", "PARIR", "PARRA", "PAREAR", "PARLAR", "CASTA", "VASTA",
        "BASTO", "BATA", "BASA", "ASTA", "FERIA", "FORMA", "CARCEL", "RETENER", "CINCEL", "ASIR", "ARAR", "CARRETE",
        // Italian
        "BUSTA", "BASSA", "CANNELLA",
        // Portuguese
        "GASTA", "BOSTA", "BESTA", "VARAR", "TARAR",
    ]
    /// Default of settings' `keyword_phrase_max_words`: "please stop sending me these texts" fits.
    package static let defaultPhraseMaxWords = 8

    /// Uppercases, removes accents, turns punctuation/symbols/emoji into spaces, collapses spaces.
    /// "  Arrêt!! 🛑" → "ARRET"; "opt-out" → "OPT OUT".
    package static func normalize(_ text: String) -> String {
        var clauses: [Int] = []
        return normalize(text, clauseStarts: &clauses)
    }

    /// `normalize`, also giving the indexes of words that start a clause after the first: a word
    /// preceded by `.` `,` `;` `:` `!` `?` `¡` `¿` `…` or a line break ("No, stop texting me":
    /// [1]). A negation only turns a phrase around within its clause.
    static func normalize(_ text: String, clauseStarts: inout [Int]) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? normalizeASCII(text, clauseStarts: &clauseStarts)
            : normalizeUnicode(text, clauseStarts: &clauseStarts)
    }

    static func isClauseBreak(_ value: UInt32) -> Bool {
        switch value {
        case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x0A, 0x0D, 0xA1, 0xBF, 0x2026: return true
        default: return false
        }
    }

    /// Foundation's case, accent and width folding, then letters and digits as words.
    static func normalizeUnicode(_ text: String) -> String {
        var clauses: [Int] = []
        return normalizeUnicode(text, clauseStarts: &clauses)
    }

    static func normalizeUnicode(_ text: String, clauseStarts: inout [Int]) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).uppercased()
        var out = ""
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false, pendingBreak = false, wordCount = 0
        for scalar in folded.unicodeScalars {
            let props = scalar.properties
            if props.isAlphabetic || (scalar.value >= 0x30 && scalar.value <= 0x39) {
                if pendingSpace || out.isEmpty {
                    if !out.isEmpty { out.append(" ") }
                    if pendingBreak && wordCount > 0 { clauseStarts.append(wordCount) }
                    wordCount += 1
                }
                pendingSpace = false
                pendingBreak = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
                if isClauseBreak(scalar.value) { pendingBreak = true }
            }
        }
        return out
    }

    /// The same as `normalize` for ASCII text, byte by byte (the common case: "STOP", "Stop.").
    static func normalizeASCII(_ text: String) -> String {
        var clauses: [Int] = []
        return normalizeASCII(text, clauseStarts: &clauses)
    }

    static func normalizeASCII(_ text: String, clauseStarts: inout [Int]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false, pendingBreak = false, wordCount = 0
        for byte in text.utf8 {
            let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            if (upper >= 0x41 && upper <= 0x5A) || (upper >= 0x30 && upper <= 0x39) {
                if pendingSpace || out.isEmpty {
                    if !out.isEmpty { out.append(0x20) }
                    if pendingBreak && wordCount > 0 { clauseStarts.append(wordCount) }
                    wordCount += 1
                }
                pendingSpace = false
                pendingBreak = false
                out.append(upper)
            } else {
                pendingSpace = true
                if isClauseBreak(UInt32(byte)) { pendingBreak = true }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Keyword lists prepared once (normalized words), for classifying many messages.
    package struct Lists: Sendable {
        struct Entry: Sendable {
            var original: String
            var words: [String]
            var joined: String
        }
        struct Exact: Sendable {
            var intent: EventKind
            var original: String
            /// An ordinary word (PASTA): other, and never read as a near miss.
            var ordinary: Bool
        }
        var optOut: [Entry]
        var optIn: [Entry]
        var help: [Entry]
        /// Whole-message look-up (spaces removed): opt-out first, then opt-in, help, ordinary words.
        var exact: [String: Exact] = [:]
        /// Opt-out (and help) keywords by their first word: index in their list, for the phrase rule.
        var optOutByFirst: [String: [Int]] = [:]
        var helpByFirst: [String: [Int]] = [:]
        var nearMiss: NearMiss.Table
        /// Words a look-alike word may be read as: keyword words and phrase words, by length.
        var lookAlikeTargets: [Int: [[Unicode.Scalar]]] = [:]
        var lookAlikeKnown: Set<String> = []
        package var phraseMaxWords: Int

        package init(optOut: [String], optIn: [String], help: [String], phraseMaxWords: Int = Keywords.defaultPhraseMaxWords,
                    ordinary: [String] = Keywords.defaultOrdinaryWords) {
            func prepare(_ list: [String]) -> [Entry] {
                list.compactMap { word in
                    let words = Lists.words(of: Keywords.normalize(word))
                    guard !words.isEmpty else { return nil }
                    return Entry(original: word, words: words, joined: words.joined())
                }
            }
            self.optOut = prepare(optOut)
            self.optIn = prepare(optIn)
            self.help = prepare(help)
            self.phraseMaxWords = max(0, phraseMaxWords)
            for (list, intent) in [(self.optOut, EventKind.optOut), (self.optIn, .optIn), (self.help, .help)] {
                for entry in list where exact[entry.joined] == nil {
                    exact[entry.joined] = Exact(intent: intent, original: entry.original, ordinary: false)
                }
            }
            for entry in prepare(ordinary) where exact[entry.joined] == nil {
                exact[entry.joined] = Exact(intent: .other, original: entry.original, ordinary: true)
            }
            for (index, entry) in self.optOut.enumerated() { optOutByFirst[entry.words[0], default: []].append(index) }
            for (index, entry) in self.help.enumerated() { helpByFirst[entry.words[0], default: []].append(index) }
            nearMiss = NearMiss.Table(self.optOut.map { ($0.joined, $0.original) })
            var known = OptOutPhrases.table.vocabulary
            for entry in self.optOut + self.help { known.formUnion(entry.words) }
            lookAlikeKnown = known
            for word in known { lookAlikeTargets[word.unicodeScalars.count, default: []].append(Array(word.unicodeScalars)) }
        }

        /// Splits a normalized text into words, reading Cyrillic and Greek look-alikes as Latin.
        static func words(of normalized: String) -> [String] {
            normalized.split(separator: " ").map { Confusables.fold($0)?.text ?? String($0) }
        }

        package func classify(_ text: String) -> Classification {
            var clauseStarts: [Int] = []
            let normalized = Keywords.normalize(text, clauseStarts: &clauseStarts)
            if normalized.isEmpty {
                return Classification(intent: .other, rule: text.isEmpty ? "empty message" : "no letters or digits (only punctuation or emoji)")
            }
            // Look-alike letters: read as Latin, and a word that then differs from a keyword or phrase
            // word at one such letter is read as that word ("СТОР" → CTOP → STOP).
            var lookAlike: Confusables.Script?
            var words: [String] = []
            if normalized.utf8.allSatisfy({ $0 < 0x80 }) {
                words = normalized.split(separator: " ").map(String.init)
            } else {
                for raw in normalized.split(separator: " ") {
                    guard let folded = Confusables.fold(raw) else { words.append(String(raw)); continue }
                    if lookAlike == nil { lookAlike = folded.script }
                    words.append(readLookAlike(folded))
                }
            }
            let joined = words.joined()
            let readAs = lookAlike.map { "; \($0.rawValue) letters read as Latin" } ?? ""

            if let found = exact[joined] {
                return exactDecision(found, lookAlike: lookAlike)
            }
            // A one-word reply a slip away from an opt-out keyword.
            if words.count == 1, lookAlike == nil, let (keyword, slip) = nearMiss.match(joined) {
                return Classification(intent: .optOut, rule: slip.describe(keyword))
            }
            let mentioned = firstOptOut(in: words)
            let short = words.count <= phraseMaxWords
            if let mentioned, short {
                return Classification(intent: .optOut, rule: "keyword \"\(mentioned)\" in a short message (\(words.count) words, phrase rule up to \(phraseMaxWords))" + readAs)
            }
            let phrase = OptOutPhrases.table.find(in: words, clauseStarts: clauseStarts)
            if let phrase, phrase.negatedBy == nil {
                return Classification(intent: .optOut, rule: phrase.rule + readAs)
            }
            if short, let helpWord = firstHelp(in: words) {
                return Classification(intent: .help, rule: "keyword \"\(helpWord)\" in a short message (\(words.count) words)" + readAs)
            }
            if let phrase {
                return Classification(intent: .other, rule: phrase.rule + readAs, mentionedOptOut: mentioned, needsReview: true)
            }
            if let mentioned {
                return Classification(intent: .other, rule: "mentions \"\(mentioned)\" but has \(words.count) words (phrase rule up to \(phraseMaxWords)): review" + readAs,
                                      mentionedOptOut: mentioned, needsReview: true)
            }
            // A slip of a keyword among other words ("Unsubscibe please"): a person decides.
            for word in words where exact[word] == nil {
                if let (keyword, slip) = nearMiss.match(word, inSentence: true) {
                    return Classification(intent: .other, rule: "\"\(word)\" is \(slip.describe(keyword)) in a \(words.count)-word message: review" + readAs,
                                          needsReview: true)
                }
            }
            return Classification(intent: .other, rule: "no keyword" + readAs)
        }

        private func exactDecision(_ found: Exact, lookAlike: Confusables.Script?) -> Classification {
            guard let script = lookAlike?.rawValue else {
                if found.ordinary { return Classification(intent: .other, rule: "ordinary word \"\(found.original)\" (not a keyword)") }
                return Classification(intent: found.intent, rule: "exact keyword \"\(found.original)\"")
            }
            if found.ordinary { return Classification(intent: .other, rule: "\(script) look-alike of the ordinary word \"\(found.original)\" (not a keyword)") }
            switch found.intent {
            case .optOut: return Classification(intent: .optOut, rule: "\(script) look-alike of \"\(found.original)\"")
            case .help: return Classification(intent: .help, rule: "\(script) look-alike of \"\(found.original)\"")
            case .optIn, .other:
                // Consent to be texted again must be written exactly: a look-alike goes to a person.
                return Classification(intent: .other, rule: "\(script) look-alike of the opt-in keyword \"\(found.original)\" (an opt-in must be exact): review",
                                      needsReview: true)
            }
        }

        private func readLookAlike(_ folded: Confusables.Folded) -> String {
            if lookAlikeKnown.contains(folded.text) || exact[folded.text] != nil { return folded.text }
            let scalars = Array(folded.text.unicodeScalars)
            for target in lookAlikeTargets[scalars.count] ?? [] where Confusables.differsByOneAt(folded.foreign, scalars, target) {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: target)
                return String(view)
            }
            return folded.text
        }

        /// The opt-out keyword earliest in its list that occurs in `words` as whole consecutive words.
        private func firstOptOut(in words: [String]) -> String? {
            Lists.first(in: words, optOut, optOutByFirst)
        }

        private func firstHelp(in words: [String]) -> String? {
            Lists.first(in: words, help, helpByFirst)
        }

        private static func first(in words: [String], _ list: [Entry], _ byFirst: [String: [Int]]) -> String? {
            var best: Int?
            for (start, word) in words.enumerated() {
                guard let candidates = byFirst[word] else { continue }
                for index in candidates where best.map({ index < $0 }) ?? true {
                    if matches(words, at: start, list[index].words) { best = index }
                }
            }
            return best.map { list[$0].original }
        }

        static func matches(_ words: [String], at start: Int, _ needle: [String]) -> Bool {
            guard start + needle.count <= words.count else { return false }
            for k in 0..<needle.count where words[start + k] != needle[k] { return false }
            return true
        }

        /// True when `needle` occurs in `words` as consecutive whole words.
        static func contains(_ words: [String], _ needle: [String]) -> Bool {
            guard !needle.isEmpty, needle.count <= words.count else { return false }
            for start in 0...(words.count - needle.count) where matches(words, at: start, needle) { return true }
            return false
        }
    }

    /// Classifies one inbound message against keyword lists (prepare `Lists` once for many).
    package static func classify(_ text: String, optOut: [String], optIn: [String], help: [String],
                                phraseMaxWords: Int = defaultPhraseMaxWords) -> Classification {
        Lists(optOut: optOut, optIn: optIn, help: help, phraseMaxWords: phraseMaxWords).classify(text)
    }
}
