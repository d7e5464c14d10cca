// Confusables: Cyrillic and Greek letters that look Latin, read as the Latin letter they look like.
// Input: one normalised word (uppercase, accents folded, as `Keywords.normalize` makes it).
// Output: the word with look-alike letters replaced ("СТОР" → "CTOP"), the positions (in
// Unicode scalars) that held a Cyrillic or Greek letter, mapped or not ("СТОП": all four), and the
// script named in the rule ("Cyrillic", "Greek"). No failures: other letters are kept as written.
// A word with such a letter may then differ from a keyword by one substitution at one of those
// positions (Cyrillic "С" looks like C, but a writer who types "СТОР" means STOP).

import OptoutBase

enum Confusables {
    /// Uppercase Cyrillic and Greek letters that look like an uppercase Latin letter.
    static let toLatin: [UInt32: Unicode.Scalar] = {
        let pairs: [(UInt32, Character)] = [
            // Cyrillic
            (0x0410, "A"), (0x0412, "B"), (0x0415, "E"), (0x0401, "E"), (0x041A, "K"), (0x041C, "M"),
            (0x041D, "H"), (0x041E, "O"), (0x0420, "P"), (0x0421, "C"), (0x0422, "T"), (0x0423, "Y"),
            (0x0425, "X"), (0x0405, "S"), (0x0406, "I"), (0x0407, "I"), (0x0408, "J"), (0x04AE, "Y"),
            (0x04BA, "H"), (0x04C0, "I"), (0x051A, "Q"), (0x051C, "W"),
            // Greek
            (0x0391, "A"), (0x0392, "B"), (0x0395, "E"), (0x0396, "Z"), (0x0397, "H"), (0x0399, "I"),
            (0x039A, "K"), (0x039C, "M"), (0x039D, "N"), (0x039F, "O"), (0x03A1, "P"), (0x03A4, "T"),
            (0x03A5, "Y"), (0x03A7, "X"), (0x03F9, "C"), (0x037F, "J"),
        ]
        var table: [UInt32: Unicode.Scalar] = [:]
        for (code, latin) in pairs { table[code] = latin.unicodeScalars.first! }
        return table
    }()

    enum Script: String, Sendable {
        case cyrillic = "Cyrillic", greek = "Greek"

        init?(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x0370...0x03FF, 0x1F00...0x1FFF: self = .greek
            case 0x0400...0x052F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: self = .cyrillic
            default: return nil
            }
        }
    }

    struct Folded: Sendable {
        /// The word with look-alikes replaced by Latin letters.
        var text: String
        /// Scalar positions that held a Cyrillic or Greek letter.
        var foreign: [Int]
        /// The script of the first such letter.
        var script: Script
    }

    /// Nil when the word has no Cyrillic or Greek letter (the common case, decided without work
    /// for ASCII).
    static func fold(_ word: Substring) -> Folded? {
        if word.utf8.allSatisfy({ $0 < 0x80 }) { return nil }
        var text = String.UnicodeScalarView()
        var foreign: [Int] = []
        var script: Script?
        for (index, scalar) in word.unicodeScalars.enumerated() {
            if let found = Script(scalar) {
                foreign.append(index)
                if script == nil { script = found }
                text.append(toLatin[scalar.value] ?? scalar)
            } else {
                text.append(scalar)
            }
        }
        guard let script else { return nil }
        return Folded(text: String(text), foreign: foreign, script: script)
    }

    /// True when `word` equals `target` but for exactly one scalar, at one of `positions`.
    static func differsByOneAt(_ positions: [Int], _ word: [Unicode.Scalar], _ target: [Unicode.Scalar]) -> Bool {
        guard word.count == target.count else { return false }
        var difference: Int?
        for index in 0..<word.count where word[index] != target[index] {
            if difference != nil { return false }
            difference = index
        }
        guard let difference else { return false }
        return positions.contains(difference)
    }
}
