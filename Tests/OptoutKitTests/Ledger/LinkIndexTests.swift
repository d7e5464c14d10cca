// Link index entries made on worker threads (LinkIndex.encodeEntry) are the records `append`
// writes, and read back as the same numbers.

import Foundation
import Testing
import OptoutBase
import OptoutPhone
@testable import OptoutKit

@Suite struct LinkIndexTests {
    @Test func anEncodedEntryIsTheRecordAppendWrites() throws {
        let dir = NSTemporaryDirectory() + "optout-links-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokens = LinkTokens(key: Array(repeating: 7, count: 32))
        let numbers = ["+447700900001", "+12127364100", "+4915112345678"].map { PhoneNumber(e164: $0)! }
        let one = try LinkIndex(path: "\(dir)/one.tsv")
        for number in numbers {
            var token: [UInt8] = []
            tokens.appendToken(for: number, to: &token)
            try one.append(number, token: token)
        }
        try one.sync()
        var encoded: [UInt8] = []
        for number in numbers { LinkIndex.encodeEntry(number, tokens: tokens, into: &encoded) }
        let two = try LinkIndex(path: "\(dir)/two.tsv")
        try two.append(encoded: encoded, count: numbers.count)
        try two.sync()
        let first = try #require(FileManager.default.contents(atPath: "\(dir)/one.tsv"))
        #expect(FileManager.default.contents(atPath: "\(dir)/two.tsv") == first)
        #expect(two.appended == 3)
        var read: [UInt64] = []
        try LinkIndex.forEachNumber(path: "\(dir)/two.tsv") { read.append($0) }
        #expect(read == numbers.map(\.value))
    }
}
