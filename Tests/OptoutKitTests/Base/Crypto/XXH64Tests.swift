// XXH64: the reference library's values (Python xxhash 3, xxh64, seed 0), whole and in pieces.

import Testing
@testable import OptoutBase

@Suite struct XXH64Tests {
    /// Inputs and their xxh64 from the reference library: empty, shorter than a stripe, exactly
    /// one, one and a byte, several with a tail of every kind (8-, 4- and 1-byte steps).
    static let vectors: [([UInt8], UInt64)] = [
        ([], 0xEF46_DB37_51D8_E999),
        (Array("a".utf8), 0xD24E_C4F1_A98C_6E5B),
        (Array("abc".utf8), 0x44BC_2CF5_AD77_0999),
        (Array(repeating: UInt8(ascii: "x"), count: 31), 0x60DD_0D01_083B_99F0),
        (Array(repeating: UInt8(ascii: "y"), count: 32), 0x64DA_1F1D_3495_CE66),
        (Array(repeating: UInt8(ascii: "z"), count: 33), 0xC524_1253_C64E_0268),
        (Array("hello world, this is optout".utf8), 0x1702_E544_7BCC_35F6),
        ((0..<768).map { UInt8($0 % 256) }, 0x8E03_C838_C596_036F),
    ]

    @Test func wholeInputsHashAsTheReferenceDoes() {
        for (bytes, expected) in Self.vectors {
            #expect(bytes.withUnsafeBytes { XXH64.hash($0) } == expected, "\(bytes.count) bytes")
        }
    }

    /// Fed in pieces of every size (stripes split anywhere), the same values.
    @Test(arguments: [1, 3, 7, 31, 32, 33, 100])
    func piecesHashAsTheWhole(piece: Int) {
        for (bytes, expected) in Self.vectors {
            var h = XXH64()
            var at = 0
            while at < bytes.count {
                let end = min(bytes.count, at + piece)
                bytes[at..<end].withUnsafeBytes { h.update($0) }
                at = end
            }
            #expect(h.value == expected, "\(bytes.count) bytes in pieces of \(piece)")
        }
    }
}
