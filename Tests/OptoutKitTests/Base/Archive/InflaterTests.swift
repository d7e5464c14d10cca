// InflaterTests.swift: the DEFLATE decoder against Python's zlib: a 16 MB round trip of mixed
// data (MB/s printed), each block type (stored, fixed, dynamic: checked in the stream's first
// header), every length 3...258 and every distance code (a hand-made fixed-Huffman stream that
// zlib decodes to the same bytes), and hostile streams failing at the expected byte offset.
// Skips with a printed reason when python3 is missing (fails under CI=true).

import Foundation
import Testing
@testable import OptoutBase

@Suite("Inflater")
struct InflaterTests {
    /// Mixed data: text, numbers, random bytes, long runs; raw DEFLATE via zlib (wbits -15).
    static let mixedScript = """
    import zlib, random, sys
    r = random.Random(1951)
    words = [b'opt', b'out', b'STOP', b'+447911123456', b'<c r="A1" t="s"><v>', b'</v></c>', b'\\xc3\\xa9t\\xc3\\xa9', b' ', b'\\n']
    parts = []
    size = 0
    while size < 16 * 1024 * 1024:
        kind = r.randrange(4)
        if kind == 0: p = b''.join(r.choice(words) for _ in range(r.randrange(1, 400)))
        elif kind == 1: p = bytes(r.getrandbits(8) for _ in range(r.randrange(1, 3000)))
        elif kind == 2: p = bytes([r.getrandbits(8)]) * r.randrange(1, 5000)
        else: p = str(r.random()).encode() * r.randrange(1, 50)
        parts.append(p); size += len(p)
    data = b''.join(parts)[:16 * 1024 * 1024]
    open('data', 'wb').write(data)
    for name, level, strategy in [('dynamic', 6, zlib.Z_DEFAULT_STRATEGY), ('stored', 0, zlib.Z_DEFAULT_STRATEGY), ('fixed', 6, zlib.Z_FIXED)]:
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
        out = c.compress(data[:4 * 1024 * 1024] if name != 'dynamic' else data) + c.flush()
        open(name, 'wb').write(out)
    """

    @Test("16 MB of mixed data and every block type equal zlib's input")
    func roundTrip() throws {
        let temp = ArchiveTemp()
        guard temp.python(InflaterTests.mixedScript) else { return }
        let data = temp.bytes("data")
        #expect(data.count == 16 * 1024 * 1024)
        for (name, type, length) in [("dynamic", 2, data.count), ("stored", 0, 4 * 1024 * 1024), ("fixed", 1, 4 * 1024 * 1024)] {
            let compressed = temp.bytes(name)
            #expect((Int(compressed[0]) >> 1) & 3 == type, "first block of \(name) has type \(type)")
            let start = Date()
            let inflater = Inflater(source: chunkedSource(compressed, size: 65519))
            var offset = 0
            var equal = true
            var crc: UInt32 = 0
            while try inflater.read({ chunk in
                #expect(chunk.count <= Inflater.chunkSize + 257)
                if equal, offset + chunk.count <= length {
                    equal = data.withUnsafeBytes { memcmp($0.baseAddress! + offset, chunk.baseAddress!, chunk.count) == 0 }
                } else { equal = false }
                crc = CRC32.checksum(chunk, seed: crc)
                offset += chunk.count
            }) {}
            let seconds = Date().timeIntervalSince(start)
            #expect(equal, "\(name): output equals zlib's input")
            #expect(offset == length, "\(name): \(offset) bytes out of \(length)")
            #expect(inflater.isFinished)
            #expect(inflater.compressedCount == compressed.count)
            print("inflate \(name): \(length) bytes in \(String(format: "%.3f", seconds)) s = \(String(format: "%.1f", Double(length) / 1_048_576 / seconds)) MB/s")
        }
    }

    /// A fixed-Huffman stream with 40000 random literals, every length 3...258 and every distance
    /// code at its base and at its largest distance, plus overlapping runs.
    static func everyCodeStream() -> (stream: [UInt8], expected: [UInt8]) {
        var writer = DeflateBitWriter()
        var expected: [UInt8] = []
        var random = SplitMix(state: 42)
        writer.bits(1, 1)  // final
        writer.bits(1, 2)  // fixed
        for _ in 0..<40000 {
            let b = Int(random.next() % 256)
            writer.fixedSymbol(b)
            expected.append(UInt8(b))
        }
        func match(_ length: Int, _ distance: Int) {
            writer.fixedMatch(length: length, distance: distance)
            for _ in 0..<length { expected.append(expected[expected.count - distance]) }
        }
        var distances: [Int] = []
        for d in 0..<30 {
            distances.append(DeflateBitWriter.distBase[d])
            distances.append(DeflateBitWriter.distBase[d] + (1 << DeflateBitWriter.distExtra[d]) - 1)
        }
        for length in 3...258 { match(length, distances[length % distances.count]) }
        for distance in distances { match(258, distance) }
        match(258, 1)
        match(100, 3)
        writer.fixedSymbol(256)
        return (writer.finish(), expected)
    }

    @Test("every length 3...258 and every distance code, as zlib decodes them")
    func everyCode() throws {
        let (stream, expected) = InflaterTests.everyCodeStream()
        let temp = ArchiveTemp()
        temp.write("stream", stream)
        guard temp.python("import zlib; open('out', 'wb').write(zlib.decompress(open('stream', 'rb').read(), -15))") else { return }
        #expect(temp.bytes("out") == expected, "zlib agrees with the test's expected bytes")
        for chunk in [1, 7, 65536] {
            #expect(try inflateAll(stream, chunk: chunk) == expected, "chunks of \(chunk)")
        }
    }

    @Test("a dynamic block with a single distance code and one with no distance codes")
    func sparseDistanceTables() throws {
        let temp = ArchiveTemp()
        guard temp.python("""
        import zlib
        for name, data in [('lit', bytes(range(256)) * 3), ('one', b'ab' * 1000)]:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            open(name, 'wb').write(c.compress(data) + c.flush())
        """) else { return }
        #expect(try inflateAll(temp.bytes("lit")) == Array(0...255) + Array(0...255) + Array(0...255))
        #expect(try inflateAll(temp.bytes("one")) == Array(repeating: Array("ab".utf8), count: 1000).flatMap { $0 })
    }

    func failure(_ stream: [UInt8]) -> InflateError? {
        do {
            _ = try inflateAll(stream, chunk: 3)
            return nil
        } catch let error as InflateError {
            return error
        } catch {
            return nil
        }
    }

    /// A stored block of 5 bytes (offsets 0...9), non-final; the next block starts at byte 10.
    static let storedPrefix: [UInt8] = [0x00, 0x05, 0x00, 0xFA, 0xFF] + Array("hello".utf8)

    @Test("an over-subscribed code-length table fails at its block's byte")
    func overSubscribed() {
        var writer = DeflateBitWriter()
        writer.bytes = InflaterTests.storedPrefix
        writer.bits(1, 1); writer.bits(2, 2)
        writer.bits(0, 5); writer.bits(0, 5); writer.bits(0, 4)  // 257, 1, 4 code-length codes
        for _ in 0..<4 { writer.bits(1, 3) }  // four codes of length 1
        let error = failure(writer.finish() + [0, 0, 0])
        #expect(error?.offset == 10)
        #expect(error?.reason.contains("over-subscribed") == true, "\(String(describing: error))")
    }

    @Test("an incomplete literal/length table fails at its block's byte")
    func incomplete() {
        var writer = DeflateBitWriter()
        writer.bytes = InflaterTests.storedPrefix
        writer.bits(1, 1); writer.bits(2, 2)
        writer.bits(0, 5); writer.bits(0, 5); writer.bits(15, 4)  // 257 literal codes, 1 distance, 19 code-length codes
        // Code-length code: symbols 0 and 8 of length 1 (complete); order 16,17,18,0,8,...
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        for s in order { writer.bits(s == 0 || s == 8 ? 1 : 0, 3) }
        // Lengths: 256 literals of 0 except symbols 0 and 256 with length 8: incomplete.
        for i in 0..<258 { writer.code(i == 0 || i == 256 || i == 257 ? 1 : 0, 1) }
        let error = failure(writer.finish() + [0, 0, 0, 0])
        #expect(error?.offset == 10)
        #expect(error?.reason.contains("incomplete literal/length") == true, "\(String(describing: error))")
    }

    /// A dynamic block header at byte 10 whose code-length code gives symbols 0, 8, 16, 17
    /// two-bit codes (complete), followed by `lengths` written with those codes.
    static func dynamicHeader(hlit: Int, hdist: Int, _ body: (inout DeflateBitWriter) -> Void) -> [UInt8] {
        var writer = DeflateBitWriter()
        writer.bytes = InflaterTests.storedPrefix
        writer.bits(1, 1); writer.bits(2, 2)
        writer.bits(hlit, 5); writer.bits(hdist, 5); writer.bits(15, 4)
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        for s in order { writer.bits([0, 8, 16, 17].contains(s) ? 2 : 0, 3) }
        body(&writer)
        return writer.finish() + [0, 0, 0, 0]
    }

    @Test("dynamic headers: too many codes, a repeat with nothing before it, no end-of-block code, a repeat past the end")
    func dynamicHeaders() {
        // Canonical codes of length 2 in symbol order: 0 → 00, 8 → 01, 16 → 10, 17 → 11.
        let tooMany = failure(InflaterTests.dynamicHeader(hlit: 30, hdist: 0) { _ in })
        #expect(tooMany?.offset == 10)
        #expect(tooMany?.reason.contains("too many length or distance codes (287, 1)") == true, "\(String(describing: tooMany))")
        let noPrevious = failure(InflaterTests.dynamicHeader(hlit: 0, hdist: 0) { w in w.code(2, 2); w.bits(0, 2) })
        #expect(noPrevious?.offset == 10)
        #expect(noPrevious?.reason.contains("no previous length") == true, "\(String(describing: noPrevious))")
        // 258 lengths: 256 × 8 with 17-repeats of zero for 256 and the distance: no end-of-block code.
        let noEnd = failure(InflaterTests.dynamicHeader(hlit: 0, hdist: 0) { w in
            for _ in 0..<256 { w.code(1, 2) }
            w.code(0, 2); w.code(0, 2)
        })
        #expect(noEnd?.offset == 10)
        #expect(noEnd?.reason.contains("no end-of-block code") == true, "\(String(describing: noEnd))")
        let pastEnd = failure(InflaterTests.dynamicHeader(hlit: 0, hdist: 0) { w in
            for _ in 0..<256 { w.code(1, 2) }
            w.code(3, 2); w.bits(7, 3)  // 17: ten zeros, only two lengths left
        })
        #expect(pastEnd?.offset == 10)
        #expect(pastEnd?.reason.contains("runs past the 258 lengths") == true, "\(String(describing: pastEnd))")
    }

    @Test("a distance beyond the output fails at the match's byte")
    func distanceTooFar() {
        var writer = DeflateBitWriter()
        writer.bits(1, 1); writer.bits(1, 2)
        for b in Array("abcdefghijklmnopqrstuvwxyz".utf8) { writer.fixedSymbol(Int(b)) }
        let at = writer.bitPosition / 8
        writer.fixedMatch(length: 10, distance: 27)
        writer.fixedSymbol(256)
        let error = failure(writer.finish())
        #expect(at > 20)
        #expect(error?.offset == at)
        #expect(error?.reason.contains("distance 27") == true, "\(String(describing: error))")
    }

    @Test("a distance beyond 32 KiB of window after a long output still decodes when within it")
    func farDistanceWithinWindow() throws {
        var writer = DeflateBitWriter()
        writer.bits(1, 1); writer.bits(1, 2)
        var expected: [UInt8] = []
        for i in 0..<100_000 { let b = (i * 7 + i / 251) % 256; writer.fixedSymbol(b); expected.append(UInt8(b)) }
        writer.fixedMatch(length: 258, distance: 32768)
        for _ in 0..<258 { expected.append(expected[expected.count - 32768]) }
        writer.fixedSymbol(256)
        #expect(try inflateAll(writer.finish(), chunk: 1000) == expected)
    }

    @Test("invalid codes in a fixed block fail at the code's byte")
    func invalidCodes() {
        for (symbol, distanceCode) in [(286, -1), (287, -1), (257, 30), (257, 31)] {
            var writer = DeflateBitWriter()
            writer.bits(1, 1); writer.bits(1, 2)
            for _ in 0..<5 { writer.fixedSymbol(65) }
            let at = writer.bitPosition / 8
            writer.fixedSymbol(symbol)
            if distanceCode >= 0 { writer.code(distanceCode, 5) }
            writer.fixedSymbol(256)
            let error = failure(writer.finish() + [0, 0])
            #expect(error?.offset == at, "symbol \(symbol) distance code \(distanceCode): \(String(describing: error))")
            #expect(error?.reason.contains("invalid") == true)
        }
    }

    @Test("truncated input fails at the end of the input")
    func truncated() throws {
        let (stream, _) = InflaterTests.everyCodeStream()
        for cut in [0, 1, 100, stream.count / 2, stream.count - 1] {
            let error = failure(Array(stream[0..<cut]))
            #expect(error?.offset == cut, "cut at \(cut): \(String(describing: error))")
            #expect(error?.reason.contains("truncated") == true)
        }
    }

    @Test("a stored block whose LEN and NLEN disagree, and block type 3")
    func storedAndType3() {
        let bad = InflaterTests.storedPrefix + [0x01, 0x05, 0x00, 0xFB, 0xFF] + Array("hello".utf8)
        let error = failure(bad)
        #expect(error?.offset == 11)
        #expect(error?.reason.contains("does not match its complement") == true)
        let type3 = failure(InflaterTests.storedPrefix + [0x07, 0, 0])
        #expect(type3?.offset == 10)
        #expect(type3?.reason.contains("block type 3") == true)
    }
}

@Suite("GzipReader")
struct GzipReaderTests {
    @Test("gzip members with a name, a comment and extra field, read as one stream; CRC and size checked")
    func members() throws {
        let temp = ArchiveTemp()
        guard temp.python("""
        import gzip, zlib, struct
        a = b'2026-11-26T12:00:00Z GET /u/abc 200\\n' * 5000
        b = bytes(range(256)) * 100
        open('a', 'wb').write(a + b)
        one = gzip.compress(a, mtime=0)
        # a second member with FEXTRA, FNAME, FCOMMENT and FHCRC by hand
        head = b'\\x1f\\x8b\\x08' + bytes([0x04 | 0x08 | 0x10 | 0x02]) + b'\\0\\0\\0\\0\\0\\xff' + struct.pack('<H', 3) + b'xyz' + b'page.log\\0' + b'hi\\0'
        head += struct.pack('<H', zlib.crc32(head) & 0xffff)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        two = head + c.compress(b) + c.flush() + struct.pack('<II', zlib.crc32(b), len(b))
        open('a.gz', 'wb').write(one + two)
        """) else { return }
        let expected = temp.bytes("a")
        let gz = temp.bytes("a.gz")
        let reader = GzipReader(source: chunkedSource(gz, size: 777))
        var out: [UInt8] = []
        while let chunk = try reader.next() { out += chunk }
        #expect(out == expected)
        #expect(reader.members == 2)

        let fromFile = try GzipReader(path: temp.path + "/a.gz")
        var count = 0
        while try fromFile.read({ count += $0.count }) {}
        #expect(count == expected.count)

        // A flipped CRC byte in the last trailer fails at the trailer's offset.
        var bad = gz
        bad[bad.count - 8] ^= 0xFF
        #expect(throws: InflateError.self) {
            let r = GzipReader(source: chunkedSource(bad, size: 5000))
            while try r.next() != nil {}
        }
        do {
            let r = GzipReader(source: chunkedSource(bad, size: 5000))
            while try r.next() != nil {}
        } catch let error as InflateError {
            #expect(error.offset == gz.count - 8)
            #expect(error.reason.contains("CRC-32 mismatch"))
        }
        // Not gzip.
        #expect(throws: InflateError.self) { _ = try GzipReader(source: chunkedSource(Array("plain text".utf8), size: 4)).next() }
    }
}
