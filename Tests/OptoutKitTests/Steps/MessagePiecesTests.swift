// MessagePieces (Steps/CampaignParts.swift): the send row's message measured from its pieces and
// written straight into the row equals the reference — the message rendered whole, counted by
// `Segments.count` and written by `CSVWriter(.machine).appendField` — over templates and cells
// chosen to break it (quotes, commas and line breaks in a cell or the template, leading and
// trailing spaces, empty cells with and without fallbacks, UCS-2 and extension characters at the
// joins, malformed UTF-8, 160/161 septets and 70/71 units, link bases that need quoting).
// The link field of the links file is checked the same way.

import Testing
@testable import OptoutBase
@testable import OptoutKit

@Suite struct MessagePiecesTests {
    static let templates: [[TemplatePart]] = [
        [.text("Hi "), .field(name: "first", fallback: "there"), .text(", your Acme order ships today. Reply STOP or opt out: "), .optOutLink],
        [.field(name: "first", fallback: nil), .text(" and "), .field(name: "city", fallback: "x")],
        [.text("Plain text, no fields")],
        [.text("He said \"hi\" to "), .field(name: "first", fallback: ""), .optOutLink, .field(name: "city", fallback: nil)],
        [.field(name: "city", fallback: " "), .text(String(repeating: "a", count: 150)), .field(name: "first", fallback: "€"), .optOutLink],
        [.text(String(repeating: "ж", count: 60)), .field(name: "first", fallback: nil), .text("ok")],
        [.optOutLink],
        [],
    ]
    static let cells: [[UInt8]] = [
        [], Array("Amelia".utf8), Array("Zoë".utf8), Array("Łukasz".utf8), Array("李娜".utf8), Array("a,b".utf8), Array("say \"x\"".utf8),
        Array("\"".utf8), Array("line\nbreak".utf8), Array("cr\r".utf8), Array(" lead".utf8), Array("trail ".utf8), Array(" ".utf8),
        Array("€{}".utf8), Array("😀".utf8), Array(String(repeating: "b", count: 11).utf8), Array(String(repeating: "ж", count: 11).utf8),
        [0xE2, 0x82], [0xAC], [0xC3], [0xFF, 0x41],
    ]
    static let linkBases: [String] = ["https://acme.link/u/", "", " https://x/", "https://x/?a=1,b=\"2\"/"]
    static let token: [UInt8] = Array("AbC0123xyZ".utf8)

    @Test func theRowMessageIsWhatRenderAndAppendFieldWrite() {
        var mismatches: [String] = []
        var fastAnswers = 0, total = 0
        for parts in Self.templates {
            var unknown: [String] = []
            let message = MessagePieces(parts: parts, unknown: &unknown) { ["first": 0, "city": 1][$0] }
            #expect(unknown.isEmpty)
            for base in Self.linkBases {
                let linkBase = Array(base.utf8)
                let link = MessagePieces.LinkFacts(base: linkBase, sampleToken: Self.token)
                for first in Self.cells {
                    for city in [[UInt8](), Array("Leeds".utf8), Array("\" ,".utf8), [0x82, 0xAC]] {
                        total += 1
                        let cells = CellBuffers([first, city])  // memory that outlives every use, as a chunk's bytes do
                        defer { withExtendedLifetime(cells) {} }
                        func fields(_ column: Int) -> UnsafeBufferPointer<UInt8> { cells.field(column) }
                        // Reference: render, count, appendField after a first field.
                        var text: [UInt8] = []
                        Self.token.withUnsafeBufferPointer { message.render(into: &text, linkBase: linkBase, token: $0, fields: fields) }
                        let expectedCount = Segments.count(utf8: text)
                        var expected = Array("+1".utf8)
                        text.withUnsafeBufferPointer { CSVWriter(audience: .machine).appendField($0, to: &expected) }
                        // The fast path.
                        let measure = message.measure(link: link, fields: fields)
                        if let fast = measure.figures.count {
                            fastAnswers += 1
                            if fast != expectedCount { mismatches.append("count \(parts) \(first) \(city): \(fast) != \(expectedCount)") }
                        }
                        var written = [UInt8](repeating: 0, count: 8 + 2 * (measure.bytes + linkBase.count))
                        let n = written.withUnsafeMutableBufferPointer { out in
                            linkBase.withUnsafeBufferPointer { b in
                                Self.token.withUnsafeBufferPointer { t in
                                    message.writeCSVField(measure, linkBase: b, token: t, fields: fields, to: out.baseAddress!) - out.baseAddress!
                                }
                            }
                        }
                        if measure.bytes != text.count { mismatches.append("length \(parts) \(first) \(city)") }
                        if Array("+1,".utf8) + written.prefix(n) != expected {
                            mismatches.append("bytes \(parts) \(first) \(city): \(String(decoding: written.prefix(n), as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
                        }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(fastAnswers > total / 2)
    }

    @Test(arguments: linkBases)
    func theLinkFieldIsWhatAppendFieldWrites(base: String) {
        let linkBase = Array(base.utf8)
        let link = MessagePieces.LinkFacts(base: linkBase, sampleToken: Self.token)
        var expected = Array("+1,tok".utf8)
        (linkBase + Self.token).withUnsafeBufferPointer { CSVWriter(audience: .machine).appendField($0, to: &expected) }
        var written = [UInt8](repeating: 0, count: 8 + 2 * linkBase.count + Self.token.count)
        let n = written.withUnsafeMutableBufferPointer { out in
            linkBase.withUnsafeBufferPointer { b in
                Self.token.withUnsafeBufferPointer { t in link.writeURLField(base: b, token: t, to: out.baseAddress!) - out.baseAddress! }
            }
        }
        #expect(Array("+1,tok,".utf8) + written.prefix(n) == expected)
    }
}
