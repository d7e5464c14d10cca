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
// Per recipient (issue 13): the number's E.164 bytes and token are written once on the stack, the
// message is measured from its pieces (`MessagePieces.measure`: only the cells are scanned) and
// written straight into the send row; it is rendered whole only when a hook needs its text
// (UCS-2 culprits, previews) or its segments depend on where a pair falls.
// Failures: none (appends only; the writer does the I/O).

import OptoutPhone
import OptoutBase
import Synchronization

/// The parts of `CampaignRowContext` a recipient's rows are written from (see `rendering`).
struct RowRendering {
    let message: MessagePieces
    let tokens: LinkTokens?
    let linkBase: [UInt8]
    let link: MessagePieces.LinkFacts
    let maxSegments: Int?
}

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
    /// The link's figures for `MessagePieces.measure` (every token has the same length and alphabet).
    let link: MessagePieces.LinkFacts
    /// What `recipient` reads for every row, as one value: taken once per chunk and passed down as
    /// an argument, so no row retains and releases the message's buffers (a property of this
    /// shared object is retained at every use; both workers doing so kept one cache line moving).
    let rendering: RowRendering
    /// Set once the list check merged so far holds every problem its report shows: later chunks
    /// only count theirs (issue 13: each chunk of 2,048 rows made its own 200 texts).
    let listProblemsTaken = Atomic<Bool>(false)
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
        link = MessagePieces.LinkFacts(base: linkBase, sampleToken: tokens == nil ? [] : [UInt8](repeating: UInt8(ascii: "0"), count: LinkTokens.length))
        rendering = RowRendering(message: message, tokens: tokens, linkBase: linkBase, link: link, maxSegments: maxSegments)
        ledger.prepareLookups()  // before any output copies the state: they share its filter
    }

    func optedOutReason(_ number: PhoneNumber) -> String {
        guard let state = ledger.state.state(of: number) else { return "opted out" }
        return Self.optedOutReason(state)
    }

    /// The reason of a row skipped as opted out: it depends on the time and source only.
    static func optedOutReason(_ state: NumberState) -> String {
        "opted out on \(state.since.iso8601) (\(state.source.webhookName ?? "import"))"
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
        blankRows += later.blankRows
        invalidRows += later.invalidRows
        duplicateRows += later.duplicateRows
        optedOutRows += later.optedOutRows
        let room = max(0, ListCheck.problemsShown - problems.count)
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
    private var lastOptOut: (since: Timestamp, source: EventSource, reason: String)? = nil
    /// The ledger's suppression state, this output's own reference to it: read through a stored
    /// property of the output, not through the shared ledger object, a lookup retains and releases
    /// nothing (two workers' reference counting on one table would fight over its cache line).
    /// (nil for an output made without a context: it asks the context's ledger.)
    private var suppressions: SuppressionState?
    private var row: [UInt8] = []
    private static let machine = CSVWriter(audience: .machine)
    private static let people = CSVWriter(audience: .people)
    private static let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let gsmName: StaticString = "GSM-7", ucsName: StaticString = "UCS-2"

    @inline(__always)
    private static func put(_ bytes: UnsafeBufferPointer<UInt8>, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard let base = bytes.baseAddress else { return out }
        out.update(from: base, count: bytes.count)
        return out + bytes.count
    }

    @inline(__always)
    private static func put(_ text: StaticString, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        return out + text.utf8CodeUnitCount
    }

    /// `context`: the campaign whose country column and routing this output copies (nil: none).
    init(_ context: CampaignRowContext? = nil) {
        country = context?.country?.copy()
        router = context?.router
        suppressions = context?.ledger.state
        preview.collects = context?.collectsPreview ?? false
        text.reserveCapacity(1024)
        row.reserveCapacity(2048)
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

    /// Whether each of `numbers` (PhoneNumber values; 0 for none, never opted out) is opted out,
    /// into `flags`. One batch of independent lookups (issue 13): the processor overlaps their
    /// cache misses, where a lookup between two rows' rendering waits on memory alone.
    func optedOut(_ numbers: [UInt64], into flags: inout [Bool], context: CampaignRowContext) {
        let state = suppressions ?? context.ledger.state
        numbers.withUnsafeBufferPointer { state.optedOut($0, into: &flags) }
    }

    private func isOptedOut(_ number: PhoneNumber, context: CampaignRowContext) -> Bool {
        if let suppressions { return suppressions.isOptedOut(number) }
        return context.ledger.isOptedOut(number)
    }

    /// One row of a list: classified (its phone cell parsed), then skipped or emitted.
    /// `duplicateOf`: the line of the first row with the same number, or 0.
    /// `countryCell`: the row's country cell when the list has a country column (issue 14).
    /// `known`: the number already parsed from this cell, and `knownOptedOut` whether it is opted
    /// out (looked up by `optedOut(_:into:)`).
    mutating func listRow(line: Int, phone: UnsafeBufferPointer<UInt8>, rowIsBlank: Bool, duplicateOf: Int,
                          context: CampaignRowContext, countryCell: UnsafeBufferPointer<UInt8>? = nil, known: PhoneNumber? = nil,
                          knownOptedOut: Bool = false, rendering: RowRendering, fields: (Int) -> UnsafeBufferPointer<UInt8>) {
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
                skip(line, number, .duplicate, "duplicate of line \(duplicateOf)")
            } else if known != nil ? knownOptedOut : isOptedOut(number, context: context) {
                if context.checksList { check.optedOut(line, number) }
                skip(line, number, .optedOut, optedOutReason(number, context: context))
            } else {
                if context.checksList { check.textable() }
                recipient(number, line: line, context: context, rendering: rendering, fields: fields)
            }
        }
    }

    /// `CampaignRowContext.optedOutReason`, the last one reused while the time and source are the
    /// same (an import opts out thousands of numbers at one time): one String per distinct opt-out.
    private mutating func optedOutReason(_ number: PhoneNumber, context: CampaignRowContext) -> String {
        guard let state = (suppressions ?? context.ledger.state).state(of: number) else { return "opted out" }
        if let last = lastOptOut, last.since == state.since, last.source == state.source { return last.reason }
        let reason = CampaignRowContext.optedOutReason(state)
        lastOptOut = (state.since, state.source, reason)
        return reason
    }

    /// A skipped row of a number: its E.164 form written on the stack (no String).
    mutating func skip(_ line: Int, _ number: PhoneNumber, _ kind: CampaignSkip, _ reason: String) {
        var stack: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &stack) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            skip(line, phone: UnsafeBufferPointer(start: p, count: number.writeE164(to: p)), kind, reason)
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
    mutating func recipient(_ number: PhoneNumber, line: Int, context: CampaignRowContext, rendering r: RowRendering,
                            fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        // Quiet hours hook (issue 16): a bad `state` cell skips, an unknown zone holds, else a time.
        var slot: Int64? = nil
        if router != nil {
            let cell = router!.stateColumn.map { String(decoding: fields($0), as: UTF8.self) }
            switch router!.route(number, state: cell) {
            case .skip(let reason): skip(line, number, .invalidState, reason); return
            case .held(let reason): held.append((line, number.e164, reason)); return
            case .at(let time): slot = time.seconds
            }
        }
        // The number's E.164 bytes and its token, written once on the stack for all uses.
        var stack: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &stack) { raw in
            let e164 = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let e164Count = number.writeE164(to: e164)
            var tokenCount = 0
            if let tokens = r.tokens {
                tokens.writeToken(e164: UnsafeRawBufferPointer(start: e164, count: e164Count), to: e164 + 24)
                tokenCount = LinkTokens.length
            }
            emit(number, line: line, e164: UnsafeBufferPointer(start: e164, count: e164Count),
                 token: UnsafeBufferPointer(start: e164 + 24, count: tokenCount), slot: slot, context: context, rendering: r, fields: fields)
        }
    }

    /// The rest of `recipient`: the message measured from its pieces (rendered only when a hook
    /// needs its text or its count needs the whole message), then the rows written on the stack.
    @inline(__always)
    private mutating func emit(_ number: PhoneNumber, line: Int, e164: UnsafeBufferPointer<UInt8>, token: UnsafeBufferPointer<UInt8>,
                               slot: Int64?, context: CampaignRowContext, rendering r: RowRendering, fields: (Int) -> UnsafeBufferPointer<UInt8>) {
        let measure = r.message.measure(link: r.link, fields: fields)
        var rendered = false
        let count: SegmentCount
        if let fast = measure.figures.count {
            count = fast
        } else {
            r.message.render(into: &text, linkBase: r.linkBase, token: token, fields: fields)
            rendered = true
            count = text.withUnsafeBytes { Segments.count(utf8: $0) }
        }
        if count.encoding == .ucs2 || preview.collects, !rendered {
            r.message.render(into: &text, linkBase: r.linkBase, token: token, fields: fields)
        }
        if count.encoding == .ucs2 { text.withUnsafeBytes { tally.ucs2.record(utf8: $0, count: count, maxSegments: r.maxSegments) } }  // UCS-2 culprits (issue 14)
        if let maxSegments = r.maxSegments, count.segments > maxSegments {
            skip(line, number, .tooLong, "message too long: \(count.segments) segments (max_segments is \(maxSegments))")
            return
        }
        let linkBase = r.linkBase
        // Room for the longer row: the send row's message may double (quotes), so may the link's base.
        let room = 64 + 2 * (measure.bytes + linkBase.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            let start = buffer.baseAddress!
            linkBase.withUnsafeBufferPointer { base in
                if r.tokens != nil {
                    // phone,token,url — the url as CSVWriter(.machine).appendField writes it.
                    var o = Self.put(e164, at: start)
                    o.pointee = Self.comma; o += 1
                    o = Self.put(token, at: o)
                    o.pointee = Self.comma; o += 1
                    o = r.link.writeURLField(base: base, token: token, to: o)
                    o.pointee = Self.newline; o += 1
                    links.append(contentsOf: UnsafeBufferPointer(start: start, count: o - start))
                    if tally.sampleLink == nil { tally.sampleLink = Array(base) + Array(token) }
                }
                // phone,message,segments,encoding
                var o = Self.put(e164, at: start)
                o.pointee = Self.comma; o += 1
                o = r.message.writeCSVField(measure, linkBase: base, token: token, fields: fields, to: o)
                o.pointee = Self.comma; o += 1
                o += writeDecimal(UInt64(count.segments), to: o)
                o.pointee = Self.comma; o += 1
                o = Self.put(count.encoding == .gsm7 ? Self.gsmName : Self.ucsName, at: o)
                o.pointee = Self.newline; o += 1
                send.append(contentsOf: UnsafeBufferPointer(start: start, count: o - start))
            }
        }
        tally.toSend += 1
        if context.recordsKeys { keys.append(number.value) }  // issue 17 hook: the campaign's record of numbers sent
        if preview.collects { preview.message(number, line: line, text: text, count: count) }  // preview hook (issue 14)
        tally.segments += count.segments
        if count.encoding == .gsm7 { tally.gsmMessages += 1 } else { tally.ucsMessages += 1 }
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
