// Campaign row output: one row of a campaign's recipients → its send row (and link row), or a
// skipped row, appended to byte buffers, with the figures of those rows. The per-row emit of a
// campaign lives here (`recipient`): what a later hook needs per send row (the number, the
// rendered message) is at hand there, and the buffers it appends to are published in input order
// by CampaignPipeline's ordered writer.
// Input: a row's line, phone cell, whether it is blank or a duplicate (and of which line), its
// fields; the read-only `CampaignRowContext` (message, link tokens, ledger, parser). Output: bytes
// in `send`, `links`, `skipped`, a `CampaignTally`, and a `ListCheck` when the list report is due.
// Feature hooks (each marked where it is): the row's region from a country column, UCS-2 culprits,
// the keys of numbers sent, quiet-hours routing (held rows, each send row's time) and a preview's
// first rows; the caching parts (CountryColumn, ScheduledSend.Router) are copied per output, so
// worker threads never share them.
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
    // Feature hooks, set before the pass and read-only during it:
    /// Country column (issue 14): each output parses through its own copy (CountryColumn caches).
    var country: CountryColumn?
    /// Quiet hours (issue 16): the campaign's routing; each output routes through its own copy.
    var router: ScheduledSend.Router?
    /// Campaign keys (issue 17): each sent number's value is kept for CampaignKeys.
    var recordsKeys = false
    /// Previews (issue 14): the first rows and the segments histogram are kept (PreviewCollected).
    var collectsPreview = false

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
    case blank, invalid, duplicate, optedOut, tooLong, invalidState

    var category: String {
        switch self {
        case .blank: CampaignJob.skipBlank
        case .invalid: "invalid number"
        case .duplicate: CampaignJob.skipDuplicate
        case .optedOut: CampaignJob.skipOptedOut
        case .tooLong: CampaignJob.skipTooLong
        case .invalidState: ScheduledSend.skipState  // quiet hours (issue 16)
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
    /// UCS-2 culprits (issue 14) of these rows' messages.
    var ucs2 = UCS2Culprits()

    mutating func add(_ other: CampaignTally) {
        rows += other.rows
        toSend += other.toSend
        segments += other.segments
        gsmMessages += other.gsmMessages
        ucsMessages += other.ucsMessages
        for i in skipped.indices { skipped[i] += other.skipped[i] }
        if sampleLink == nil { sampleLink = other.sampleLink }
        ucs2.add(other.ucs2)
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
        summary.ucs2.add(ucs2)
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
    // Feature hooks (outputs of the rows, published in order by CampaignOrderedWriter):
    /// Campaign keys (issue 17): the value of each number sent, in row order.
    var keys: [UInt64] = []
    /// Quiet hours (issue 16): per send row, its UTC time (seconds) and where it ends in `send`.
    var slots: [(seconds: Int64, end: Int)] = []
    /// Quiet hours: the rows held (zone unknown, no allowed time).
    var held: [(line: Int, phone: String, reason: String)] = []
    /// Previews (issue 14): the first rows and the histogram.
    var preview = PreviewCollected()
    /// This output's own copies of the context's caching parts (never shared between threads).
    private var country: CountryColumn?
    private var router: ScheduledSend.Router?
    private var text: [UInt8] = []
    private var row: [UInt8] = []
    private var token: [UInt8] = []
    private var url: [UInt8] = []
    private static let machine = CSVWriter(audience: .machine)
    private static let people = CSVWriter(audience: .people)
    private static let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let gsmName = Array("GSM-7".utf8), ucsName = Array("UCS-2".utf8)

    /// `context`: the campaign whose country column and routing this output copies (nil: none).
    init(_ context: CampaignRowContext? = nil) {
        country = context?.country?.copy()
        router = context?.router
        preview.collects = context?.collectsPreview ?? false
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
        keys.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        preview = PreviewCollected(collects: preview.collects)
    }

    /// One row of a list: classified (its phone cell parsed), then skipped or emitted.
    /// `duplicateOf`: the line of the first row with the same number, or 0.
    /// `countryCell`: the row's country cell when the list has a country column (issue 14).
    mutating func listRow(line: Int, phone: UnsafeBufferPointer<UInt8>, rowIsBlank: Bool, duplicateOf: Int,
                          context: CampaignRowContext, countryCell: UnsafeBufferPointer<UInt8>? = nil, known: PhoneNumber? = nil,
                          fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        tally.rows += 1
        // Issue 13 hook (helper A): `known`, the number the duplicates pass parsed from this cell (CampaignRowSpool), is not parsed again.
        let number = if let known { RowNumber.number(known) } else { ContactListReader.classify(phone, rowIsBlank: rowIsBlank, parser: context.parser, country: country, countryCell: countryCell) }
        switch number {
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
        if preview.collects { preview.skipped(line: line, phone: phone, reason: reason) }  // preview hook (issue 14)
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
        // Quiet hours hook (issue 16): a bad `state` cell skips, an unknown zone holds, else a time.
        var slot: Int64? = nil
        if router != nil {
            let cell = router!.stateColumn.map { String(decoding: fields($0), as: UTF8.self) }
            switch router!.route(number, state: cell) {
            case .skip(let reason): skip(line, number.e164, .invalidState, reason); return
            case .held(let reason): held.append((line, number.e164, reason)); return
            case .at(let time): slot = time.seconds
            }
        }
        token.removeAll(keepingCapacity: true)
        if let tokens = context.tokens { tokens.appendToken(for: number, to: &token) }
        context.message.render(into: &text, linkBase: context.linkBase, token: token, fields: fields)
        let count = text.withUnsafeBytes { Segments.count(utf8: $0) }
        if count.encoding == .ucs2 { text.withUnsafeBytes { tally.ucs2.record(utf8: $0, count: count, maxSegments: context.maxSegments) } }  // UCS-2 culprits (issue 14)
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
        if context.recordsKeys { keys.append(number.value) }  // issue 17 hook: the campaign's record of numbers sent
        if preview.collects { preview.message(number, line: line, text: text, count: count) }  // preview hook (issue 14)
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
        if let slot { slots.append((slot, send.count)) }  // quiet hours hook: the row's send file
    }
}

/// Previews (issue 14): what a preview shows of some rows — the segments histogram of the
/// messages, the first messages and the first skipped rows (at most `PreviewRows.shown` each).
struct PreviewCollected {
    var collects = false
    var histogram: [Int: Int] = [:]
    var messages: [PreviewMessage] = []
    var skips: [(line: Int, phone: String, reason: String)] = []

    mutating func skipped(line: Int, phone: UnsafeBufferPointer<UInt8>, reason: String) {
        if skips.count < PreviewRows.shown { skips.append((line, String(decoding: phone, as: UTF8.self), reason)) }
    }

    mutating func message(_ number: PhoneNumber, line: Int, text: [UInt8], count: SegmentCount) {
        histogram[count.segments, default: 0] += 1
        if messages.count < PreviewRows.shown {
            messages.append(PreviewMessage(line: line, phone: number.e164, text: String(decoding: text, as: UTF8.self),
                                           segments: count.segments, encoding: count.encoding))
        }
    }
}
