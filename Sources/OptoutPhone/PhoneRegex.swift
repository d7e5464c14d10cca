// PhoneRegex.swift — runs the digit-pattern programs compiled by generate_metadata.py from
// libphonenumber's regular expressions.
// Input: a program offset, a buffer of digit values (0...9), match mode (prefix or full).
// Output: end of the first match in leftmost-first (Python/Java backtracking) order, or -1, and the
// capture positions for groups 1...3. Failures: a pathological program gives up after a step budget
// and reports no match (none of libphonenumber's patterns comes near it).
//
// Program words (UInt32, op in the low 3 bits, argument in the rest): 0 CHAR mask (a set of digits),
// 1 SPLIT x (next word y: try x, then y), 2 JMP x, 3 SAVE slot, 4 MATCH, 5 END (assert end of input).

/// One run of a compiled pattern over digit values.
struct PhoneRegexRun {
    let code: UnsafePointer<UInt32>
    let input: UnsafePointer<UInt8>
    let count: Int
    /// true = the whole input must match (fullmatch); false = a prefix match is enough (match).
    let full: Bool
    /// Capture slots 0...7 (groups 0...3), one byte each holding position + 1; 0 = unset.
    var captures: UInt64 = 0
    var budget: Int = 200_000

    init(code: UnsafePointer<UInt32>, input: UnsafePointer<UInt8>, count: Int, full: Bool) {
        self.code = code
        self.input = input
        self.count = count
        self.full = full
    }

    /// Start and end of capture group `n` (1...3), or nil when it did not participate.
    func group(_ n: Int) -> Range<Int>? {
        let s = Int((captures >> UInt64(16 * n)) & 0xFF), e = Int((captures >> UInt64(16 * n + 8)) & 0xFF)
        guard s > 0, e > 0 else { return nil }
        return (s - 1)..<(e - 1)
    }

    /// Runs from instruction `pc` at input position `pos`; returns the match end or -1.
    mutating func run(_ startPC: Int = 0, _ startPos: Int = 0) -> Int {
        var pc = startPC
        var pos = startPos
        while true {
            budget &-= 1
            if budget < 0 { return -1 }
            let word = code[pc]
            switch word & 7 {
            case 0:
                guard pos < count, (word >> 3) & (1 << UInt32(input[pos])) != 0 else { return -1 }
                pos += 1
                pc += 1
            case 1:
                let r = run(Int(word >> 3), pos)
                if r >= 0 { return r }
                pc = Int(code[pc + 1])
            case 2:
                pc = Int(word >> 3)
            case 3:
                let slot = UInt64(word >> 3)
                if slot < 8 {
                    let old = captures
                    captures = (captures & ~(0xFF << (8 * slot))) | (UInt64(pos + 1) << (8 * slot))
                    let r = run(pc + 1, pos)
                    if r < 0 { captures = old }
                    return r
                }
                pc += 1
            case 4:
                if full && pos != count { return -1 }
                return pos
            default:
                if pos != count { return -1 }
                pc += 1
            }
        }
    }
}

extension PhoneMetadata {
    /// Runs program `offset` over `digits[0..<count]`; -1 = no match, else the match end.
    @inline(__always)
    func match(_ offset: Int32, _ digits: UnsafePointer<UInt8>, _ count: Int, full: Bool) -> Int {
        guard offset >= 0 else { return -1 }
        return program.withUnsafeBufferPointer { code in
            var r = PhoneRegexRun(code: code.baseAddress! + Int(offset), input: digits, count: count, full: full)
            return r.run()
        }
    }
}
