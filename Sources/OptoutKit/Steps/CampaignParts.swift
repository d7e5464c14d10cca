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
struct MessagePieces {
    struct Piece { enum Kind { case bytes, column, link }; var kind: Kind; var start = 0; var end = 0; var column = 0; var hasFallback = false }
    var literals: [UInt8] = []
    var pieces: [Piece] = []

    init(_ template: CampaignTemplate, list: ContactListReader?) throws {
        var unknown: [String] = []
        for part in template.parts {
            switch part {
            case .text(let t):
                pieces.append(Piece(kind: .bytes, start: literals.count, end: literals.count + t.utf8.count))
                literals.append(contentsOf: t.utf8)
            case .optOutLink:
                pieces.append(Piece(kind: .link))
            case .field(let name, let fallback):
                if let index = list?.columnIndex(name) {
                    let f = Array((fallback ?? "").utf8)
                    pieces.append(Piece(kind: .column, start: literals.count, end: literals.count + f.count, column: index, hasFallback: fallback != nil))
                    literals.append(contentsOf: f)
                } else {
                    unknown.append(name)
                }
            }
        }
        if !unknown.isEmpty, let list {
            let names = Diagnostics.list(unknown.map { "{\($0)}" }, noun: "placeholders")
            throw CampaignRejection(reasons: ["line \(template.bodyLine): unknown placeholder \(names); columns of list \"\(template.list ?? "")\": \(Diagnostics.list(list.columns)) (and {optout})"])
        }
    }

    /// Renders one recipient's message into `message` (cleared first).
    func render(into message: inout [UInt8], linkBase: [UInt8], token: [UInt8], fields: (Int) -> UnsafeBufferPointer<UInt8>) {
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

/// A campaign's output files, open as temp files with their header rows written.
struct CampaignOutputs {
    let sendPath: String, linksPath: String, skippedPath: String, reportPath: String
    let sendFile: AtomicFile
    let linksFile: AtomicFile?
    let skippedFile: AtomicFile

    init(name: String, workspace ws: Workspace, links: Bool) throws(OptoutError) {
        func path(_ kind: CampaignOutput) -> String { "\(ws.root)/\(OutputNames.campaignPath(kind, name: name))" }
        (sendPath, linksPath, skippedPath, reportPath) = (path(.send), path(.links), path(.skipped), path(.report))
        sendFile = try AtomicFile(path: sendPath)
        linksFile = links ? try AtomicFile(path: linksPath) : nil
        skippedFile = try AtomicFile(path: skippedPath)
        try sendFile.write("phone,message,segments,encoding\n")
        try linksFile?.write("phone,token,url\n")
        try skippedFile.write(CSVWriter.utf8BOM)
        try skippedFile.write("line,phone,reason\r\n")
    }
}
