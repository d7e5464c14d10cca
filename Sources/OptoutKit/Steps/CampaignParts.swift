// The named pieces of a campaign build (CampaignJob): its recipients (the list or the single
// `to:` number), its message as pieces over one byte buffer, its output files, and the rows it
// writes. Input: a parsed template, the run state. Output: the pieces. Failures: a
// `CampaignRejection` (list not found or unusable, invalid `to:`, unknown placeholder), or
// `OptoutError` for I/O.

import OptoutPhone
import OptoutBase

/// Who a campaign goes to: its list (opened), or one number.
struct CampaignRecipients {
    var list: ContactListReader?
    var single: PhoneNumber?
    var listDisplay = ""
    var listPath = ""
    var sheetFile: WorkbookInput.SheetCSV?  // workbook hook (issue 14): the sheet's temp CSV, removed when released

    static func resolve(_ template: CampaignTemplate, state: RunState) throws -> CampaignRecipients {
        let ws = state.workspace
        var out = CampaignRecipients()
        if let listName = template.list {
            // x.csv, x.CSV, x.tsv or x.txt (ListFiles); names sharing a report were held before.
            guard let path = ListFiles.path(of: listName, in: ws), Durable.exists(path) else {
                let available = CampaignJob.availableLists(ws)
                let rejected = Durable.exists("\(ws.rejected(.lists))/\(listName).csv")
                    ? " (a list of that name was rejected: see inbox/lists/rejected/\(listName).csv.error.txt)" : ""
                throw CampaignRejection(reasons: ["line 1: list \"\(listName)\" not found\(rejected); lists available: \(available.isEmpty ? "none" : available.joined(separator: ", "))"])
            }
            // Workbook hook (issue 14): a .xlsx/.ods list is read from its `sheet:` (or first) sheet
            // through a temp CSV kept alive in `sheetFile`; a CSV list is opened as before.
            do {
                let source = try WorkbookInput.openList(path: path, display: state.display(path), sheet: template.sheet,
                                                        parser: state.parser, tempFolder: ws.tempFolder)
                (out.list, out.sheetFile, out.listDisplay, out.listPath) = (source.reader, source.sheetFile, source.display, source.readPath)
            } catch {
                throw CampaignRejection(reasons: ["list \"\(listName)\" cannot be used: \(state.display(path)): \(error.description)"])
            }
        } else if let to = template.to {
            switch state.parser.parse(to) {
            case .success(let number): out.single = number
            case .failure(let rejection):
                throw CampaignRejection(reasons: ["line \(template.toLine ?? 1): \"to: \(to)\" is not a valid number: \(rejection.reason)"])
            }
        }
        return out
    }
}

/// The message with placeholders resolved to columns, as plain values over one byte buffer
/// (literal text and fallbacks): rendering a row then does no reference counting.
/// Per row, the message is measured from its pieces (`measure`: segment figures, CSV quoting,
/// length; only the columns' cells are scanned) and written straight into the send row
/// (`writeCSVField`), byte for byte what `render` + `Segments.count` + `CSVWriter.appendField` give.
struct MessagePieces {
    struct Piece {
        enum Kind { case bytes, column, link }
        var kind: Kind; var start = 0; var end = 0; var column = 0; var hasFallback = false
        /// The literal's (text, or a column's fallback) segment figures and CSV quoting.
        var figures = Segments.Piece()
        var quoting: UInt8 = 0
    }
    var literals: [UInt8] = []
    var pieces: [Piece] = []

    /// The opt-out link of every row (the base, then a token of fixed length and alphabet).
    struct LinkFacts {
        var figures = Segments.Piece()
        var quoting: UInt8 = 0
        var bytes = 0
        var first: UInt8 = 0, last: UInt8 = 0

        /// `sampleToken`: any token (all share length and alphabet), empty without tokens.
        init(base: [UInt8], sampleToken: [UInt8]) {
            let url = base + sampleToken
            url.withUnsafeBufferPointer { u in
                figures = Segments.Piece(utf8: u)
                quoting = CSVWriter(audience: .machine).quoting(u)
            }
            bytes = url.count
            first = url.first ?? 0
            last = url.last ?? 0
        }

        /// Writes the url (base + token) as `CSVWriter(.machine).appendField` writes it after a
        /// delimiter, at `out`; returns where it ends. Room: 2 × base + token + 2.
        @inline(__always)
        func writeURLField(base: UnsafeBufferPointer<UInt8>, token: UnsafeBufferPointer<UInt8>,
                           to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
            let space = UInt8(ascii: " ")
            let quoted = quoting & CSVWriter.needsQuotes != 0 || first == space || last == space
            var o = out
            if quoted { o.pointee = UInt8(ascii: "\""); o += 1 }
            o = CSVWriter.writeQuotedInside(base, hasQuote: quoting & CSVWriter.hasQuote != 0, to: o)
            o = CSVWriter.writeQuotedInside(token, hasQuote: false, to: o)
            if quoted { o.pointee = UInt8(ascii: "\""); o += 1 }
            return o
        }
    }

    /// What one row's message is made of, before it is written.
    struct Measure {
        var figures = Segments.Piece()
        /// `CSVWriter.needsQuotes` / `hasQuote` of the whole message, a leading or trailing space included.
        var quoting: UInt8 = 0
        var bytes = 0
    }

    init(_ template: CampaignTemplate, list: ContactListReader?) throws {
        var unknown: [String] = []
        self.init(parts: template.parts, unknown: &unknown) { list?.columnIndex($0) }
        if !unknown.isEmpty, let list {
            let names = Diagnostics.list(unknown.map { "{\($0)}" }, noun: "placeholders")
            throw CampaignRejection(reasons: ["line \(template.bodyLine): unknown placeholder \(names); columns of list \"\(template.list ?? "")\": \(Diagnostics.list(list.columns)) (and {optout})"])
        }
    }

    /// The pieces of `parts`, each field resolved by `columnIndex`; `unknown`: the names it did not know.
    init(parts: [TemplatePart], unknown: inout [String], columnIndex: (String) -> Int?) {
        for part in parts {
            switch part {
            case .text(let t):
                pieces.append(Piece(kind: .bytes, start: literals.count, end: literals.count + t.utf8.count))
                literals.append(contentsOf: t.utf8)
            case .optOutLink:
                pieces.append(Piece(kind: .link))
            case .field(let name, let fallback):
                if let index = columnIndex(name) {
                    let f = Array((fallback ?? "").utf8)
                    pieces.append(Piece(kind: .column, start: literals.count, end: literals.count + f.count, column: index, hasFallback: fallback != nil))
                    literals.append(contentsOf: f)
                } else {
                    unknown.append(name)
                }
            }
        }
        let csv = CSVWriter(audience: .machine)
        literals.withUnsafeBufferPointer { lit in
            for i in pieces.indices where pieces[i].kind != .link {
                let bytes = UnsafeBufferPointer(rebasing: lit[pieces[i].start..<pieces[i].end])
                pieces[i].figures = Segments.Piece(utf8: bytes)
                pieces[i].quoting = csv.quoting(bytes)
            }
        }
    }

    /// Renders one recipient's message into `message` (cleared first).
    func render(into message: inout [UInt8], linkBase: [UInt8], token: UnsafeBufferPointer<UInt8>, fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        message.removeAll(keepingCapacity: true)
        literals.withUnsafeBufferPointer { lit in
            for piece in pieces {
                switch piece.kind {
                case .bytes:
                    message.append(contentsOf: UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]))
                case .column:
                    let value = fields(piece.column)
                    if value.isEmpty && piece.hasFallback {
                        message.append(contentsOf: UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]))
                    } else {
                        message.append(contentsOf: value)
                    }
                case .link:
                    message.append(contentsOf: linkBase)
                    message.append(contentsOf: token)
                }
            }
        }
    }
}

extension MessagePieces {
    /// The message of one row, measured from its pieces: the literals' figures were found once,
    /// only the columns' cells are scanned. `link`: the figures, quoting and length of the link
    /// (base and token), its first and last bytes.
    @inline(__always)
    func measure(link: LinkFacts, fields: (Int) -> UnsafeBufferPointer<UInt8>) -> Measure {
        var m = Measure()
        var first: UInt8? = nil, last: UInt8 = 0
        let csv = CSVWriter(audience: .machine)
        literals.withUnsafeBufferPointer { lit in
            for piece in pieces {
                switch piece.kind {
                case .bytes:
                    guard piece.end > piece.start else { continue }
                    m.figures.add(piece.figures)
                    m.quoting |= piece.quoting
                    m.bytes += piece.end - piece.start
                    if first == nil { first = lit[piece.start] }
                    last = lit[piece.end - 1]
                case .column:
                    let value = fields(piece.column)
                    if value.isEmpty {
                        guard piece.hasFallback, piece.end > piece.start else { continue }
                        m.figures.add(piece.figures)
                        m.quoting |= piece.quoting
                        m.bytes += piece.end - piece.start
                        if first == nil { first = lit[piece.start] }
                        last = lit[piece.end - 1]
                    } else {
                        m.figures.add(Segments.Piece(utf8: value))
                        m.quoting |= csv.quoting(value)
                        m.bytes += value.count
                        if first == nil { first = value[0] }
                        last = value[value.count - 1]
                    }
                case .link:
                    guard link.bytes > 0 else { continue }
                    m.figures.add(link.figures)
                    m.quoting |= link.quoting
                    m.bytes += link.bytes
                    if first == nil { first = link.first }
                    last = link.last
                }
            }
        }
        let space = UInt8(ascii: " ")
        if first == space || (m.bytes > 0 && last == space) { m.quoting |= CSVWriter.needsQuotes }
        return m
    }

    /// Writes the message as `CSVWriter(.machine).appendField` writes it after a delimiter
    /// (quoted as `measure` found), at `out`; returns where it ends. Room: 2 × bytes + 2.
    @inline(__always)
    func writeCSVField(_ measure: Measure, linkBase: UnsafeBufferPointer<UInt8>, token: UnsafeBufferPointer<UInt8>,
                       fields: (Int) -> UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let quoted = measure.quoting & CSVWriter.needsQuotes != 0
        let doubles = measure.quoting & CSVWriter.hasQuote != 0
        var o = out
        if quoted { o.pointee = UInt8(ascii: "\""); o += 1 }
        literals.withUnsafeBufferPointer { lit in
            for piece in pieces {
                switch piece.kind {
                case .bytes:
                    o = CSVWriter.writeQuotedInside(UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]), hasQuote: doubles, to: o)
                case .column:
                    let value = fields(piece.column)
                    let bytes = value.isEmpty && piece.hasFallback ? UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]) : value
                    o = CSVWriter.writeQuotedInside(bytes, hasQuote: doubles, to: o)
                case .link:
                    o = CSVWriter.writeQuotedInside(linkBase, hasQuote: doubles, to: o)
                    o = CSVWriter.writeQuotedInside(token, hasQuote: false, to: o)
                }
            }
        }
        if quoted { o.pointee = UInt8(ascii: "\""); o += 1 }
        return o
    }
}

/// A campaign's output files, open as temp files with their header rows written.
struct CampaignOutputs {
    let sendPath: String, linksPath: String, skippedPath: String, reportPath: String
    let sendFile: AtomicFile
    let linksFile: AtomicFile?
    let skippedFile: AtomicFile
    /// The skipped rows measured for their .xlsx twin as they are written (issue 13: the twin
    /// then reads the skipped file once, not twice).
    let skippedMeasure: PeopleWorkbookTwin.RowMeasure
    static let skippedHeaders = ["line", "phone", "reason"]

    init(name: String, workspace ws: Workspace, links: Bool) throws(OptoutError) {
        func path(_ kind: CampaignOutput) -> String { "\(ws.root)/\(OutputNames.campaignPath(kind, name: name))" }
        (sendPath, linksPath, skippedPath, reportPath) = (path(.send), path(.links), path(.skipped), path(.report))
        // Past the page cache (issue 13): written once and fsynced (the skipped file is read back
        // once, by its twin, from the disk).
        sendFile = try AtomicFile(path: sendPath, direct: true)
        linksFile = links ? try AtomicFile(path: linksPath, direct: true) : nil
        skippedFile = try AtomicFile(path: skippedPath, direct: true)
        try sendFile.write("phone,message,segments,encoding\n")
        try linksFile?.write("phone,token,url\n")
        try skippedFile.write(CSVWriter.utf8BOM)
        try skippedFile.write(Self.skippedHeaders.joined(separator: ",") + "\r\n")
        skippedMeasure = PeopleWorkbookTwin.RowMeasure(headers: Self.skippedHeaders, stopsWhenFull: true)
    }
}
