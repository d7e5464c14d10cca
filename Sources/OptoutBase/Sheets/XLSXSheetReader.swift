// XLSXSheetReader.swift: reads the sheets of an Office Open XML workbook (.xlsx) row by row.
//
// Input: a ZIP archive. The sheets come from workbook.xml in tab order, each found through the
// workbook's relationships (the first sheet is not always sheet1.xml); the 1904 date system from
// workbookPr; shared strings (rich-text runs joined, phonetic runs skipped, _xHHHH_ escapes) and
// number formats (styles.xml cellXfs) are loaded on first read. Output: `SheetRow`s through a
// callback, streamed from the sheet part (never buffered whole): shared and inline strings,
// t="str" formula results, booleans as TRUE/FALSE, errors as written, numbers as their exact
// decimal text (flagged when fractional or beyond 15 significant digits), date-formatted numbers
// as ISO 8601 text; sparse r= references fill gaps with "". Failures: `SheetError` naming the
// sheet and row: a missing part or relationship, a damaged archive or XML (with its reason), a
// shared-string index out of range, and the caps of `SheetLimits` (shared strings, columns,
// blank rows, cell size).

/// An .xlsx workbook.
package final class XLSXSheetReader: SheetWorkbook {
    package let sheets: [SheetInfo]
    /// True when dates count from 1904 (workbookPr date1904).
    package let date1904: Bool
    package let limits: SheetLimits
    private let zip: ZipReader
    private let sharedStringsPart: String?
    private let stylesPart: String?
    private var sharedStrings: [String]?
    private var styleKinds: [SheetDate.Kind?]?

    package convenience init(path: String, limits: SheetLimits = SheetLimits()) throws {
        let zip: ZipReader
        do { zip = try ZipReader(path: path, limits: limits.zip) } catch let error as ZipError {
            throw SheetError(reason: "not a readable workbook: \(error)")
        }
        try self.init(zip: zip, limits: limits)
    }

    package init(zip: ZipReader, limits: SheetLimits = SheetLimits()) throws {
        self.zip = zip
        self.limits = limits
        var workbookPart = "xl/workbook.xml"
        if zip.entry(named: "_rels/.rels") != nil {
            let rels = try XLSXSheetReader.relationships(zip, "_rels/.rels", base: "")
            if let office = rels.values.first(where: { $0.type.hasSuffix("/officeDocument") }) { workbookPart = office.target }
        }
        guard zip.entry(named: workbookPart) != nil else {
            throw SheetError(reason: "no workbook part (\(workbookPart)): not an Excel workbook")
        }
        let directory = workbookPart.contains("/") ? String(workbookPart[..<workbookPart.lastIndex(of: "/")!]) + "/" : ""
        let fileName = workbookPart.split(separator: "/").last.map(String.init) ?? workbookPart
        let relsPart = directory + "_rels/" + fileName + ".rels"
        let rels = zip.entry(named: relsPart) != nil ? try XLSXSheetReader.relationships(zip, relsPart, base: directory) : [:]
        sharedStringsPart = rels.values.first { $0.type.hasSuffix("/sharedStrings") }?.target
        stylesPart = rels.values.first { $0.type.hasSuffix("/styles") }?.target

        var sheets: [SheetInfo] = []
        var date1904 = false
        try XLSXSheetReader.scan(zip, workbookPart) { event in
            guard case .start(let tag) = event else { return }
            switch tag.localName {
            case "workbookPr":
                let value = tag.attribute("date1904") ?? "0"
                date1904 = value == "1" || value == "true"
            case "sheet":
                let name = tag.attribute("name") ?? "Sheet\(sheets.count + 1)"
                guard let id = tag.attribute(local: "id"), let rel = rels[id] else {
                    throw SheetError(sheet: name, reason: "the workbook names no part for this sheet (relationship missing)")
                }
                let state = tag.attribute("state") ?? "visible"
                sheets.append(SheetInfo(name: name, index: sheets.count, hidden: state != "visible", part: rel.target))
            default: break
            }
        }
        if sheets.isEmpty { throw SheetError(reason: "the workbook has no sheets") }
        self.sheets = sheets
        self.date1904 = date1904
    }

    // MARK: - Parts

    struct Relationship { var type: String; var target: String }

    /// Id → relationship of a .rels part, targets resolved against `base` ("xl/").
    static func relationships(_ zip: ZipReader, _ part: String, base: String) throws -> [String: Relationship] {
        var out: [String: Relationship] = [:]
        try scan(zip, part) { event in
            guard case .start(let tag) = event, tag.localName == "Relationship",
                  let id = tag.attribute("Id"), let target = tag.attribute("Target") else { return }
            if tag.attribute("TargetMode") == "External" { return }
            out[id] = Relationship(type: tag.attribute("Type") ?? "", target: resolve(target, base: base))
        }
        return out
    }

    static func resolve(_ target: String, base: String) -> String {
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : base + target
        var parts: [Substring] = []
        for p in path.split(separator: "/") {
            if p == ".." { if !parts.isEmpty { parts.removeLast() } } else if p != "." { parts.append(p) }
        }
        return parts.joined(separator: "/")
    }

    /// Streams a part's XML events to `body`; errors become `SheetError`s naming the part.
    static func scan(_ zip: ZipReader, _ part: String, sheet: String? = nil, row: (() -> Int?)? = nil,
                     _ body: (XMLEvent) throws -> Void) throws {
        guard let entry = zip.entry(named: part) else {
            throw SheetError(sheet: sheet, reason: "the workbook has no part \(part)")
        }
        do {
            let stream = try zip.open(entry)
            let scanner = XMLByteScanner(source: { try stream.next() })
            while let event = try scanner.next() { try body(event) }
        } catch let error as ZipError {
            throw SheetError(sheet: sheet, row: row?(), reason: "\(part): \(error.reason)")
        } catch let error as XMLError {
            throw SheetError(sheet: sheet, row: row?(), reason: "\(part): \(error)")
        }
    }

    /// Replaces _xHHHH_ escapes (OOXML ST_Xstring) by their characters.
    static func unescape(_ text: String) -> String {
        var escaped = false
        var previous: UInt8 = 0
        for b in text.utf8 {
            if previous == UInt8(ascii: "_") && b == UInt8(ascii: "x") { escaped = true; break }
            previous = b
        }
        guard escaped else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "_") && i + 6 < bytes.count && bytes[i + 1] == UInt8(ascii: "x") && bytes[i + 6] == UInt8(ascii: "_"),
               let v = UInt32(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16), let scalar = Unicode.Scalar(v) {
                out += Array(String(Character(scalar)).utf8)
                i += 7
                continue
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func loadSharedStrings() throws -> [String] {
        if let sharedStrings { return sharedStrings }
        var strings: [String] = []
        var bytes = 0
        if let part = sharedStringsPart, zip.entry(named: part) != nil {
            var current = ""
            var inItem = false, inText = false, phonetic = 0
            try XLSXSheetReader.scan(zip, part) { event in
                switch event {
                case .start(let tag):
                    switch tag.localName {
                    case "si": inItem = true; current = ""
                    case "t": inText = inItem && phonetic == 0
                    case "rPh": phonetic += 1
                    default: break
                    }
                case .end(let name):
                    switch XMLStartTag.local(name) {
                    case "si":
                        inItem = false
                        strings.append(XLSXSheetReader.unescape(current))
                        bytes += current.utf8.count
                        if strings.count > limits.maxSharedStrings {
                            throw SheetError(reason: "more than \(limits.maxSharedStrings) shared strings")
                        }
                        if bytes > limits.maxSharedStringBytes {
                            throw SheetError(reason: "shared strings larger than \(limits.maxSharedStringBytes) bytes")
                        }
                    case "t": inText = false
                    case "rPh": phonetic -= 1
                    default: break
                    }
                case .text(let text):
                    if inText {
                        current += text
                        if current.utf8.count > limits.maxCellBytes {
                            throw SheetError(reason: "a shared string longer than \(limits.maxCellBytes) bytes")
                        }
                    }
                }
            }
        }
        sharedStrings = strings
        return strings
    }

    private func loadStyles() throws -> [SheetDate.Kind?] {
        if let styleKinds { return styleKinds }
        var kinds: [SheetDate.Kind?] = []
        if let part = stylesPart, zip.entry(named: part) != nil {
            var codes: [Int: String] = [:]
            var inCellXfs = false
            try XLSXSheetReader.scan(zip, part) { event in
                switch event {
                case .start(let tag):
                    switch tag.localName {
                    case "numFmt":
                        if let id = tag.attribute("numFmtId").flatMap({ Int($0) }) { codes[id] = tag.attribute("formatCode") ?? "" }
                    case "cellXfs": inCellXfs = !tag.selfClosing
                    case "xf" where inCellXfs:
                        let id = tag.attribute("numFmtId").flatMap { Int($0) } ?? 0
                        kinds.append(codes[id].map { SheetDate.custom($0) } ?? SheetDate.builtIn(id))
                    default: break
                    }
                case .end(let name):
                    if XMLStartTag.local(name) == "cellXfs" { inCellXfs = false }
                case .text: break
                }
            }
        }
        styleKinds = kinds
        return kinds
    }

    // MARK: - Rows

    /// Column index of a reference's letters ("C7" → 2); nil without letters.
    static func column(_ reference: String) -> Int? {
        var value = 0
        var letters = 0
        for b in reference.utf8 {
            let upper = b & ~0x20
            guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") else { break }
            value = value * 26 + Int(upper - UInt8(ascii: "A")) + 1
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : value - 1
    }

    package func read(_ sheet: SheetInfo, _ body: (SheetRow) throws -> Void) throws {
        var state = XLSXRowState(sheet: sheet.name, limits: limits, strings: try loadSharedStrings(),
                                 kinds: try loadStyles(), date1904: date1904)
        try XLSXSheetReader.scan(zip, sheet.part, sheet: sheet.name, row: { state.rowNumber }) { event in
            switch event {
            case .start(let tag): try state.start(tag)
            case .text(let text): try state.text(text)
            case .end(let name): try state.end(name, body)
            }
        }
    }
}

/// One sheet part's reading state: the row and cell being built from the XML events.
private struct XLSXRowState {
    let sheet: String
    let limits: SheetLimits
    let strings: [String]
    let kinds: [SheetDate.Kind?]
    let date1904: Bool
    var rowNumber = 0
    var cells: [String] = []
    var flags: [Int: SheetCellFlags] = [:]
    var blankRun = 0
    var column = -1
    var type = "n"
    var style = 0
    var value = ""
    var capturing = false
    var inInline = false
    var phonetic = 0

    init(sheet: String, limits: SheetLimits, strings: [String], kinds: [SheetDate.Kind?], date1904: Bool) {
        self.sheet = sheet
        self.limits = limits
        self.strings = strings
        self.kinds = kinds
        self.date1904 = date1904
    }

    func fail(_ reason: String) -> SheetError { SheetError(sheet: sheet, row: rowNumber, reason: reason) }

    mutating func start(_ tag: XMLStartTag) throws {
        switch tag.localName {
        case "row": try startRow(tag)
        case "c": try startCell(tag)
        case "v": capturing = true
        case "is": inInline = true
        case "t": capturing = inInline && phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    mutating func startRow(_ tag: XMLStartTag) throws {
        if let r = tag.attribute("r") {
            guard let n = Int(r), n > rowNumber else { throw fail("row number \(r) out of order") }
            rowNumber = n
        } else {
            rowNumber += 1
        }
        cells = []
        flags = [:]
        column = -1
    }

    mutating func startCell(_ tag: XMLStartTag) throws {
        if let r = tag.attribute("r") {
            guard let c = XLSXSheetReader.column(r), c > column else { throw fail("cell reference \(r) out of order") }
            column = c
        } else {
            column += 1
        }
        if column >= limits.maxColumns { throw fail("more than \(limits.maxColumns) columns") }
        type = tag.attribute("t") ?? "n"
        style = tag.attribute("s").flatMap { Int($0) } ?? 0
        value = ""
        if tag.selfClosing { capturing = false }
    }

    mutating func text(_ text: String) throws {
        guard capturing else { return }
        value += text
        if value.utf8.count > limits.maxCellBytes { throw fail("a cell longer than \(limits.maxCellBytes) bytes") }
    }

    mutating func end(_ name: String, _ body: (SheetRow) throws -> Void) throws {
        switch XMLStartTag.local(name) {
        case "v", "t": capturing = false
        case "is": inInline = false
        case "rPh": phonetic -= 1
        case "c":
            let text = try cellText()
            if !text.isEmpty {
                while cells.count < column { cells.append("") }
                cells.append(text)
            }
        case "row":
            if cells.isEmpty {
                blankRun += 1
                if blankRun > limits.maxBlankRows { throw fail("more than \(limits.maxBlankRows) blank rows in a row") }
            } else {
                blankRun = 0
                try body(SheetRow(number: rowNumber, cells: cells, flags: flags))
            }
        default: break
        }
    }

    /// The finished cell's text by its type (shared string, inline, boolean, error, date or
    /// number); flags a number that is fractional or too long.
    mutating func cellText() throws -> String {
        switch type {
        case "s":
            guard !value.isEmpty else { return "" }
            guard let i = Int(value.sheetTrimmed), i >= 0, i < strings.count else {
                throw fail("shared string \(value) does not exist (\(strings.count) in the workbook)")
            }
            return strings[i]
        case "inlineStr", "str": return XLSXSheetReader.unescape(value)
        case "b": return value == "1" || value == "true" ? "TRUE" : value == "0" || value == "false" ? "FALSE" : value
        case "e", "d": return value
        default:
            let trimmed = value.sheetTrimmed
            if trimmed.isEmpty { return "" }
            if style < kinds.count, let kind = kinds[style], let serial = Double(trimmed),
               let date = SheetDate.render(serial, kind: kind, date1904: date1904) {
                return date
            }
            if let number = SheetNumber.exact(trimmed) {
                if !number.flags.isEmpty { flags[column] = number.flags }
                return number.text
            }
            return trimmed
        }
    }
}

extension String {
    /// Without leading and trailing ASCII spaces, tabs and line breaks.
    var sheetTrimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" || f == "\r\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" || l == "\r\n" { s = s.dropLast() }
        return String(s)
    }
}
