// SheetTypes.swift: what the workbook readers (XLSX, ODS) return and how they fail.
//
// Input: none (values). Output: `SheetRow` (the row number the spreadsheet shows, String cells,
// flags on numeric cells that cannot be read as exact integers), `SheetInfo` (a sheet's name and
// place), `SheetLimits` (caps) and `SheetError` (the sheet, the row when one applies, the reason).
// `SheetNumber` turns a numeric cell's text into its exact decimal digits without going through
// Double; `SheetDate` renders spreadsheet date serials as ISO 8601 text. Failures: none here.

/// Why a numeric cell cannot stand for an integer such as a phone number.
package struct SheetCellFlags: OptionSet, Sendable, Hashable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The value has a fractional part ("447911123456.5").
    package static let fractional = SheetCellFlags(rawValue: 1)
    /// More than 15 significant digits: beyond what a spreadsheet stores exactly.
    package static let tooManyDigits = SheetCellFlags(rawValue: 2)
}

/// One row of a sheet. Blank rows are not delivered (the numbers show the gaps).
package struct SheetRow: Sendable, Equatable {
    /// The row number the spreadsheet shows (1-based).
    package var number: Int
    /// Cells from column A on, gaps filled with "", trailing empty cells dropped.
    package var cells: [String]
    /// Numeric cells with a fractional part or too many digits, by column index (0 = A).
    package var flags: [Int: SheetCellFlags]

    package init(number: Int, cells: [String], flags: [Int: SheetCellFlags] = [:]) {
        self.number = number
        self.cells = cells
        self.flags = flags
    }
}

/// A sheet of a workbook, in the workbook's order.
package struct SheetInfo: Sendable, Equatable {
    package var name: String
    /// 0-based position in the workbook (the tab order).
    package var index: Int
    package var hidden: Bool
    /// The archive entry holding it ("xl/worksheets/sheet3.xml", "content.xml").
    package var part: String

    package init(name: String, index: Int, hidden: Bool, part: String) {
        self.name = name
        self.index = index
        self.hidden = hidden
        self.part = part
    }
}

/// Caps that keep a hostile or broken workbook from exhausting memory or time.
package struct SheetLimits: Sendable, Equatable {
    package var zip: ZipLimits
    /// Shared strings (XLSX): how many, and their total UTF-8 bytes.
    package var maxSharedStrings: Int
    package var maxSharedStringBytes: Int
    /// Columns of one row (Excel's limit is 16384).
    package var maxColumns: Int
    /// Consecutive blank rows (XLSX row elements without values; ODS repeats are free).
    package var maxBlankRows: Int
    /// Times one non-blank ODS row may be repeated.
    package var maxRepeatedRows: Int
    /// Bytes of one cell's text.
    package var maxCellBytes: Int

    package init(zip: ZipLimits = ZipLimits(), maxSharedStrings: Int = 5_000_000, maxSharedStringBytes: Int = 512 << 20,
                maxColumns: Int = 16384, maxBlankRows: Int = 1_048_576, maxRepeatedRows: Int = 100_000, maxCellBytes: Int = 1 << 20) {
        self.zip = zip
        self.maxSharedStrings = maxSharedStrings
        self.maxSharedStringBytes = maxSharedStringBytes
        self.maxColumns = maxColumns
        self.maxBlankRows = maxBlankRows
        self.maxRepeatedRows = maxRepeatedRows
        self.maxCellBytes = maxCellBytes
    }
}

/// Why a workbook or one of its sheets cannot be read.
package struct SheetError: Error, Sendable, Equatable, CustomStringConvertible {
    package var sheet: String?
    package var row: Int?
    package var reason: String

    package init(sheet: String? = nil, row: Int? = nil, reason: String) {
        self.sheet = sheet
        self.row = row
        self.reason = reason
    }

    package var description: String {
        var parts: [String] = []
        if let sheet { parts.append("sheet \"\(sheet)\"") }
        if let row { parts.append("row \(row)") }
        parts.append(reason)
        return parts.joined(separator: ": ")
    }
}

/// A workbook of sheets read row by row.
package protocol SheetWorkbook: AnyObject {
    /// The sheets in tab order.
    var sheets: [SheetInfo] { get }
    /// Streams the rows of one sheet to `body`, in order.
    func read(_ sheet: SheetInfo, _ body: (SheetRow) throws -> Void) throws
}

extension SheetWorkbook {
    /// The sheet with this name (exact, then ignoring case), if any.
    package func sheet(named name: String) -> SheetInfo? {
        sheets.first { $0.name == name } ?? sheets.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// Exact decimal text of a numeric cell.
package enum SheetNumber {
    /// "4.47911123456E11" → "447911123456"; "-0012.50" → "-12.5". Nil when not a number.
    package static func exact(_ text: String) -> (text: String, flags: SheetCellFlags)? {
        var bytes = Array(text.utf8)[...]
        while let f = bytes.first, f == 0x20 { bytes = bytes.dropFirst() }
        while let l = bytes.last, l == 0x20 { bytes = bytes.dropLast() }
        var negative = false
        if let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var point: Int?
        var exponent = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                digits.append(b)
            } else if b == UInt8(ascii: ".") && point == nil {
                point = digits.count
            } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                guard let e = Int(String(decoding: bytes[(i + 1)...], as: UTF8.self)), abs(e) < 400 else { return nil }
                exponent = e
                break
            } else {
                return nil
            }
            i += 1
        }
        if digits.isEmpty { return nil }
        // Value = digits × 10^(exponent − fraction digits).
        var integerCount = (point ?? digits.count) + exponent
        var all = digits
        if integerCount < 0 {
            all = [UInt8](repeating: 0x30, count: -integerCount) + all
            integerCount = 0
        }
        if integerCount > all.count { all += [UInt8](repeating: 0x30, count: integerCount - all.count) }
        var integer = Array(all[0..<integerCount])
        var fraction = Array(all[integerCount...])
        while integer.count > 1, integer.first == 0x30 { integer.removeFirst() }
        if integer.isEmpty { integer = [0x30] }
        while fraction.last == 0x30 { fraction.removeLast() }
        let significant = integer + fraction
        let firstNonZero = significant.firstIndex { $0 != 0x30 }
        let lastNonZero = significant.lastIndex { $0 != 0x30 }
        var flags: SheetCellFlags = []
        if !fraction.isEmpty { flags.insert(.fractional) }
        if let a = firstNonZero, let b = lastNonZero, b - a + 1 > 15 { flags.insert(.tooManyDigits) }
        let zero = firstNonZero == nil
        var out = (negative && !zero) ? "-" : ""
        out += String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
        return (out, flags)
    }
}

/// Spreadsheet date serials as ISO 8601 text.
package enum SheetDate {
    package enum Kind: Sendable, Equatable { case date, time, dateTime }

    /// The kind a built-in number format id shows, if it is a date or time format.
    package static func builtIn(_ id: Int) -> Kind? {
        switch id {
        case 14...17: return .date
        case 18...21, 45...47: return .time
        case 22: return .dateTime
        default: return nil
        }
    }

    /// The kind a custom format code shows ("yyyy-mm-dd", "h:mm", "[$-409]d-mmm;@"), if any.
    package static func custom(_ code: String) -> Kind? {
        var text: [Character] = []
        var inQuote = false, inBracket = false, escape = false
        var bracket = ""
        let section = code.split(separator: ";", omittingEmptySubsequences: false).first ?? ""
        for c in section {
            if escape { escape = false; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if inBracket {
                if c == "]" {
                    inBracket = false
                    // [h], [mm], [ss]: elapsed time; [Red], [$-409]: not date parts.
                    if !bracket.isEmpty && bracket.lowercased().allSatisfy({ "hms".contains($0) }) { text.append("h") }
                } else {
                    bracket.append(c)
                }
                continue
            }
            switch c {
            case "\"": inQuote = true
            case "\\", "_", "*": escape = true
            case "[": inBracket = true; bracket = ""
            default: text.append(c)
            }
        }
        let lowered = String(text).lowercased().replacingOccurrences(of: "am/pm", with: "").replacingOccurrences(of: "a/p", with: "")
        let hasDate = lowered.contains("d") || lowered.contains("y")
        let hasTime = lowered.contains("h") || lowered.contains("s")
        let hasM = lowered.contains("m")
        if hasDate && hasTime { return .dateTime }
        if hasDate { return .date }
        if hasTime { return .time }
        if hasM { return .date }
        return nil
    }

    /// The serial (days since the epoch of the workbook's system, fraction = time of day) as
    /// "2026-11-26", "17:40:45" or "2026-11-26T17:40:45". Nil when out of range.
    package static func render(_ serial: Double, kind: Kind, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int64(serial.rounded(.down))
        var seconds = Int64(((serial - Double(days)) * 86400).rounded())
        if seconds >= 86400 { seconds -= 86400; days += 1 }
        let time = "\(pad(Int(seconds / 3600)))" + ":" + pad(Int(seconds % 3600 / 60)) + ":" + pad(Int(seconds % 60))
        if kind == .time && days == 0 { return time }
        let date: String
        if date1904 {
            date = civilDate(Timestamp.days(year: 1904, month: 1, day: 1) + days)
        } else if days == 60 {
            date = "1900-02-29"  // Lotus 1-2-3's leap day, which Excel keeps
        } else if days < 60 {
            date = civilDate(Timestamp.days(year: 1899, month: 12, day: 31) + days)
        } else {
            date = civilDate(Timestamp.days(year: 1899, month: 12, day: 30) + days)
        }
        if kind == .date && seconds == 0 { return date }
        return date + "T" + time
    }

    static func civilDate(_ days: Int64) -> String {
        let (y, m, d, _, _, _) = Timestamp.civil(days * 86400)
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + pad(m) + "-" + pad(d)
    }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
