// CSVWriter.swift — appends CSV rows to a byte buffer that the caller flushes to a file.
//
// Input: fields as Strings or UTF-8 byte ranges. Output: RFC 4180 bytes appended to `out`.
// Never fails.
// Quoting: a field is quoted when it contains the delimiter, `"`, CR or LF, or starts or ends
// with a space; quotes inside are doubled. An empty field that is first in its row is written as
// `""`, so a one-empty-field row is not a blank line and the writer can tell row positions apart.
// Audiences: `.machine` writes LF line ends and fields exactly; `.people` writes CRLF line ends
// and guards against formula injection (OWASP "CSV injection"): a field starting with
// = + - @ TAB or CR gets a leading apostrophe (inside the quotes when quoted), and so does a
// number in scientific notation (`4.47911E+11`, `1e5`, `4,47911E+11`), which a spreadsheet would
// turn into a believable but wrong number (447911000000).
// Row position: the writer keeps no state; a field is "first in the row" when `out` is empty,
// holds only the UTF-8 BOM, or ends with LF (every row ends with LF or CRLF, and a field that
// contains LF is quoted, so never ends with LF). Flush `out` only after `endRow`.

/// Writes CSV rows into a byte buffer (the caller flushes it to a file).
///
/// Stateless: "first field of the row" is read from `out` (empty, only the BOM, or ending in LF),
/// so flush or clear `out` only between rows, never in the middle of one.
package struct CSVWriter: Sendable {
    package enum Audience: Sendable { case machine, people }

    package let audience: Audience
    package let delimiter: UInt8

    /// machine: RFC 4180 quoting, LF line ends, fields written exactly.
    /// people: same quoting, CRLF line ends, and formula-injection guard: a field that starts with
    /// = + - @ TAB or CR gets a leading apostrophe (OWASP CSV injection advice).
    package init(audience: Audience, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.audience = audience
        self.delimiter = delimiter
    }

    /// EF BB BF, for files meant for people (Excel then reads them as UTF-8).
    package static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let apostrophe = UInt8(ascii: "'")

    /// Appends one field, with a delimiter before it unless it is first in the row.
    package func appendField(_ field: String, to out: inout [UInt8]) {
        var field = field
        field.withUTF8 { appendField($0, to: &out) }
    }

    /// Appends one field given as UTF-8 bytes, with a delimiter before it unless first in the row.
    package func appendField(_ field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let first = CSVWriter.isRowStart(out)
        if !first { out.append(delimiter) }
        guard let head = field.first else {
            if first { out.append(CSVWriter.quote); out.append(CSVWriter.quote) }
            return
        }
        let guarded = audience == .people && (CSVWriter.startsFormula(head) || CSVWriter.isScientific(field))
        var quoted = head == CSVWriter.space || field[field.count - 1] == CSVWriter.space
        if !quoted {
            for b in field where b == delimiter || b == CSVWriter.quote || b == CSVWriter.cr || b == CSVWriter.lf {
                quoted = true
                break
            }
        }
        if !quoted {
            if guarded { out.append(CSVWriter.apostrophe) }
            out.append(contentsOf: field)
            return
        }
        out.append(CSVWriter.quote)
        if guarded { out.append(CSVWriter.apostrophe) }
        var runStart = 0
        for i in 0..<field.count where field[i] == CSVWriter.quote {
            // Copy through this quote, then write it again to double it.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: field[runStart...i]))
            runStart = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: field[runStart...]))
        out.append(CSVWriter.quote)
    }

    /// Bits of `quoting`: the field holds the delimiter, `"`, CR or LF (so it is quoted), and it
    /// holds `"` (doubled inside the quotes).
    package static let needsQuotes: UInt8 = 1, hasQuote: UInt8 = 2

    /// What `appendField` makes of these bytes' content, for a field written in pieces (a leading
    /// or trailing space, which quotes too, is the caller's to check): `needsQuotes`, `hasQuote`.
    @inline(__always)
    package func quoting(_ field: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var flags: UInt8 = 0
        for b in field where b == delimiter || b == CSVWriter.quote || b == CSVWriter.cr || b == CSVWriter.lf {
            flags |= b == CSVWriter.quote ? CSVWriter.needsQuotes | CSVWriter.hasQuote : CSVWriter.needsQuotes
        }
        return flags
    }

    /// Writes `field` at `out` as the inside of a quoted field (every `"` doubled when `hasQuote`);
    /// returns where it ends. Room: twice the field's length.
    @inline(__always)
    package static func writeQuotedInside(_ field: UnsafeBufferPointer<UInt8>, hasQuote: Bool,
                                          to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard let base = field.baseAddress, field.count > 0 else { return out }
        guard hasQuote else {
            out.update(from: base, count: field.count)
            return out + field.count
        }
        var o = out
        for b in field {
            o.pointee = b
            o += 1
            if b == quote { o.pointee = b; o += 1 }
        }
        return o
    }

    /// Appends the fields as one row (after any fields already in the row), then ends the row.
    package func appendRow(_ fields: [String], to out: inout [UInt8]) {
        for field in fields { appendField(field, to: &out) }
        endRow(to: &out)
    }

    /// Ends the row: LF for machines, CRLF for people.
    package func endRow(to out: inout [UInt8]) {
        if audience == .people { out.append(CSVWriter.cr) }
        out.append(CSVWriter.lf)
    }

    /// True when the next field is the first of its row (see the header comment).
    static func isRowStart(_ out: [UInt8]) -> Bool {
        guard let last = out.last else { return true }
        if last == lf { return true }
        return out.count == 3 && out[0] == 0xEF && out[1] == 0xBB && out[2] == 0xBF
    }

    /// True for a number in scientific notation: digits, optionally `.` or `,` and digits, then
    /// `e` or `E`, an optional sign and digits ("4.47911E+11", "1e5", ".5E3", "4,47911E+11").
    package static func isScientific(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let head = field.first, isDigit(head) || head == UInt8(ascii: ".") || head == UInt8(ascii: ",") else { return false }
        var i = 0
        let n = field.count
        var mantissa = 0
        while i < n, isDigit(field[i]) { i += 1; mantissa += 1 }
        if i < n, field[i] == UInt8(ascii: ".") || field[i] == UInt8(ascii: ",") {
            i += 1
            while i < n, isDigit(field[i]) { i += 1; mantissa += 1 }
        }
        guard mantissa > 0, i < n, field[i] | 0x20 == UInt8(ascii: "e") else { return false }
        i += 1
        if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
        let exponentStart = i
        while i < n, isDigit(field[i]) { i += 1 }
        return i == n && i > exponentStart
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// = + - @ TAB CR: the characters spreadsheets treat as the start of a formula.
    @inline(__always)
    package static func startsFormula(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "=") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "@") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }
}
