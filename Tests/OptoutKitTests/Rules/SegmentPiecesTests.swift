// Segments.Piece (Rules/Segments.swift): a message counted from its pieces' figures equals the
// count of the whole message, over a table of hostile pieces joined three at a time (extension
// characters and the euro sign at the joins, UCS-2 in one piece, emoji, empty pieces, malformed
// UTF-8 split across a join, the 160/153 and 70/67 boundaries). Where the pieces cannot answer
// (malformed bytes; a multipart message holding an escape or surrogate pair) `count` is nil and
// the caller counts the whole message: the test checks those are the only holes.

import Testing
@testable import OptoutKit

@Suite("SMS segments from pieces")
struct SegmentPiecesTests {
    static func a(_ n: Int) -> [UInt8] { Array(String(repeating: "a", count: n).utf8) }
    static func zh(_ n: Int) -> [UInt8] { Array(String(repeating: "ж", count: n).utf8) }

    static let pieces: [[UInt8]] = [
        [], Array("a".utf8), Array(" ".utf8), Array("€".utf8), Array("{".utf8), Array("^".utf8), Array("\u{0C}".utf8),
        Array("ж".utf8), Array("😀".utf8), Array("é".utf8), Array("ç".utf8), Array("Zoë".utf8), Array("\t`".utf8),
        Array("a€".utf8), Array("€a".utf8), Array("\u{1F600}x".utf8),
        a(66), a(67), a(70), a(150), a(152), a(153), a(154), a(158), a(159), a(160), a(161), a(305), a(306),
        zh(33), zh(66), zh(67), zh(69), zh(70), zh(71), zh(134),
        [0xE2], [0x82, 0xAC], [0xE2, 0x82], [0xAC], [0xC3], [0xA9], [0xFF], [0xC0, 0x80], [0xF0, 0x9F, 0x98], [0x80], [0xED, 0xA0, 0x80],
    ]

    @Test func piecesAddUpToTheWholeMessage() {
        var mismatches: [String] = []
        var answered = 0, holes = 0
        for p in Self.pieces {
            let fp = p.withUnsafeBufferPointer { Segments.Piece(utf8: $0) }
            for q in Self.pieces {
                var fpq = fp
                fpq.add(q.withUnsafeBufferPointer { Segments.Piece(utf8: $0) })
                for r in Self.pieces {
                    var figures = fpq
                    figures.add(r.withUnsafeBufferPointer { Segments.Piece(utf8: $0) })
                    let whole = p + q + r
                    let expected = Segments.count(utf8: whole)
                    if let fast = figures.count {
                        answered += 1
                        if fast != expected { mismatches.append("\(p) + \(q) + \(r): \(fast) != \(expected)") }
                    } else {
                        holes += 1
                        // A hole only where the pieces cannot know: malformed bytes, or a multipart
                        // message with a pair whose place decides the packing.
                        let allowed = figures.flags & Segments.Piece.malformed != 0
                            || (expected.segments > 1 && figures.flags & (Segments.Piece.hasExtension | Segments.Piece.hasSurrogates) != 0)
                        if !allowed { mismatches.append("\(p) + \(q) + \(r): no answer for \(expected)") }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(answered > 0 && holes > 0)  // both ways exercised (holes only where allowed: checked above)
    }

    @Test("the boundaries, answered from the pieces", arguments: [
        (152, "€", 1, SegmentCount(encoding: .gsm7, units: 155, segments: 1)),
        (158, "{", 0, SegmentCount(encoding: .gsm7, units: 160, segments: 1)),
        (159, "a", 1, SegmentCount(encoding: .gsm7, units: 161, segments: 2)),
        (153, "a", 153, SegmentCount(encoding: .gsm7, units: 307, segments: 3)),
        (69, "ж", 0, SegmentCount(encoding: .ucs2, units: 70, segments: 1)),
        (70, "ж", 0, SegmentCount(encoding: .ucs2, units: 71, segments: 2)),
        (67, "ж", 67, SegmentCount(encoding: .ucs2, units: 135, segments: 3)),
    ])
    func boundaries(before: Int, middle: String, after: Int, expected: SegmentCount) {
        var figures = Self.a(before).withUnsafeBufferPointer { Segments.Piece(utf8: $0) }
        figures.add(Array(middle.utf8).withUnsafeBufferPointer { Segments.Piece(utf8: $0) })
        figures.add(Self.a(after).withUnsafeBufferPointer { Segments.Piece(utf8: $0) })
        #expect(figures.count == expected)
        #expect(Segments.count(utf8: Self.a(before) + Array(middle.utf8) + Self.a(after)) == expected)
    }
}
