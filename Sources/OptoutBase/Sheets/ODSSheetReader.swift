// ODSSheetReader.swift: reads the tables of an OpenDocument spreadsheet (.ods) row by row.
//
// Input: a ZIP archive with content.xml. Output: `SheetRow`s through a callback, streamed from
// content.xml (never buffered whole): table:table in document order, rows inside header rows and
// row groups, table:number-rows-repeated and number-columns-repeated expanded (blank repeats cost
// nothing: LibreOffice pads sheets to 1048576 rows), covered (merged) cells as "", cells by
// office:value-type: float, percentage and currency as the exact office:value text (flagged when
// fractional or beyond 15 significant digits), date as office:date-value, time as HH:MM:SS,
// boolean as TRUE/FALSE, strings as their text:p paragraphs joined by LF (text:s spaces,
// text:tab, text:line-break, spans and links; annotations skipped). Failures: `SheetError` naming
// the table and row: no content.xml, damaged archive or XML, the caps of `SheetLimits` (columns,
// repeats of a non-blank row, cell size).

/// An .ods workbook.
package final class ODSSheetReader: SheetWorkbook {
    package let limits: SheetLimits
    private let zip: ZipReader
    private var tables: [SheetInfo]?

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
        guard zip.entry(named: "content.xml") != nil else {
            throw SheetError(reason: "no content.xml: not an OpenDocument spreadsheet")
        }
    }

    /// The tables in document order (found by one pass over content.xml, on first use).
    package var sheets: [SheetInfo] {
        if let tables { return tables }
        var found: [SheetInfo] = []
        try? XLSXSheetReader.scan(zip, "content.xml") { event in
            if case .start(let tag) = event, tag.name == "table:table" {
                found.append(SheetInfo(name: tag.attribute("table:name") ?? "Sheet\(found.count + 1)", index: found.count,
                                       hidden: false, part: "content.xml"))
            }
        }
        tables = found
        return found
    }

    /// Signals that the wanted table has been read.
    private struct Done: Error {}

    package func read(_ sheet: SheetInfo, _ body: (SheetRow) throws -> Void) throws {
        do {
            try readTables { info, row in
                if info.index == sheet.index { try body(row) } else if info.index > sheet.index { throw Done() }
            } tableEnded: { info in
                if info.index >= sheet.index { throw Done() }
            }
        } catch is Done {}
    }

    /// Every table's rows in one pass over content.xml.
    package func readAll(_ body: (SheetInfo, SheetRow) throws -> Void) throws {
        try readTables(body, tableEnded: { _ in })
    }

    private func readTables(_ body: (SheetInfo, SheetRow) throws -> Void, tableEnded: (SheetInfo) throws -> Void) throws {
        var state = ODSTableState(limits: limits)
        try XLSXSheetReader.scan(zip, "content.xml", sheet: nil, row: { state.rowNumber + 1 }) { event in
            switch event {
            case .start(let tag): state.start(tag)
            case .text(let t): try state.text(t)
            case .end(let name): try state.end(name, body, tableEnded: tableEnded)
            }
        }
    }

    /// "PT17H40M05S" → "17:40:05" (hours beyond a day kept); other text as written.
    static func time(_ value: String) -> String {
        guard value.hasPrefix("PT") else { return value }
        var hours = 0, minutes = 0, seconds = 0
        var number = ""
        for c in value.dropFirst(2) {
            switch c {
            case "H": hours = Int(number) ?? 0; number = ""
            case "M": minutes = Int(number) ?? 0; number = ""
            case "S": seconds = Int(Double(number)?.rounded() ?? 0); number = ""
            default: number.append(c)
            }
        }
        return SheetDate.pad(hours) + ":" + SheetDate.pad(minutes) + ":" + SheetDate.pad(seconds)
    }
}

/// content.xml's reading state: the table, row and cell being built from the XML events.
private struct ODSTableState {
    let limits: SheetLimits
    var table: SheetInfo?
    var tableCount = 0
    var rowNumber = 0
    var rowRepeat = 1
    var cells: [String] = []
    var flags: [Int: SheetCellFlags] = [:]
    var pendingBlank = 0
    var inCell = false
    var cellRepeat = 1
    var cellValue: String?
    var cellFlags: SheetCellFlags = []
    var text = ""
    var paragraphs = 0
    var inParagraph = 0
    var annotation = 0

    init(limits: SheetLimits) { self.limits = limits }

    func fail(_ reason: String) -> SheetError { SheetError(sheet: table?.name, row: rowNumber + 1, reason: reason) }

    mutating func start(_ tag: XMLStartTag) {
        if annotation > 0 {
            if tag.name == "office:annotation" { annotation += 1 }
            return
        }
        switch tag.name {
        case "table:table":
            table = SheetInfo(name: tag.attribute("table:name") ?? "Sheet\(tableCount + 1)", index: tableCount,
                              hidden: false, part: "content.xml")
            tableCount += 1
            rowNumber = 0
        case "table:table-row":
            rowRepeat = max(1, tag.attribute("table:number-rows-repeated").flatMap { Int($0) } ?? 1)
            cells = []
            flags = [:]
            pendingBlank = 0
        case "table:table-cell", "table:covered-table-cell": startCell(tag)
        case "office:annotation": annotation = 1
        case "text:p", "text:h":
            if inCell {
                if paragraphs > 0 { text += "\n" }
                paragraphs += 1
                inParagraph += 1
            }
        case "text:s":
            if inCell { text += String(repeating: " ", count: min(max(1, tag.attribute("text:c").flatMap { Int($0) } ?? 1), limits.maxCellBytes)) }
        case "text:tab": if inCell { text += "\t" }
        case "text:line-break": if inCell { text += "\n" }
        default: break
        }
    }

    /// A cell's repeat and, by office:value-type, its value (nil for a string or empty cell: the
    /// text of its paragraphs).
    mutating func startCell(_ tag: XMLStartTag) {
        inCell = true
        cellRepeat = max(1, tag.attribute("table:number-columns-repeated").flatMap { Int($0) } ?? 1)
        cellFlags = []
        text = ""
        paragraphs = 0
        inParagraph = 0
        switch tag.attribute("office:value-type") {
        case "float", "percentage", "currency":
            let raw = tag.attribute("office:value") ?? ""
            if let number = SheetNumber.exact(raw) {
                cellValue = number.text
                cellFlags = number.flags
            } else {
                cellValue = raw
            }
        case "date": cellValue = tag.attribute("office:date-value") ?? ""
        case "time": cellValue = ODSSheetReader.time(tag.attribute("office:time-value") ?? "")
        case "boolean":
            let v = tag.attribute("office:boolean-value") ?? ""
            cellValue = v == "true" ? "TRUE" : v == "false" ? "FALSE" : v
        default: cellValue = nil
        }
    }

    mutating func text(_ t: String) throws {
        guard inCell && annotation == 0 && inParagraph > 0 else { return }
        text += t
        if text.utf8.count > limits.maxCellBytes { throw fail("a cell longer than \(limits.maxCellBytes) bytes") }
    }

    mutating func end(_ name: String, _ body: (SheetInfo, SheetRow) throws -> Void,
                      tableEnded: (SheetInfo) throws -> Void) throws {
        if annotation > 0 {
            if name == "office:annotation" { annotation -= 1 }
            return
        }
        switch name {
        case "text:p", "text:h":
            if inParagraph > 0 { inParagraph -= 1 }
        case "table:table-cell", "table:covered-table-cell": try endCell()
        case "table:table-row": try endRow(body)
        case "table:table":
            if let current = table { try tableEnded(current) }
            table = nil
        default: break
        }
    }

    /// Adds the cell `cellRepeat` times; blank cells only count until a later one has a value.
    mutating func endCell() throws {
        inCell = false
        let value = cellValue ?? text
        if value.isEmpty {
            pendingBlank += cellRepeat
            return
        }
        if cells.count + pendingBlank + cellRepeat > limits.maxColumns {
            throw fail("more than \(limits.maxColumns) columns")
        }
        cells.append(contentsOf: repeatElement("", count: pendingBlank))
        pendingBlank = 0
        for _ in 0..<cellRepeat {
            if !cellFlags.isEmpty { flags[cells.count] = cellFlags }
            cells.append(value)
        }
    }

    /// Delivers the row `rowRepeat` times (a blank row's repeats only advance the row number).
    mutating func endRow(_ body: (SheetInfo, SheetRow) throws -> Void) throws {
        guard let current = table else { return }
        if cells.isEmpty {
            rowNumber += rowRepeat
            return
        }
        if rowRepeat > limits.maxRepeatedRows {
            throw fail("a row repeated \(rowRepeat) times, more than the \(limits.maxRepeatedRows) allowed")
        }
        for _ in 0..<rowRepeat {
            rowNumber += 1
            try body(current, SheetRow(number: rowNumber, cells: cells, flags: flags))
        }
    }
}

/// Opens a workbook by its content: an .xlsx (workbook part) or an .ods (content.xml).
package enum SheetWorkbooks {
    package static func open(path: String, limits: SheetLimits = SheetLimits()) throws -> SheetWorkbook {
        let zip: ZipReader
        do { zip = try ZipReader(path: path, limits: limits.zip) } catch let error as ZipError {
            throw SheetError(reason: "not a readable workbook: \(error)")
        }
        if zip.entry(named: "content.xml") != nil && zip.entry(named: "xl/workbook.xml") == nil {
            return try ODSSheetReader(zip: zip, limits: limits)
        }
        return try XLSXSheetReader(zip: zip, limits: limits)
    }
}
