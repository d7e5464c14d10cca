// Campaign row output: one row of a campaign's recipients → its send row (and link row), or a
// skipped row, appended to byte buffers, with the figures of those rows. The per-row emit of a
// campaign lives here (`recipient`): what a later hook needs per send row (the number, the
// rendered message) is at hand there, and the buffers it appends to are published in input order
// by CampaignPipeline's ordered writer.
// Input: a row's line, phone cell, whether it is blank or a duplicate (and of which line), its
// fields; the read-only `CampaignRowContext` (message, link tokens, ledger, parser). Output: bytes
// in `send`, `links`, `skipped`, a `CampaignTally`, and a `ListCheck` when the list report is due.
// Failures: none (appends only; the writer does the I/O).

import OptoutPhone
import OptoutBase

/// What every row of one campaign shares, read-only during the pass (so worker threads may read
/// it at once: nothing in it, the ledger included, is written while a pass runs).
final class CampaignRowContext: @unchecked Sendable {
    let message: MessagePieces
    let tokens: LinkTokens?
    let linkBase: [UInt8]
    let maxSegments: Int?
    let ledger: Ledger
    let parser: PhoneNumberParser
    let checksList: Bool

    init(message: MessagePieces, tokens: LinkTokens?, linkBase: [UInt8], maxSegments: Int?, ledger: Ledger,
         parser: PhoneNumberParser, checksList: Bool) {
        (self.message, self.tokens, self.linkBase, self.maxSegments) = (message, tokens, linkBase, maxSegments)
        (self.ledger, self.parser, self.checksList) = (ledger, parser, checksList)
    }

    func optedOutReason(_ number: PhoneNumber) -> String {
        guard let since = ledger.state.state(of: number) else { return "opted out" }
        return "opted out on \(since.since.iso8601) (\(since.source.webhookName ?? "import"))"
    }
}

/// Why a row was skipped (the category the report counts it under).
enum CampaignSkip: Int, CaseIterable {
    case blank, invalid, duplicate, optedOut, tooLong

    var category: String {
        switch self {
        case .blank: CampaignJob.skipBlank
        case .invalid: "invalid number"
        case .duplicate: CampaignJob.skipDuplicate
        case .optedOut: CampaignJob.skipOptedOut
        case .tooLong: CampaignJob.skipTooLong
        }
    }
}

/// The figures of some rows, added up in input order.
struct CampaignTally {
    var rows = 0
    var toSend = 0
    var segments = 0
    var gsmMessages = 0
    var ucsMessages = 0
    var skipped = [Int](repeating: 0, count: CampaignSkip.allCases.count)
    /// The first opt-out link written.
    var sampleLink: [UInt8]?

    mutating func add(_ other: CampaignTally) {
        rows += other.rows
        toSend += other.toSend
        segments += other.segments
        gsmMessages += other.gsmMessages
        ucsMessages += other.ucsMessages
        for i in skipped.indices { skipped[i] += other.skipped[i] }
        if sampleLink == nil { sampleLink = other.sampleLink }
    }

    /// Into the summary (categories never met stay absent).
    func apply(to summary: inout CampaignSummary) {
        summary.rowsRead += rows
        summary.toSend += toSend
        summary.segments += segments
        summary.gsmMessages += gsmMessages
        summary.ucsMessages += ucsMessages
        for kind in CampaignSkip.allCases where skipped[kind.rawValue] > 0 {
            summary.skipped[kind.category, default: 0] += skipped[kind.rawValue]
        }
        if summary.sampleLink == nil, let sampleLink { summary.sampleLink = String(decoding: sampleLink, as: UTF8.self) }
    }
}

extension ListCheck {
    /// Adds what a later stretch of the same list found (problems kept in line order, capped).
    mutating func append(_ later: ListCheck) {
        rows += later.rows
        valid += later.valid
        for (category, count) in later.counts { counts[category, default: 0] += count }
        let room = max(0, 200 - problems.count)
        problems.append(contentsOf: later.problems.prefix(room))
    }
}

/// Rows rendered into byte buffers; reused from chunk to chunk (`reset` keeps the capacity).
struct CampaignRowOutput {
    var send: [UInt8] = []
    var links: [UInt8] = []
    var skipped: [UInt8] = []
    var tally = CampaignTally()
    var check = ListCheck()
    private var text: [UInt8] = []
    private var row: [UInt8] = []
    private var token: [UInt8] = []
    private var url: [UInt8] = []
    private static let machine = CSVWriter(audience: .machine)
    private static let people = CSVWriter(audience: .people)
    private static let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let gsmName = Array("GSM-7".utf8), ucsName = Array("UCS-2".utf8)

    init() {
        text.reserveCapacity(1024)
        row.reserveCapacity(2048)
        token.reserveCapacity(LinkTokens.length)
    }

    mutating func reset() {
        send.removeAll(keepingCapacity: true)
        links.removeAll(keepingCapacity: true)
        skipped.removeAll(keepingCapacity: true)
        tally = CampaignTally()
        check = ListCheck()
    }

    /// One row of a list: classified (its phone cell parsed), then skipped or emitted.
    /// `duplicateOf`: the line of the first row with the same number, or 0.
    mutating func listRow(line: Int, phone: UnsafeBufferPointer<UInt8>, rowIsBlank: Bool, duplicateOf: Int,
                          context: CampaignRowContext, fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        tally.rows += 1
        switch ContactListReader.classify(phone, rowIsBlank: rowIsBlank, parser: context.parser) {
        case .blank:
            if context.checksList { check.blank(line) }
            skip(line, "", .blank, "blank row")
        case .invalid(let rejection):
            if context.checksList { check.invalid(line, raw: String(decoding: phone, as: UTF8.self), rejection) }
            skip(line, phone: phone, .invalid, rejection.reason)
        case .number(let number):
            if duplicateOf > 0 {
                if context.checksList { check.duplicate(line, number, of: duplicateOf) }
                skip(line, number.e164, .duplicate, "duplicate of line \(duplicateOf)")
            } else if context.ledger.isOptedOut(number) {
                if context.checksList { check.optedOut(line, number) }
                skip(line, number.e164, .optedOut, context.optedOutReason(number))
            } else {
                if context.checksList { check.textable() }
                recipient(number, line: line, context: context, fields: fields)
            }
        }
    }

    mutating func skip(_ line: Int, _ phone: String, _ kind: CampaignSkip, _ reason: String) {
        var phone = phone
        phone.withUTF8 { skip(line, phone: $0, kind, reason) }
    }

    /// A skipped row: line, phone cell, reason, as `CSVWriter(.people).appendRow` writes them
    /// (the line is digits: never quoted nor guarded), without a String per field.
    mutating func skip(_ line: Int, phone: UnsafeBufferPointer<UInt8>, _ kind: CampaignSkip, _ reason: String) {
        tally.skipped[kind.rawValue] += 1
        row.removeAll(keepingCapacity: true)
        appendDecimal(line, to: &row)
        Self.people.appendField(phone, to: &row)
        var reason = reason
        reason.withUTF8 { Self.people.appendField($0, to: &row) }
        Self.people.endRow(to: &row)
        skipped.append(contentsOf: row)
    }

    /// THE per-recipient emit: renders one recipient's message and appends its send row (and link
    /// row), or skips it when the message is too long.
    mutating func recipient(_ number: PhoneNumber, line: Int, context: CampaignRowContext, fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        token.removeAll(keepingCapacity: true)
        if let tokens = context.tokens { tokens.appendToken(for: number, to: &token) }
        context.message.render(into: &text, linkBase: context.linkBase, token: token, fields: fields)
        let count = text.withUnsafeBytes { Segments.count(utf8: $0) }
        if let maxSegments = context.maxSegments, count.segments > maxSegments {
            skip(line, number.e164, .tooLong, "message too long: \(count.segments) segments (max_segments is \(maxSegments))")
            return
        }
        if context.tokens != nil {
            url.removeAll(keepingCapacity: true)
            url.append(contentsOf: context.linkBase)
            url.append(contentsOf: token)
            if tally.sampleLink == nil { tally.sampleLink = url }
            row.removeAll(keepingCapacity: true)
            number.appendE164(to: &row)
            row.append(Self.comma)
            row.append(contentsOf: token)
            url.withUnsafeBufferPointer { Self.machine.appendField($0, to: &row) }  // writes its delimiter
            row.append(Self.newline)
            links.append(contentsOf: row)
        }
        tally.toSend += 1
        tally.segments += count.segments
        if count.encoding == .gsm7 { tally.gsmMessages += 1 } else { tally.ucsMessages += 1 }
        row.removeAll(keepingCapacity: true)
        number.appendE164(to: &row)
        text.withUnsafeBufferPointer { Self.machine.appendField($0, to: &row) }  // writes its delimiter
        row.append(Self.comma)
        appendDecimal(count.segments, to: &row)
        row.append(Self.comma)
        row.append(contentsOf: count.encoding == .gsm7 ? Self.gsmName : Self.ucsName)
        row.append(Self.newline)
        send.append(contentsOf: row)
    }
}
