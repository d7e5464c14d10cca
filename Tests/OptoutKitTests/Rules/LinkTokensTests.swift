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

    /// The token written from the E.164 bytes (the shared prefix hashed once) is the SipHash of
    /// the whole message, for numbers of every length and the extremes of a UInt64.
    @Test func writtenTokensAreTheSipHashOfTheWholeMessage() {
        let tokens = LinkTokens(key: key)
        let subkey = HMACSHA256.authenticationCode(key: key, message: Array("optout link token key v1".utf8))
        let sip = SipHash24(key: Array(subkey.prefix(16)))
        var values: [UInt64] = [1, 9, 10, 99, 100, 12345, 447_911_123_456, 999_999_999_999_999, UInt64.max]
        var state: UInt64 = 7
        for _ in 0..<2000 { state = state &* 6364136223846793005 &+ 1442695040888963407; values.append(state >> (state % 50)) }
        for value in values {
            let number = PhoneNumber(unchecked: value)
            let whole = Array("optout-link-v1:+\(value)".utf8)
            #expect(tokens.token(for: number) == Base62.encode(sip.hash(whole), length: 10), "\(value)")
        }
    }

    /// A prefix of whole blocks hashed once, then the rest: the tag of the whole message.
    @Test(arguments: [0, 8, 16, 24])
    func sipHashPrefixedIsTheWholeHash(prefixLength: Int) {
        let sip = SipHash24(key: (0..<16).map { UInt8($0 &* 7) })
        let message = (0..<80).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        let prefixed = sip.prefixed(Array(message.prefix(prefixLength)))
        for end in prefixLength...message.count {
            let rest = Array(message[prefixLength..<end])
            #expect(rest.withUnsafeBytes { prefixed.tag($0) } == sip.hash(Array(message[0..<end])), "\(end)")
        }
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
