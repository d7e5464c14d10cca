// UCS-2 culprits (issue 14 item 3): the characters that forced UCS-2, the messages they touched,
// the extra segments of the sent ones and the recipients skipped as too long only because of them.

import Testing
@testable import OptoutKit

@Suite struct UCS2CulpritsTests {
    static func record(_ texts: [String], maxSegments: Int?) -> UCS2Culprits {
        var culprits = UCS2Culprits()
        for text in texts {
            let count = Segments.count(text)
            var copy = text
            copy.withUTF8 { culprits.record(utf8: UnsafeRawBufferPointer($0), count: count, maxSegments: maxSegments) }
        }
        return culprits
    }

    /// The byte scan records what the String-decoding reference records, message by message:
    /// culprits, extra segments, too long only by UCS-2 (malformed bytes take the reference path).
    @Test func theByteScanRecordsWhatDecodingRecords() {
        let pieces: [[UInt8]] = [
            Array("Hi Zoë, ça va? ".utf8), Array("€{}".utf8), Array("李娜".utf8), Array("😀".utf8), Array("\u{2019}".utf8),
            Array(String(repeating: "a", count: 150).utf8), Array(String(repeating: "ж", count: 40).utf8), Array("`\t".utf8),
            [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82], [0xFF], [0x80],
        ]
        var checked = 0
        for p in pieces {
            for q in pieces {
                for r in pieces {
                    let message = p + q + r
                    let count = Segments.count(utf8: message)
                    guard count.encoding == .ucs2 else { continue }
                    for maxSegments in [nil, 1, 2, 3] as [Int?] {
                        var fast = UCS2Culprits(), reference = UCS2Culprits()
                        message.withUnsafeBytes {
                            fast.record(utf8: $0, count: count, maxSegments: maxSegments)
                            reference.recordDecoding(utf8: $0, count: count, maxSegments: maxSegments)
                        }
                        #expect(fast == reference, "\(message) max \(String(describing: maxSegments))")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 1000)
    }

    @Test func namesTheCharactersAndCountsTheCost() {
        let body = String(repeating: "a", count: 100)
        // 101 characters: 2 UCS-2 segments, 1 as GSM-7.
        let c = Self.record(["Zoë " + body, "Chloë and Zoë " + body, "plain " + body, "It’s " + body], maxSegments: nil)
        #expect(c.messages == 3)  // the GSM-7 message is not counted
        #expect(c.characters == [0xEB: 2, 0x2019: 1])
        #expect(c.extraSegments == 3)
        #expect(c.tooLongOnlyByUCS2 == 0)
        #expect(c.characterList() == "\"ë\" U+00EB (2 messages), right single quote U+2019 (1 message)")
        let warning = try! #require(c.warning(recipients: 4))
        #expect(warning.contains("for 3 of 4 messages") && warning.contains("3 extra segments"))
    }

    @Test func aMessageTooLongOnlyInUCS2IsCounted() {
        // 150 characters with one ë: 3 UCS-2 segments, 1 GSM-7 segment; max 2 → skipped, fits as GSM-7.
        let text = "ë" + String(repeating: "b", count: 149)
        let c = Self.record([text, "ë" + String(repeating: "c", count: 400)], maxSegments: 2)
        #expect(c.messages == 2 && c.tooLongOnlyByUCS2 == 1 && c.extraSegments == 0)
        #expect(c.warning(recipients: 2)!.contains("1 recipient skipped as \"message too long\" who would get the message in GSM-7"))
        #expect(UCS2Culprits().warning(recipients: 5) == nil)
    }

    @Test func extensionCharactersAndSurrogatesStayExact() {
        // An emoji (2 UTF-16 units) forces UCS-2; "{" is GSM-7 (2 septets) and is no culprit.
        let c = Self.record(["{ok} 👍"], maxSegments: nil)
        #expect(c.characters == [0x1F44D: 1] && c.extraSegments == 0)
        #expect(UCS2Culprits.describe(0xA0) == "no-break space U+00A0")
        #expect(UCS2Culprits.describe(0x1F44D) == "\"👍\" U+1F44D")
    }
}
