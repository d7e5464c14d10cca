// Link tokens and the link index: the definition, stability, shape, and resolution.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct LinkTokensTests {
    let key: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    @Test func tokenIsTheKeyedSipHashOfTheNumberInBase62() {
        let tokens = LinkTokens(key: key)
        let number = PhoneNumber(e164: "+447911123456")!
        let subkey = HMACSHA256.authenticationCode(key: key, message: Array("optout link token key v1".utf8))
        let value = SipHash24(key: Array(subkey.prefix(16))).hash(Array("optout-link-v1:+447911123456".utf8))
        #expect(tokens.token(for: number) == Base62.encode(value, length: 10))
    }

    /// The reference vectors of the SipHash paper (key 00..0f, messages 00, 00 01, ... ).
    @Test(arguments: [(0, UInt64(0x726fdb47dd0e0e31)), (1, UInt64(0x74f839c593dc67fd)), (8, UInt64(0x93f5f5799a932462)), (15, UInt64(0xa129ca6149be45e5)), (63, UInt64(0x958a324ceb064572))])
    func sipHashReferenceVectors(length: Int, expected: UInt64) {
        let sip = SipHash24(key: (0..<16).map { UInt8($0) })
        #expect(sip.hash((0..<length).map { UInt8($0) }) == expected)
    }

    @Test func sameNumberSameTokenDifferentNumbersDifferentTokens() {
        let tokens = LinkTokens(key: key)
        var seen = Set<String>()
        for i in 0..<10_000 {
            let number = PhoneNumber(unchecked: 447_700_000_000 + UInt64(i))
            let token = tokens.token(for: number)
            #expect(LinkTokens.isWellFormed(token))
            #expect(token == tokens.token(for: number))
            seen.insert(token)
        }
        #expect(seen.count == 10_000)
        #expect(LinkTokens(key: Array(key.reversed())).token(for: PhoneNumber(unchecked: 447_700_000_000)) != tokens.token(for: PhoneNumber(unchecked: 447_700_000_000)))
    }

    @Test func indexResolvesTokensAndStoresEachNumberOnce() throws {
        let path = NSTemporaryDirectory() + "links-\(UUID().uuidString).tsv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokens = LinkTokens(key: key)
        let index = try LinkIndex(path: path)
        let a = PhoneNumber(e164: "+447911123456")!, b = PhoneNumber(e164: "+33612345678")!
        try index.add(a, token: tokens.token(for: a))
        try index.add(a, token: tokens.token(for: a))
        try index.add(b, token: tokens.token(for: b))
        try index.sync()
        #expect(try LinkIndex.count(path: path) == 2)
        let reopened = try LinkIndex(path: path)
        try reopened.add(a, token: tokens.token(for: a))
        try reopened.sync()
        #expect(try LinkIndex.count(path: path) == 2)
        #expect(reopened.appended == 0)
        let resolver = try TokenResolver.load(path: path)
        #expect(resolver.resolve(tokens.token(for: a)) == a)
        #expect(resolver.resolve(tokens.token(for: b)) == b)
        #expect(resolver.resolve("AAAAAAAAAA") == nil)
    }
}
