// NearMiss: a one-word reply that is one typing slip from an opt-out keyword ("UNSUBSCIBE", "STPO").
// Input: the reply's single normalised word and the opt-out keywords (joined, without spaces).
// Output: the keyword and the slip (a letter changed, missing or added, two neighbours swapped),
// when the slip is accepted for that keyword's length:
//   - five or more letters: any one Damerau edit (substitution, insertion, deletion, or one
//     transposition of neighbours);
//   - four letters: only a transposition ("STPO", "SOTP") or a doubled letter ("STOOP", "SSTOP");
//   - three or fewer (END): none.
// Real words a slip away from a keyword ("PASTA" from BASTA, "CANCER" from CANCEL, "ANMELDEN" from
// ABMELDEN) are listed in `Keywords.defaultOrdinaryWords`; an exact word of any list wins over a
// near miss, so they stay other. Inside a longer message a slip only sends the message to review,
// and a slip at the word's end (STOPS, STOPPED) is not counted there: it is usually an inflection.
// No failures. Cost: one dictionary look-up per word (the slips are listed when the lists are
// prepared).

import OptoutBase

enum NearMiss {
    enum Slip: Equatable, Sendable {
        case substitution, insertion, doubled, deletion, transposition

        func describe(_ keyword: String) -> String {
            switch self {
            case .substitution: return "one letter changed in \"\(keyword)\""
            case .insertion: return "one letter added to \"\(keyword)\""
            case .doubled: return "doubled letter in \"\(keyword)\""
            case .deletion: return "one letter missing from \"\(keyword)\""
            case .transposition: return "one transposition of \"\(keyword)\""
            }
        }
    }

    /// Whether `slip` is accepted for a keyword of `length` letters.
    static func accepts(_ slip: Slip, keywordLength length: Int) -> Bool {
        if length >= 5 { return true }
        if length == 4 { return slip == .transposition || slip == .doubled }
        return false
    }

    /// The single Damerau edit that turns `keyword` into `word`, or nil (equal, or further away).
    static func slip(_ word: [UInt8], from keyword: [UInt8]) -> Slip? {
        located(word, from: keyword)?.slip
    }

    /// The slip and whether it is at the word's end (a letter changed or added last: "STOPS",
    /// "STOPPED" from STOPPEN), which in a sentence is more often an inflection than a typo.
    static func located(_ word: [UInt8], from keyword: [UInt8]) -> (slip: Slip, atEnd: Bool)? {
        guard let (slip, index) = edit(word, from: keyword) else { return nil }
        switch slip {
        case .substitution: return (slip, index == keyword.count - 1)
        case .insertion, .doubled: return (slip, index == keyword.count)
        case .deletion, .transposition: return (slip, false)
        }
    }

    private static func edit(_ word: [UInt8], from keyword: [UInt8]) -> (Slip, Int)? {
        let n = word.count, m = keyword.count
        var i = 0
        while i < n && i < m && word[i] == keyword[i] { i += 1 }
        func equal(_ a: Int, _ b: Int) -> Bool {
            // word[a...] == keyword[b...]
            guard n - a == m - b else { return false }
            var x = a, y = b
            while x < n { if word[x] != keyword[y] { return false }; x += 1; y += 1 }
            return true
        }
        if n == m {
            if i == n { return nil }
            if equal(i + 1, i + 1) { return (.substitution, i) }
            if i + 1 < n && word[i] == keyword[i + 1] && word[i + 1] == keyword[i] && equal(i + 2, i + 2) { return (.transposition, i) }
            return nil
        }
        if n == m + 1 {
            guard equal(i + 1, i) else { return nil }
            let added = word[i]
            if (i > 0 && keyword[i - 1] == added) || (i < m && keyword[i] == added) { return (.doubled, i) }
            return (.insertion, i)
        }
        if n + 1 == m {
            return equal(i, i + 1) ? (.deletion, i) : nil
        }
        return nil
    }

    /// Opt-out keywords of four letters or more, prepared once: every accepted slip of an ASCII
    /// keyword (letters and digits) is in a dictionary, so a word costs one look-up; a word with
    /// other letters is compared with each keyword.
    struct Table: Sendable {
        struct Keyword: Sendable {
            var bytes: [UInt8]
            var original: String
        }
        struct Hit: Sendable {
            var keyword: String
            var slip: Slip
        }
        var keywords: [Keyword] = []
        /// Accepted slips, the keyword earliest in its list first ("STOOP": STOP's doubled O,
        /// not STOPP's changed P).
        var oneWord: [String: Hit] = [:]
        /// The same without slips at the word's end.
        var inSentence: [String: Hit] = [:]

        static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        static let listedKeywords = 200

        /// False for a list over `listedKeywords`: words are compared one by one.
        var listed: Bool

        init(_ list: [(joined: String, original: String)]) {
            listed = list.count <= Table.listedKeywords
            var seen = Set<String>()
            for (joined, original) in list where joined.utf8.count >= 4 && seen.insert(joined).inserted {
                let bytes = Array(joined.utf8)
                keywords.append(Keyword(bytes: bytes, original: original))
                // Listing costs ~600 strings a keyword: beyond `listedKeywords` (a very long
                // configured list) words are compared one by one instead.
                guard listed, bytes.allSatisfy({ $0 < 0x80 }) else { continue }
                for variant in Table.variants(of: bytes) {
                    guard let (slip, atEnd) = NearMiss.located(variant, from: bytes),
                          NearMiss.accepts(slip, keywordLength: bytes.count) else { continue }
                    let key = String(decoding: variant, as: UTF8.self)
                    if oneWord[key] == nil { oneWord[key] = Hit(keyword: original, slip: slip) }
                    if !atEnd && inSentence[key] == nil { inSentence[key] = Hit(keyword: original, slip: slip) }
                }
            }
        }

        /// Every string one Damerau edit from `word` over `alphabet` (and possibly `word` itself).
        static func variants(of word: [UInt8]) -> [[UInt8]] {
            var out: [[UInt8]] = []
            let n = word.count
            if n >= 2 {
                for i in 0..<(n - 1) { var v = word; v.swapAt(i, i + 1); out.append(v) }
            }
            for i in 0..<n { var v = word; v.remove(at: i); out.append(v) }
            for i in 0...n {
                for letter in alphabet { var v = word; v.insert(letter, at: i); out.append(v) }
            }
            for i in 0..<n {
                for letter in alphabet where letter != word[i] { var v = word; v[i] = letter; out.append(v) }
            }
            return out
        }

        /// The keyword earliest in its list that `word` is an accepted slip of. `inSentence`: for
        /// a word among others, where a slip at the end is not counted.
        func match(_ word: String, inSentence: Bool = false) -> (keyword: String, slip: Slip)? {
            guard word.utf8.count >= 3 else { return nil }
            if listed && word.utf8.allSatisfy({ $0 < 0x80 }) {
                return (inSentence ? self.inSentence[word] : oneWord[word]).map { ($0.keyword, $0.slip) }
            }
            let bytes = Array(word.utf8)
            for keyword in keywords {
                if let (slip, atEnd) = NearMiss.located(bytes, from: keyword.bytes),
                   NearMiss.accepts(slip, keywordLength: keyword.bytes.count), !(inSentence && atEnd) {
                    return (keyword.original, slip)
                }
            }
            return nil
        }
    }
}
