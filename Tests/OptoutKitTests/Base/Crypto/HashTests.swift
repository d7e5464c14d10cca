// HashTests.swift: SHA-256 (FIPS 180-4 / NIST vectors), HMAC-SHA256 (RFC 4231 cases 1-7),
// CRC-32 (check value, incremental seeding, against a bit-by-bit reference), Hex and Base62.

import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// Deterministic pseudo-random bytes for tests (SplitMix64).
private struct TestBytes {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
private func unhex(_ text: String) -> [UInt8] { Hex.decode(text)! }

@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-4 / NIST vectors", arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ("Grüße €😀", "736942eda4414cb656950ccbd1e6981f78e870e7439bb9c0269aa62c54d0489c"),
    ])
    func vectors(message: String, digest: String) {
        #expect(hex(SHA256.hash(message)) == digest)
        #expect(hex(SHA256.hash(Array(message.utf8))) == digest)
    }

    /// Lengths around the padding boundaries (55/56 bytes: length fits or needs a second block).
    @Test("padding boundaries", arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: length)
        #expect(hex(SHA256.hash(message)) == digest)
        // Same message one byte at a time.
        var hasher = SHA256()
        for byte in message { hasher.update([byte]) }
        #expect(hex(hasher.finalize()) == digest)
    }

    @Test("one million 'a' fed in uneven chunks")
    func millionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let chunkSizes = [1, 7, 63, 64, 65, 127, 1000, 3, 4096, 55, 56, 129]
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        var hasher = SHA256()
        var fed = 0
        var k = 0
        while fed < 1_000_000 {
            let size = min(chunkSizes[k % chunkSizes.count], 1_000_000 - fed)
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
            fed += size
            k += 1
        }
        #expect(hex(hasher.finalize()) == expected)
        let oneShot = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hex(SHA256.hash(oneShot)) == expected)
    }

    @Test("chunking never changes the digest")
    func randomChunking() {
        var random = TestBytes(state: 42)
        let data = random.bytes(3000)
        let expected = SHA256.hash(data)
        for _ in 0..<20 {
            var hasher = SHA256()
            var at = 0
            while at < data.count {
                let size = min(Int(random.next() % 200), data.count - at)
                hasher.update(Array(data[at..<(at + size)]))
                at += size
            }
            #expect(hasher.finalize() == expected)
        }
    }

    @Test("finalize resets the hasher; an empty update changes nothing")
    func finalizeResets() {
        var hasher = SHA256()
        hasher.update("abc")
        let first = hasher.finalize()
        hasher.update([UInt8]())
        hasher.update("abc")
        #expect(hasher.finalize() == first)
        #expect(first.count == 32)
        #expect(hex(hasher.finalize()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("HMAC-SHA256")
struct HMACTests {
    /// RFC 4231 section 4, test cases 1-7 (key, data, expected; case 5 is truncated to 128 bits).
    static let cases: [(Int, [UInt8], [UInt8], String)] = [
        (1, [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (2, Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (3, [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (4, Array(1...25), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (5, [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
         "a3b6167473100ee06e0c796c2955552b"),
        (6, [UInt8](repeating: 0xaa, count: 131),
         Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (7, [UInt8](repeating: 0xaa, count: 131),
         Array(("This is a test using a larger than block-size key and a larger than block-size data."
                + " The key needs to be hashed before being used by the HMAC algorithm.").utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("RFC 4231 test cases", arguments: 0..<7)
    func rfc4231(index: Int) {
        let (number, key, data, expected) = Self.cases[index]
        let code = HMACSHA256.authenticationCode(key: key, message: data)
        #expect(code.count == 32, "case \(number)")
        #expect(hex(Array(code.prefix(expected.count / 2))) == expected, "case \(number)")
        let viaString = HMACSHA256.authenticationCode(
            key: key, message: String(decoding: data, as: UTF8.self))
        if data.allSatisfy({ $0 < 0x80 }) { #expect(viaString == code, "case \(number)") }
    }

    @Test("a 64-byte key is used as is, a 65-byte key is hashed first")
    func blockSizeKeys() {
        let message = Array("payload".utf8)
        let key64 = [UInt8](repeating: 0x11, count: 64)
        let key65 = [UInt8](repeating: 0x11, count: 65)
        // A key longer than the block equals its own SHA-256 used as the key.
        #expect(HMACSHA256.authenticationCode(key: key65, message: message)
                == HMACSHA256.authenticationCode(key: SHA256.hash(key65), message: message))
        #expect(HMACSHA256.authenticationCode(key: key64, message: message)
                != HMACSHA256.authenticationCode(key: key65, message: message))
    }
}

@Suite("CRC-32")
struct CRC32Tests {
    /// Bit-by-bit CRC-32 straight from the definition, to check the table-driven one.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    @Test("check values", arguments: [
        ("123456789", UInt32(0xCBF4_3926)),
        ("", UInt32(0)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
        ("a", UInt32(0xE8B7_BE43)),
    ])
    func checkValues(text: String, expected: UInt32) {
        #expect(CRC32.checksum(Array(text.utf8)) == expected)
    }

    @Test("matches the bit-by-bit definition for every length 0...70")
    func againstReference() {
        var random = TestBytes(state: 7)
        let data = random.bytes(70)
        for length in 0...70 {
            let prefix = Array(data[0..<length])
            #expect(CRC32.checksum(prefix) == Self.reference(prefix), "length \(length)")
        }
    }

    @Test("incremental seeding equals one shot, at every split point")
    func incremental() {
        var random = TestBytes(state: 99)
        let data = random.bytes(100)
        let oneShot = CRC32.checksum(data)
        for cut in 0...data.count {
            let first = CRC32.checksum(Array(data[0..<cut]))
            let both = CRC32.checksum(Array(data[cut...]), seed: first)
            #expect(both == oneShot, "cut \(cut)")
        }
        let check = Array("123456789".utf8)
        let viaBuffer = check.withUnsafeBytes { buffer in
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[4...]),
                           seed: CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[..<4])))
        }
        #expect(viaBuffer == 0xCBF4_3926)
    }
}

@Suite("Hex and Base62")
struct EncodingTests {
    @Test func hexEncode() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0xff, 0x10, 0xab, 0x09]) == "00ff10ab09")
    }

    @Test("hex decode", arguments: [
        ("00ff10ab09", [UInt8]([0x00, 0xff, 0x10, 0xab, 0x09]) as [UInt8]?),
        ("00FF10AB09", [0x00, 0xff, 0x10, 0xab, 0x09]),
        ("", []),
        ("abc", nil),
        ("zz", nil),
        ("0g", nil),
        ("0 ", nil),
        ("é0", nil),
    ])
    func hexDecode(text: String, expected: [UInt8]?) {
        #expect(Hex.decode(text) == expected)
    }

    @Test("base62 encoding and zero padding", arguments: [
        (UInt64(0), 4, "0000"),
        (61, 1, "z"),
        (62, 2, "10"),
        (62, 1, "0"),             // only the low digit is kept
        (35, 3, "00Z"),
        (36, 3, "00a"),
        (1_234_567_890_123, 8, "0LjaL3EZ"),
        (UInt64.max, 11, "LygHa16AHYF"),
        (UInt64.max, 13, "00LygHa16AHYF"),
        (5, 0, ""),
    ])
    func base62Encode(value: UInt64, length: Int, expected: String) {
        #expect(Base62.encode(value, length: length) == expected)
    }

    @Test("base62 decode", arguments: [
        ("0000", UInt64(0) as UInt64?),
        ("000z", 61),
        ("10", 62),
        ("LygHa16AHYF", UInt64.max),
        ("LygHa16AHYG", nil),     // UInt64.max + 1
        ("zzzzzzzzzzz", nil),     // 62^11 - 1 overflows
        ("", nil),
        ("ab-c", nil),
        ("ab c", nil),
        ("abc\u{e9}", nil),
    ])
    func base62Decode(text: String, expected: UInt64?) {
        #expect(Base62.decode(text) == expected)
    }

    @Test("base62 round trips")
    func base62RoundTrip() {
        var random = TestBytes(state: 2026)
        for _ in 0..<1000 {
            let value = random.next()
            let text = Base62.encode(value, length: 11)
            #expect(text.utf8.count == 11)
            #expect(Base62.decode(text) == value)
            let short = value & ((1 << 59) - 1)       // 59 bits fit in 10 digits (62^10 > 2^59)
            #expect(Base62.decode(Base62.encode(short, length: 10)) == short)
        }
    }
}
