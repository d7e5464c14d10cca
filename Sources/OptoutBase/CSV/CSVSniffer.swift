// CSVSniffer.swift — guesses the field delimiter of a CSV input from its first records.
//
// Input: the first UTF-8 bytes of the input (the reader passes up to 64 KiB), and whether they
// are the whole input. Output: one of `,` `;` TAB `|`. Never fails: a one-column input, or one
// where no candidate appears in the header, gives a comma.
// Method: split the first 20 non-blank records (a quote toggles "inside quotes", so delimiters
// and line ends inside quoted fields do not count); for each candidate, count its occurrences per
// record. A candidate must occur in the header (first record). The winner is the candidate whose
// count in the most records equals its header count (most consistent); ties go to the one with
// more occurrences in the header, then to the order , ; TAB |.

/// Delimiter guessing for CSV files exported by spreadsheets.
package enum CSVSniffer {
    /// The delimiters considered, in tie-break order.
    package static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    /// Picks the delimiter of the CSV text starting at `bytes`.
    /// - Parameters:
    ///   - complete: true when `bytes` is the whole input (its last line then counts even
    ///     without a line end).
    ///   - maxRecords: how many non-blank records to look at.
    package static func delimiter(in bytes: UnsafeBufferPointer<UInt8>, complete: Bool, maxRecords: Int = 20) -> UInt8 {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let k = candidates.count
        var table = [Int](repeating: -1, count: 256)
        for (index, c) in candidates.enumerated() { table[Int(c)] = index }

        var rows: [[Int]] = []
        var current = [Int](repeating: 0, count: k)
        var recordHasBytes = false
        var inQuotes = false
        for b in bytes {
            if b == quote {
                inQuotes.toggle()
                recordHasBytes = true
            } else if (b == cr || b == lf) && !inQuotes {
                if recordHasBytes {
                    rows.append(current)
                    if rows.count >= maxRecords { break }
                }
                current = [Int](repeating: 0, count: k)
                recordHasBytes = false
            } else {
                recordHasBytes = true
                let index = table[Int(b)]
                if index >= 0 && !inQuotes { current[index] += 1 }
            }
        }
        // The last, unterminated record counts when the input is complete, or when it is all
        // there is (a header longer than the sample).
        if recordHasBytes && rows.count < maxRecords && (complete || rows.isEmpty) {
            rows.append(current)
        }
        guard let header = rows.first else { return candidates[0] }

        var best = -1
        var bestConsistent = 0
        var bestHeader = 0
        for c in 0..<k where header[c] > 0 {
            var consistent = 0
            for row in rows where row[c] == header[c] { consistent += 1 }
            if consistent > bestConsistent || (consistent == bestConsistent && header[c] > bestHeader) {
                best = c
                bestConsistent = consistent
                bestHeader = header[c]
            }
        }
        return best >= 0 ? candidates[best] : candidates[0]
    }
}
