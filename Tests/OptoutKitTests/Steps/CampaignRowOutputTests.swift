// CampaignRowOutput.recipient (Steps/CampaignRowOutput.swift) writes the send and links rows the
// reference way would: the message rendered whole, counted by `Segments.count`, written with
// `CSVWriter(.machine)` after the number's `e164` and its `LinkTokens.token` — for hostile cells
// (quotes, commas, line breaks, spaces at either end, UCS-2, extension characters and emoji past
// one part, malformed UTF-8), link bases that need quoting, and a max_segments that skips.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct CampaignRowOutputTests {
    static let cells: [[UInt8]] = [
        [], Array("Amelia".utf8), Array("Zoë".utf8), Array("李娜".utf8), Array("a,b".utf8), Array("say \"x\"".utf8),
        Array("line\nbreak".utf8), Array(" lead".utf8), Array("trail ".utf8), Array("€{}".utf8),
        Array(String(repeating: "€", count: 80).utf8), Array(String(repeating: "😀", count: 40).utf8),
        Array(String(repeating: "b", count: 90).utf8), Array(String(repeating: "b", count: 300).utf8), [0xE2, 0x82], [0xFF, 0x41],
    ]

    /// The reference: what `recipient` wrote before it measured pieces (render, count, CSVWriter).
    static func reference(_ number: PhoneNumber, line: Int, message: MessagePieces, tokens: LinkTokens, linkBase: [UInt8],
                          maxSegments: Int?, fields: (Int) -> UnsafeBufferPointer<UInt8>) -> (send: [UInt8], links: [UInt8], skipped: [UInt8]) {
        let token = Array(tokens.token(for: number).utf8)
        var text: [UInt8] = []
        token.withUnsafeBufferPointer { message.render(into: &text, linkBase: linkBase, token: $0, fields: fields) }
        let count = Segments.count(utf8: text)
        let machine = CSVWriter(audience: .machine), people = CSVWriter(audience: .people)
        if let maxSegments, count.segments > maxSegments {
            var row = Array(String(line).utf8)
            people.appendField(number.e164, to: &row)
            people.appendField("message too long: \(count.segments) segments (max_segments is \(maxSegments))", to: &row)
            people.endRow(to: &row)
            return ([], [], row)
        }
        var links = Array("\(number.e164),".utf8) + token
        (linkBase + token).withUnsafeBufferPointer { machine.appendField($0, to: &links) }
        links.append(UInt8(ascii: "\n"))
        var send = Array(number.e164.utf8)
        text.withUnsafeBufferPointer { machine.appendField($0, to: &send) }
        send += Array(",\(count.segments),\(count.encoding.rawValue)\n".utf8)
        return (send, links, [])
    }

    @Test func recipientRowsAreTheReferenceRows() throws {
        let dir = NSTemporaryDirectory() + "row-output-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ledger = try Ledger(path: dir + "/ledger.tsv")
        let tokens = LinkTokens(key: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })
        let templates: [[TemplatePart]] = [
            [.text("Hi "), .field(name: "first", fallback: "there"), .text(", your Acme order ships today. Reply STOP or opt out: "), .optOutLink],
            [.field(name: "first", fallback: nil), .text(" {"), .field(name: "city", fallback: " "), .optOutLink],
            [.optOutLink, .text(" – "), .field(name: "first", fallback: "x")],
        ]
        var rows = 0, skipped = 0
        for parts in templates {
            var unknown: [String] = []
            let message = MessagePieces(parts: parts, unknown: &unknown) { ["first": 0, "city": 1][$0] }
            for base in ["https://acme.link/u/", " https://x/\"q\",", "https://x/ ", " https://y/"] {
                let linkBase = Array(base.utf8)
                for maxSegments in [nil, 2] as [Int?] {
                    let context = CampaignRowContext(message: message, tokens: tokens, linkBase: linkBase, maxSegments: maxSegments,
                                                     ledger: ledger, parser: PhoneNumberParser(defaultRegion: "US"), checksList: false)
                    for (i, first) in Self.cells.enumerated() {
                        for city in [Array("Leeds".utf8), Self.cells[(i * 7) % Self.cells.count]] {
                            let cells = CellBuffers([first, city])  // memory that outlives every use, as a chunk's bytes do
                            defer { withExtendedLifetime(cells) {} }
                            func fields(_ column: Int) -> UnsafeBufferPointer<UInt8> { cells.field(column) }
                            let number = PhoneNumber(unchecked: 12_025_550_100 + UInt64(rows))
                            var out = CampaignRowOutput(context)
                            out.recipient(number, line: rows + 2, context: context, rendering: context.rendering, fields: fields)
                            let expected = Self.reference(number, line: rows + 2, message: message, tokens: tokens, linkBase: linkBase,
                                                          maxSegments: maxSegments, fields: fields)
                            #expect(out.send == expected.send, "\(String(decoding: out.send, as: UTF8.self)) != \(String(decoding: expected.send, as: UTF8.self))")
                            #expect(out.links == expected.links, "\(String(decoding: out.links, as: UTF8.self))")
                            #expect(out.skipped == expected.skipped, "\(String(decoding: out.skipped, as: UTF8.self))")
                            rows += 1
                            if !out.skipped.isEmpty { skipped += 1 }
                        }
                    }
                }
            }
        }
        #expect(rows == 3 * 4 * 2 * Self.cells.count * 2)
        #expect(skipped > 0 && skipped < rows / 2)  // both sent and too-long rows compared
    }
}
