// Inflater.swift: a streaming DEFLATE decoder (RFC 1951): stored, fixed-Huffman and
// dynamic-Huffman blocks.
//
// Input: compressed bytes pulled in chunks of any size from a source closure (nil or an empty
// array = no more input). Output: decompressed bytes in chunks of at most 64 KiB, through `read`
// or `next`; memory is a 32 KiB window plus one output chunk, never the whole stream. After the
// final block, `takeRemainingInput()` gives the bytes the decoder read ahead (gzip's trailer).
// Failures: `InflateError` with the byte offset in the compressed stream of the item found
// invalid: the block header for a bad Huffman table (over-subscribed, incomplete, too many codes,
// no end-of-block code, a repeat with nothing to repeat or running past the lengths), the length
// field of a stored block whose LEN and NLEN disagree, the length code of a match whose distance
// reaches before the output, the code itself for an invalid code, and the end of the input when
// the stream is truncated.

/// Why a DEFLATE stream cannot be decoded, and the byte offset in the compressed input.
package struct InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    package var offset: Int
    package var reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    package var description: String { "compressed byte \(offset): \(reason)" }
}

/// Decodes one DEFLATE stream pulled from `source`. Not thread-safe; one stream per instance.
package final class Inflater {
    /// Output chunk size: `read` delivers at most this many bytes per call, plus up to 257 (the
    /// rest of the match that crossed the limit).
    package static let chunkSize = 65536
    private static let windowSize = 32768
    private static let primaryBits = 10
    private static let primaryMask: UInt64 = (1 << 10) - 1

    private let source: () throws -> [UInt8]?

    // Input: the current chunk copied into `input`, `inPos` the next unread byte.
    private var input: UnsafeMutablePointer<UInt8>
    private var inCapacity: Int
    private var inCount = 0
    private var inPos = 0
    /// Bytes of the stream before `input[0]`.
    private var inBase = 0
    private var sourceEnded = false
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    // Output: 32 KiB of history followed by the chunk being produced.
    private let window: UnsafeMutablePointer<UInt8>
    private let windowCapacity = Inflater.windowSize + Inflater.chunkSize + 258 + 8
    private var outPos = 0
    private var emitted = 0
    /// Bytes produced so far.
    package private(set) var totalOut = 0

    // Block state.
    private enum Mode { case header, stored, huffman, done }
    private var mode = Mode.header
    private var finalBlock = false
    private var storedRemaining = 0

    // Huffman tables: primary lookup (entry = symbol | length << 9; 0 = not in the primary table)
    // and the canonical counts and sorted symbols for the slow path (puff.c's decode).
    private let litTable: UnsafeMutablePointer<UInt16>
    private let distTable: UnsafeMutablePointer<UInt16>
    private var litCount = [Int](repeating: 0, count: 16)
    private var litSymbols = [Int](repeating: 0, count: 288)
    private var distCount = [Int](repeating: 0, count: 16)
    private var distSymbols = [Int](repeating: 0, count: 32)

    package init(source: @escaping () throws -> [UInt8]?) {
        self.source = source
        inCapacity = 65536
        input = .allocate(capacity: inCapacity)
        window = .allocate(capacity: windowCapacity)
        litTable = .allocate(capacity: 1 << Inflater.primaryBits)
        distTable = .allocate(capacity: 1 << Inflater.primaryBits)
    }

    /// Decodes a whole in-memory stream (tests, small entries).
    package convenience init(bytes: [UInt8]) {
        var given = false
        self.init(source: {
            if given { return nil }
            given = true
            return bytes
        })
    }

    deinit {
        input.deallocate()
        window.deallocate()
        litTable.deallocate()
        distTable.deallocate()
    }

    /// True once the final block has been decoded and all output delivered.
    package var isFinished: Bool { mode == .done && emitted == outPos }

    /// Bytes of compressed input consumed up to the end of the stream (exact once finished).
    package var compressedCount: Int { inBase + inPos - bitCount / 8 }

    /// Next chunk of output, or nil at the end of the stream.
    package func next() throws -> [UInt8]? {
        var chunk: [UInt8]?
        _ = try read { chunk = Array($0) }
        return chunk
    }

    /// Produces the next chunk of output and passes it to `body` (valid only during the call).
    /// Returns false, without calling `body`, at the end of the stream.
    @discardableResult
    package func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        if emitted == outPos && mode == .done { return false }
        if outPos > Inflater.windowSize {
            // Keep the last 32 KiB as history for the next chunk.
            let keep = Inflater.windowSize
            UnsafeMutableRawPointer(window).copyMemory(from: window + (outPos - keep), byteCount: keep)
            outPos = keep
            emitted = keep
        }
        let limit = emitted + Inflater.chunkSize
        while outPos < limit && mode != .done {
            switch mode {
            case .header: try readHeader()
            case .stored: try copyStored(limit: limit)
            case .huffman: try decodeSymbols(limit: limit)
            case .done: break
            }
        }
        let count = outPos - emitted
        if count == 0 && mode == .done { return false }
        totalOut += count
        try body(UnsafeRawBufferPointer(start: window + emitted, count: count))
        emitted = outPos
        return true
    }

    /// After the end of the stream: the input bytes read ahead of it (the rest of the byte holding
    /// the last bit is skipped). The source may still hold more.
    package func takeRemainingInput() -> [UInt8] {
        var rest: [UInt8] = []
        let drop = bitCount % 8
        bitBuffer >>= UInt64(drop)
        bitCount -= drop
        while bitCount >= 8 {
            rest.append(UInt8(truncatingIfNeeded: bitBuffer))
            bitBuffer >>= 8
            bitCount -= 8
        }
        rest.append(contentsOf: UnsafeBufferPointer(start: input + inPos, count: inCount - inPos))
        inBase += inCount
        inPos = 0
        inCount = 0
        return rest
    }

    // MARK: - Bits

    /// Offset of the byte holding the next unread bit.
    private var bitOffset: Int { inBase + inPos - (bitCount + 7) / 8 }

    private func fetch() throws -> Bool {
        if sourceEnded { return false }
        while true {
            guard let chunk = try source() else { sourceEnded = true; return false }
            if chunk.isEmpty { sourceEnded = true; return false }
            inBase += inCount
            if chunk.count > inCapacity {
                input.deallocate()
                inCapacity = chunk.count
                input = .allocate(capacity: inCapacity)
            }
            chunk.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: chunk.count) }
            inCount = chunk.count
            inPos = 0
            return true
        }
    }

    /// Fills the bit buffer to at least 57 bits, or as far as the input goes.
    @inline(__always)
    private func refill() throws {
        if inCount - inPos >= 8 && bitCount <= 56 {
            let word = UInt64(littleEndian: UnsafeRawPointer(input + inPos).loadUnaligned(as: UInt64.self))
            bitBuffer |= word << UInt64(bitCount)
            let taken = (63 - bitCount) >> 3
            inPos += taken
            bitCount += taken << 3
            bitBuffer &= (1 << UInt64(bitCount)) - 1
            return
        }
        while bitCount <= 56 {
            if inPos == inCount {
                if try !fetch() { return }
            }
            bitBuffer |= UInt64(input[inPos]) << UInt64(bitCount)
            inPos += 1
            bitCount += 8
        }
    }

    private func truncated() -> InflateError {
        InflateError(offset: inBase + inCount, reason: "truncated input: the stream ends inside a block")
    }

    @inline(__always)
    private func bits(_ n: Int) throws -> Int {
        if bitCount < n {
            try refill()
            if bitCount < n { throw truncated() }
        }
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return value
    }

    // MARK: - Blocks

    private func readHeader() throws {
        if finalBlock { mode = .done; return }
        let start = bitOffset
        let header = try bits(3)
        finalBlock = header & 1 == 1
        switch header >> 1 {
        case 0:
            let drop = bitCount % 8
            bitBuffer >>= UInt64(drop)
            bitCount -= drop
            let lengthAt = bitOffset
            let len = try bits(16)
            let nlen = try bits(16)
            if len != (~nlen & 0xFFFF) {
                throw InflateError(offset: lengthAt, reason: "stored block length \(len) does not match its complement \(nlen)")
            }
            storedRemaining = len
            mode = .stored
        case 1:
            try buildFixed()
            mode = .huffman
        case 2:
            try buildDynamic(blockAt: start)
            mode = .huffman
        default:
            throw InflateError(offset: start, reason: "invalid block type 3")
        }
    }

    private func copyStored(limit: Int) throws {
        // Whole bytes still in the bit buffer first.
        while storedRemaining > 0 && bitCount >= 8 && outPos < limit {
            window[outPos] = UInt8(truncatingIfNeeded: bitBuffer)
            bitBuffer >>= 8
            bitCount -= 8
            outPos += 1
            storedRemaining -= 1
        }
        if bitCount == 0 { bitBuffer = 0 }
        while storedRemaining > 0 && outPos < limit {
            if inPos == inCount {
                if try !fetch() { throw truncated() }
            }
            let n = min(storedRemaining, inCount - inPos, limit - outPos)
            (window + outPos).update(from: input + inPos, count: n)
            inPos += n
            outPos += n
            storedRemaining -= n
        }
        if storedRemaining == 0 { mode = .header }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                            35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                             3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                          257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                          8193, 12289, 16385, 24577]
    private static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                           7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The bit reader and output position copied out of the class for the hot loop (class
    /// properties cost an exclusivity check per access in debug builds). `store` writes it back
    /// before any call that uses the properties; `load` takes it again after.
    private struct Cursor {
        var bb: UInt64, bc: Int, op: Int, ip: Int
        var inp: UnsafeMutablePointer<UInt8>, ic: Int
    }

    private func loadCursor() -> Cursor {
        Cursor(bb: bitBuffer, bc: bitCount, op: outPos, ip: inPos, inp: input, ic: inCount)
    }

    private func store(_ c: Cursor) {
        bitBuffer = c.bb; bitCount = c.bc; outPos = c.op; inPos = c.ip
    }

    /// `refill()` on the cursor (the slow path: the end of an input chunk).
    private func refill(_ c: inout Cursor) throws {
        store(c)
        try refill()
        c = loadCursor()
    }

    /// `slowDecode` on the cursor.
    private func slowDecode(_ c: inout Cursor, count: [Int], symbols: [Int], at offset: Int, what: String) throws -> Int {
        store(c)
        let symbol = try slowDecode(count: count, symbols: symbols, at: offset, what: what)
        c = loadCursor()
        return symbol
    }

    /// Takes `n` (1...13) extra bits from the cursor.
    @inline(__always)
    private func extraBits(_ c: inout Cursor, _ n: Int) throws -> Int {
        if c.bc < n {
            try refill(&c)
            if c.bc < n { throw truncated() }
        }
        let value = Int(c.bb & ((1 << UInt64(n)) - 1))
        c.bb >>= UInt64(n)
        c.bc -= n
        return value
    }

    /// Literals and matches of a Huffman block up to `limit` bytes of output, or to its end.
    private func decodeSymbols(limit: Int) throws {
        let out = window, lit = litTable
        let mask = Inflater.primaryMask
        var c = loadCursor()
        defer { store(c) }
        while c.op < limit {
            if c.bc < 48 {
                if c.ic - c.ip >= 8 {
                    let word = UInt64(littleEndian: UnsafeRawPointer(c.inp + c.ip).loadUnaligned(as: UInt64.self))
                    c.bb |= word << UInt64(c.bc)
                    let taken = (63 - c.bc) >> 3
                    c.ip += taken
                    c.bc += taken << 3
                    c.bb &= (1 << UInt64(c.bc)) - 1
                } else {
                    try refill(&c)
                }
            }
            let symbolAt = inBase + c.ip - (c.bc + 7) / 8
            let entry = Int(lit[Int(c.bb & mask)])
            let symbol: Int
            if entry != 0 && (entry >> 9) <= c.bc {
                let len = entry >> 9
                c.bb >>= UInt64(len)
                c.bc -= len
                symbol = entry & 511
            } else {
                symbol = try slowDecode(&c, count: litCount, symbols: litSymbols, at: symbolAt, what: "literal/length")
            }
            if symbol < 256 {
                out[c.op] = UInt8(truncatingIfNeeded: symbol)
                c.op += 1
                continue
            }
            if symbol == 256 { mode = .header; return }
            try copyMatch(&c, lengthSymbol: symbol, at: symbolAt)
        }
    }

    /// Decodes a match's length extra bits and distance (length symbol 257...285, at byte
    /// `symbolAt`) and copies it into the window.
    private func copyMatch(_ c: inout Cursor, lengthSymbol: Int, at symbolAt: Int) throws {
        let lengthCode = lengthSymbol - 257
        if lengthCode >= 29 {
            throw InflateError(offset: symbolAt, reason: "invalid length code \(lengthSymbol)")
        }
        var length = Inflater.lengthBase[lengthCode]
        let lx = Inflater.lengthExtra[lengthCode]
        if lx > 0 { length += try extraBits(&c, lx) }
        if c.bc < 28 { try refill(&c) }
        let entry = Int(distTable[Int(c.bb & Inflater.primaryMask)])
        let dcode: Int
        if entry != 0 && (entry >> 9) <= c.bc {
            let len = entry >> 9
            c.bb >>= UInt64(len)
            c.bc -= len
            dcode = entry & 511
        } else {
            dcode = try slowDecode(&c, count: distCount, symbols: distSymbols, at: symbolAt, what: "distance")
        }
        if dcode >= 30 {
            throw InflateError(offset: symbolAt, reason: "invalid distance code \(dcode)")
        }
        var distance = Inflater.distBase[dcode]
        let dx = Inflater.distExtra[dcode]
        if dx > 0 { distance += try extraBits(&c, dx) }
        // The window holds every byte produced until the first slide, then 32 KiB or more.
        if distance > c.op {
            throw InflateError(offset: symbolAt, reason: "distance \(distance) reaches before the start of the output (\(totalOut + c.op - emitted) bytes so far)")
        }
        c.op = Inflater.copy(window, to: c.op, distance: distance, length: length)
    }

    /// Copies `length` bytes from `distance` back to `op` (overlapping copies repeat the
    /// pattern); returns the new output position.
    @inline(__always)
    private static func copy(_ out: UnsafeMutablePointer<UInt8>, to op: Int, distance: Int, length: Int) -> Int {
        let from = op - distance
        if distance >= length {
            (out + op).update(from: out + from, count: length)
            return op + length
        }
        var at = op
        var left = length
        while left > 0 {
            let n = min(left, at - from)
            (out + at).update(from: out + from, count: n)
            at += n
            left -= n
        }
        return at
    }

    /// Canonical decode one bit at a time (codes longer than the primary table, or invalid ones).
    private func slowDecode(count: [Int], symbols: [Int], at offset: Int, what: String) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1...15 {
            code |= try bits(1)
            let n = count[len]
            if code - n < first { return symbols[index + (code - first)] }
            index += n
            first += n
            first <<= 1
            code <<= 1
        }
        throw InflateError(offset: offset, reason: "invalid \(what) code (not in the block's Huffman table)")
    }

    // MARK: - Tables

    private enum TableKind: String { case lengths = "code-length", literals = "literal/length", distances = "distance" }

    /// Builds one table from code lengths; nil when valid, else the reason.
    private func build(_ lengths: ArraySlice<Int>, kind: TableKind,
                       table: UnsafeMutablePointer<UInt16>, count: inout [Int], symbols: inout [Int]) -> String? {
        for i in 0..<16 { count[i] = 0 }
        for l in lengths { count[l] += 1 }
        let used = lengths.count - count[0]
        var left = 1
        for len in 1...15 {
            left <<= 1
            left -= count[len]
            if left < 0 { return "over-subscribed \(kind.rawValue) Huffman table" }
        }
        if left > 0 {
            // Incomplete codes are allowed only for a single code of length one (zlib), or an
            // empty distance table (a block of literals only).
            let single = used == 1 && count[1] == 1
            let emptyDistances = kind == .distances && used == 0
            if !(single && kind != .lengths) && !emptyDistances {
                return "incomplete \(kind.rawValue) Huffman table"
            }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for len in 1..<15 { offsets[len + 1] = offsets[len] + count[len] }
        for (i, l) in lengths.enumerated() where l != 0 {
            symbols[offsets[l]] = i
            offsets[l] += 1
        }
        let size = 1 << Inflater.primaryBits
        table.update(repeating: 0, count: size)
        // Assign canonical codes and fill the primary table with bit-reversed codes.
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + (len == 1 ? 0 : count[len - 1])) << 1
            nextCode[len] = code
        }
        for (i, l) in lengths.enumerated() where l != 0 && l <= Inflater.primaryBits {
            let codeValue = nextCode[l]
            nextCode[l] += 1
            var reversed = 0
            var v = codeValue
            for _ in 0..<l { reversed = (reversed << 1) | (v & 1); v >>= 1 }
            let entry = UInt16(i | (l << 9))
            var k = reversed
            while k < size {
                table[k] = entry
                k += 1 << l
            }
        }
        return nil
    }

    private func buildFixed() throws {
        // All 288 literal/length and 32 distance codes (286, 287, 30 and 31 exist in the code but
        // are invalid: the decoder rejects them).
        _ = build(Inflater.fixedLiterals[...], kind: .literals, table: litTable, count: &litCount, symbols: &litSymbols)
        _ = build(Inflater.fixedDistances[...], kind: .distances, table: distTable, count: &distCount, symbols: &distSymbols)
    }

    private static let fixedLiterals: [Int] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    private static let fixedDistances = [Int](repeating: 5, count: 32)

    private static let lengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private func buildDynamic(blockAt start: Int) throws {
        let nlen = try bits(5) + 257
        let ndist = try bits(5) + 1
        let ncode = try bits(4) + 4
        if nlen > 286 || ndist > 30 {
            throw InflateError(offset: start, reason: "too many length or distance codes (\(nlen), \(ndist))")
        }
        var codeLengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { codeLengths[Inflater.lengthOrder[i]] = try bits(3) }
        if let reason = build(codeLengths[...], kind: .lengths, table: litTable, count: &litCount, symbols: &litSymbols) {
            throw InflateError(offset: start, reason: reason)
        }
        var lengths = [Int](repeating: 0, count: nlen + ndist)
        var i = 0
        while i < nlen + ndist {
            if bitCount < 16 { try refill() }
            let entry = Int(litTable[Int(bitBuffer & Inflater.primaryMask)])
            var symbol: Int
            if entry != 0 && (entry >> 9) <= bitCount {
                bitBuffer >>= UInt64(entry >> 9)
                bitCount -= entry >> 9
                symbol = entry & 511
            } else {
                symbol = try slowDecode(count: litCount, symbols: litSymbols, at: start, what: "code length")
            }
            if symbol < 16 {
                lengths[i] = symbol
                i += 1
                continue
            }
            var value = 0
            var repeatCount: Int
            switch symbol {
            case 16:
                if i == 0 { throw InflateError(offset: start, reason: "a repeat of the previous code length with no previous length") }
                value = lengths[i - 1]
                repeatCount = 3 + (try bits(2))
            case 17: repeatCount = 3 + (try bits(3))
            default: repeatCount = 11 + (try bits(7))
            }
            if i + repeatCount > nlen + ndist {
                throw InflateError(offset: start, reason: "code length repeat runs past the \(nlen + ndist) lengths")
            }
            for _ in 0..<repeatCount {
                lengths[i] = value
                i += 1
            }
        }
        if lengths[256] == 0 {
            throw InflateError(offset: start, reason: "the block has no end-of-block code")
        }
        if let reason = build(lengths[0..<nlen], kind: .literals, table: litTable, count: &litCount, symbols: &litSymbols) {
            throw InflateError(offset: start, reason: reason)
        }
        if let reason = build(lengths[nlen...], kind: .distances, table: distTable, count: &distCount, symbols: &distSymbols) {
            throw InflateError(offset: start, reason: reason)
        }
    }
}
