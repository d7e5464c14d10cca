// Token resolution: every issued token resolves to its number; random tokens of the right shape,
// and malformed ones, resolve to nothing (never guessed).

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct TokenResolverTests {
    /// A link index of `count` numbers, written and read back the way a run does.
    func index(count: Int) throws -> (TokenResolver, [(String, PhoneNumber)], String) {
        let dir = NSTemporaryDirectory() + "optout-tokens-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/links.tsv"
        let tokens = LinkTokens(key: Array(repeating: 7, count: 32))
        let index = try LinkIndex(path: path)
        var issued: [(String, PhoneNumber)] = []
        for i in 0..<count {
            let number = try #require(PhoneNumber(e164: "+447700\(String(100_000 + i))"))
            let token = tokens.token(for: number)
            try index.add(number, token: token)
            issued.append((token, number))
        }
        try index.sync()
        return (try TokenResolver.load(path: path), issued, dir)
    }

    @Test func issuedTokensResolveToTheirNumbers() throws {
        let (resolver, issued, dir) = try index(count: 20_000)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(resolver.count == 20_000)
        for (token, number) in issued { #expect(resolver.resolve(token) == number) }
    }

    @Test func aMillionRandomTokensResolveToNoNumber() throws {
        let (resolver, issued, dir) = try index(count: 20_000)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var state: UInt64 = 0x243F6A8885A308D3
        var token = [UInt8](repeating: 0, count: LinkTokens.length)
        var resolved = 0, wellFormed = 0
        let start = Date()
        for _ in 0..<1_000_000 {
            for k in 0..<token.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407   // LCG, top bits used
                token[k] = alphabet[Int((state >> 33) % 62)]
            }
            guard let value = TokenResolver.value(ofToken: token) else { continue }
            wellFormed += 1
            if resolver.resolve(value: value) != nil { resolved += 1 }
        }
        let seconds = Date().timeIntervalSince(start)
        print("1,000,000 random tokens against \(issued.count) issued: \(resolved) resolved in \(String(format: "%.2f", seconds)) s")
        #expect(wellFormed == 1_000_000)
        #expect(resolved == 0)
        // A sanity check that the loop really probes the table: an issued token still resolves.
        #expect(resolver.resolve(issued[0].0) == issued[0].1)
    }

    @Test(arguments: ["", "abc", "abcdefghi", "abcdefghijk", "abcde-ghij", "abcdéfghij", "abcdefghi ", "/u/abcdefg"])
    func malformedTokensResolveToNothing(_ text: String) throws {
        let (resolver, _, dir) = try index(count: 10)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(TokenResolver.value(ofToken: text.utf8) == nil)
        #expect(resolver.resolve(text) == nil)
    }

    @Test func tokenValueMatchesBase62() {
        for text in ["0000000000", "zzzzzzzzzz", "Ab3dE5gH7j"] {
            #expect(TokenResolver.value(ofToken: text.utf8) == Base62.decode(text))
        }
    }
}
