// SegmentsTests.swift: GSM-7 / UCS-2 encoding choice and segment counts at the exact limits
// (160/153 septets, 70/67 units), escape and surrogate pairs straddling a part boundary, and
// `split` parts that re-join to the input and each fit in one part.

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

private func repeated(_ piece: String, _ count: Int) -> String {
    String(repeating: piece, count: count)
}

/// Cost of a part in the encoding of the whole message.
private func cost(_ part: String, _ encoding: MessageEncoding) -> Int {
    switch encoding {
    case .gsm7: return Segments.count(part).units   // a part of a GSM-7 message is GSM-7
    case .ucs2: return part.utf16.count
    }
}

@Suite("SMS segments")
struct SegmentsTests {
    static let gsmBasic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    static let gsmExtension = "\u{0C}^{}\\[~]|€"

    @Test("GSM-7 limits", arguments: [
        (0, 1), (1, 1), (153, 1), (154, 1), (160, 1), (161, 2),
        (306, 2), (307, 3), (459, 3), (460, 4), (612, 4), (613, 5),
    ])
    func gsmLimits(length: Int, segments: Int) {
        let text = repeated("a", length)
        #expect(Segments.count(text) == SegmentCount(encoding: .gsm7, units: length, segments: segments))
        #expect(Segments.split(text).count == segments)
    }

    @Test("UCS-2 limits", arguments: [
        (1, 1), (67, 1), (68, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
    ])
    func ucs2Limits(length: Int, segments: Int) {
        let text = repeated("ж", length)
        #expect(Segments.count(text) == SegmentCount(encoding: .ucs2, units: length, segments: segments))
        #expect(Segments.split(text).count == segments)
    }

    @Test("one non-GSM character makes the whole message UCS-2")
    func oneForeignCharacter() {
        let text = repeated("a", 69) + "ç"         // lowercase c-cedilla is not in GSM-7
        #expect(Segments.count(text) == SegmentCount(encoding: .ucs2, units: 70, segments: 1))
        #expect(Segments.count(text + "a") == SegmentCount(encoding: .ucs2, units: 71, segments: 2))
    }

    @Test("an extension character straddling the 153-septet boundary moves to the next part",
          arguments: ["€", "{", "\\", "|"])
    func extensionStraddles(ext: String) {
        // 152 + 2 + 152 = 306 septets would be 2 parts if escape pairs could be split.
        let text = repeated("a", 152) + ext + repeated("a", 152)
        #expect(Segments.count(text) == SegmentCount(encoding: .gsm7, units: 306, segments: 3))
        let parts = Segments.split(text)
        #expect(parts.map { Segments.count($0).units } == [152, 153, 1])
        #expect(parts[1].hasPrefix(ext))
        #expect(parts.joined() == text)
        // One septet less before it and the pair fits: 151 + 2 = 153.
        let fits = repeated("a", 151) + ext + repeated("a", 153)
        #expect(Segments.count(fits) == SegmentCount(encoding: .gsm7, units: 306, segments: 2))
    }

    @Test("an extension character makes a 159-septet message 161 septets")
    func extensionAtSingleLimit() {
        #expect(Segments.count(repeated("a", 158) + "€").segments == 1)   // 160 septets
        #expect(Segments.count(repeated("a", 159) + "€") ==
                SegmentCount(encoding: .gsm7, units: 161, segments: 2))
    }

    @Test("an emoji straddling the 67-unit boundary moves to the next part")
    func surrogateStraddles() {
        let text = repeated("ж", 66) + "😀" + repeated("ж", 66)   // 134 units
        #expect(Segments.count(text) == SegmentCount(encoding: .ucs2, units: 134, segments: 3))
        let parts = Segments.split(text)
        #expect(parts.map { $0.utf16.count } == [66, 67, 1])
        #expect(parts[1].hasPrefix("😀"))
        #expect(parts.joined() == text)
        let fits = repeated("ж", 65) + "😀" + repeated("ж", 67)
        #expect(Segments.count(fits) == SegmentCount(encoding: .ucs2, units: 134, segments: 2))
    }

    @Test("an emoji counts two UTF-16 units")
    func emoji() {
        #expect(Segments.count("😀") == SegmentCount(encoding: .ucs2, units: 2, segments: 1))
        #expect(Segments.count(repeated("😀", 35)).segments == 1)      // 70 units
        #expect(Segments.count(repeated("😀", 36)) ==
                SegmentCount(encoding: .ucs2, units: 72, segments: 2))  // 33 pairs per 67-unit part
        #expect(Segments.count(repeated("😀", 67)) ==
                SegmentCount(encoding: .ucs2, units: 134, segments: 3)) // 33 + 33 + 1, not 2
    }

    @Test("the empty message is one GSM-7 segment of zero septets")
    func empty() {
        #expect(Segments.count("") == SegmentCount(encoding: .gsm7, units: 0, segments: 1))
        #expect(Segments.split("") == [""])
        #expect(Segments.isGSM7(""))
    }

    @Test("all extension characters", arguments: [
        (80, 160, 1), (81, 162, 2), (152, 304, 2), (153, 306, 3),
    ])
    func allExtension(count: Int, septets: Int, segments: Int) {
        let text = repeated("€", count)
        #expect(Segments.count(text) == SegmentCount(encoding: .gsm7, units: septets, segments: segments))
        let parts = Segments.split(text)
        #expect(parts.count == segments)
        #expect(parts.joined() == text)
        if segments > 1 { #expect(parts.allSatisfy { Segments.count($0).units <= 152 }) }
    }

    @Test("the whole default alphabet and extension table are GSM-7")
    func alphabet() {
        #expect(Self.gsmBasic.unicodeScalars.count == 127)
        #expect(Segments.count(Self.gsmBasic) == SegmentCount(encoding: .gsm7, units: 127, segments: 1))
        #expect(Segments.count(Self.gsmExtension) == SegmentCount(encoding: .gsm7, units: 20, segments: 1))
        for scalar in (Self.gsmBasic + Self.gsmExtension).unicodeScalars {
            #expect(Segments.isGSM7(String(scalar)), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("no other BMP character is GSM-7")
    func exactTable() {
        let expected = Set((Self.gsmBasic + Self.gsmExtension).unicodeScalars.map(\.value))
        var found: [UInt32: UInt8] = [:]
        for value in UInt32(0)...0xFFFF where Segments.gsmCost(value) != 0 {
            found[value] = Segments.gsmCost(value)
        }
        #expect(Set(found.keys) == expected)
        #expect(found.values.filter { $0 == 2 }.count == 10)
        for scalar in Self.gsmExtension.unicodeScalars { #expect(found[scalar.value] == 2) }
    }

    @Test("characters outside GSM-7", arguments: [
        "\t", "`", "ç", "Ç\u{327}", "ж", "😀", "\u{7F}", "\u{1B}", "\u{A0}", "á", "ê", "—", "’",
        "“", "\u{301}", "Ω\u{2126}", "é\u{301}",
    ])
    func notGSM(text: String) {
        #expect(!Segments.isGSM7(text))
        #expect(Segments.count(text).encoding == .ucs2)
        #expect(Segments.count(text).units == text.utf16.count)
    }

    @Test("a decomposed accent is not folded: e + U+0301 is UCS-2, precomposed é is GSM-7")
    func decomposed() {
        #expect(Segments.count("caf\u{E9}") == SegmentCount(encoding: .gsm7, units: 4, segments: 1))
        #expect(Segments.count("cafe\u{301}") == SegmentCount(encoding: .ucs2, units: 5, segments: 1))
    }

    @Test("the UTF-8 byte entry point agrees with the String one")
    func utf8EntryPoint() {
        for text in ["", "hello", repeated("€", 81), repeated("ж", 68) + "😀", Self.gsmBasic] {
            #expect(Segments.count(utf8: Array(text.utf8)) == Segments.count(text))
        }
    }

    @Test("malformed UTF-8 never crashes and counts as UCS-2", arguments: [
        [UInt8]([0xC3]), [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x80, 0x41], [0xC3, 0x41], [0xC1, 0x81],
        [0xFF, 0xFE],
    ])
    func malformed(bytes: [UInt8]) {
        let result = Segments.count(utf8: bytes)
        #expect(result.encoding == .ucs2)
        #expect(result.segments == 1)
        #expect(result.units >= 1 && result.units <= bytes.count)
    }

    /// Random messages mixing ASCII, GSM Latin/Greek, extension characters, Cyrillic and emoji.
    @Test("split parts re-join to the input and each fits in one part", arguments: [1, 2, 3, 4, 5])
    func splitProperty(seed: UInt64) {
        let gsmPool: [String] = ["a", "Z", " ", "7", "é", "Δ", "\n", "€", "{", "~", "\\", "ß"]
        let otherPool: [String] = ["ж", "😀", "✓", "👍🏽", "ç"]
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<60 {
            let length = next(700)
            let useOther = round % 2 == 1
            var text = ""
            for _ in 0..<length {
                if useOther && next(10) == 0 {
                    text += otherPool[next(otherPool.count)]
                } else {
                    text += gsmPool[next(gsmPool.count)]
                }
            }
            let total = Segments.count(text)
            let parts = Segments.split(text)
            #expect(parts.count == total.segments)
            #expect(parts.joined() == text)
            #expect(Array(parts.joined().unicodeScalars) == Array(text.unicodeScalars))
            #expect(parts.map { cost($0, total.encoding) }.reduce(0, +) == total.units)
            if parts.count == 1 {
                #expect(total.units <= (total.encoding == .gsm7 ? 160 : 70))
            } else {
                let limit = total.encoding == .gsm7 ? 153 : 67
                for part in parts {
                    #expect(cost(part, total.encoding) <= limit)
                    #expect(!part.isEmpty)
                }
                // Greedy: the next part's first character would not have fitted.
                for k in 0..<(parts.count - 1) {
                    let first = String(parts[k + 1].unicodeScalars.first!)
                    #expect(cost(parts[k], total.encoding) + cost(first, total.encoding) > limit)
                }
            }
        }
    }
}
