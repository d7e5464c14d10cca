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
// near miss, so they stay other. No failures. Cost: one pass over the keywords of length n-1...n+1.

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
            if equal(i + 1, i + 1) { return .substitution }
            if i + 1 < n && word[i] == keyword[i + 1] && word[i + 1] == keyword[i] && equal(i + 2, i + 2) { return .transposition }
            return nil
        }
        if n == m + 1 {
            guard equal(i + 1, i) else { return nil }
            let added = word[i]
            if (i > 0 && keyword[i - 1] == added) || (i < m && keyword[i] == added) { return .doubled }
            return .insertion
        }
        if n + 1 == m {
            return equal(i, i + 1) ? .deletion : nil
        }
        return nil
    }

    /// Opt-out keywords of four letters or more, by length, prepared once.
    struct Table: Sendable {
        struct Keyword: Sendable {
            var bytes: [UInt8]
            var original: String
            var index: Int
        }
        var byLength: [Int: [Keyword]] = [:]

        init(_ keywords: [(joined: String, original: String)]) {
            var seen = Set<String>()
            for (index, (joined, original)) in keywords.enumerated() where joined.utf8.count >= 4 && seen.insert(joined).inserted {
                byLength[joined.utf8.count, default: []].append(Keyword(bytes: Array(joined.utf8), original: original, index: index))
            }
        }

        /// The keyword earliest in its list that `word` is an accepted slip of ("STOOP": STOP's
        /// doubled O, not STOPP's changed P).
        func match(_ word: String) -> (keyword: String, slip: Slip)? {
            let bytes = Array(word.utf8)
            var best: (keyword: Keyword, slip: Slip)?
            for length in [bytes.count - 1, bytes.count, bytes.count + 1] {
                for keyword in byLength[length] ?? [] where best.map({ keyword.index < $0.keyword.index }) ?? true {
                    if let slip = NearMiss.slip(bytes, from: keyword.bytes),
                       NearMiss.accepts(slip, keywordLength: keyword.bytes.count) {
                        best = (keyword, slip)
                    }
                }
            }
            return best.map { ($0.keyword.original, $0.slip) }
        }
    }
}
