// PhoneMetadata.swift — decodes the generated libphonenumber table (PhoneMetadata.generated.swift)
// once into arrays the parser reads on the hot path.
// Input: `PhoneMetadataBlob.base64`. Output: `PhoneMetadata.shared` (regions, pattern programs,
// national-prefix transform rules, and an index from calling code to its regions).
// Failures: a corrupt blob is a build defect, so it traps with a message (never reachable from input).
//
// Blob layout (little endian): header "PHN1", regionCount, recordSize, programWords, transformBytes, 0
// (u32 each); then regionCount records; then programWords u32 words; then the transform bytes.
// Record: iso[2] cc:u16 flags:u16 transformOffset:u16 transformLength:u16 pnpGroups:u8 pad:u8
// possibleLengths:u64 localOnlyLengths:u64 generalPatternLengths:u64 idd:i32 pnp:i32 leading:i32
// general:i32, then 10 × (lengthMask:u64 program:i32) for the number types in `PhoneNumberKind` order.

import Foundation

/// libphonenumber's number types that have their own pattern, in the table's order.
enum PhoneNumberKind: Int, CaseIterable, Sendable {
    case premiumRate, tollFree, sharedCost, voip, personalNumber, pager, uan, voicemail, fixedLine, mobile
}

/// One region's metadata (one record of the table). Program fields are offsets into `PhoneMetadata.program`, -1 = none.
struct PhoneRegion: Sendable {
    /// ISO code as two ASCII bytes (hi, lo); 0 for libphonenumber's non-geographic "001" entries.
    var iso: UInt16
    var countryCode: Int
    /// bit 0: mobile and fixed-line patterns are the same; bit 1: has leading digits; bit 2: main region of its code; bit 3: has a transform rule.
    var flags: UInt16
    var transformOffset: Int
    var transformLength: Int
    var pnpGroups: Int
    /// Bit n set = a national significant number of n digits is possible (general description).
    var possibleLengths: UInt64
    /// Bit n set = n digits is possible only for local dialling.
    var localOnlyLengths: UInt64
    /// Bit n set = the general pattern can match n digits (a sound prefilter for `general`).
    var generalPatternLengths: UInt64
    var idd: Int32
    var pnp: Int32
    var leading: Int32
    var general: Int32

    var sameMobileAndFixed: Bool { flags & 1 != 0 }
    var hasLeadingDigits: Bool { flags & 2 != 0 }
    var hasTransform: Bool { flags & 8 != 0 }
}

/// The decoded libphonenumber metadata, shared by all parsers (immutable).
final class PhoneMetadata: Sendable {
    static let shared = PhoneMetadata()
    static let noRegion: UInt16 = 0xFFFF

    let regions: [PhoneRegion]
    /// Pattern programs, back to back (see PhoneRegex.swift).
    let program: [UInt32]
    /// National-prefix transform rules: ASCII digits, or 0x80|n for capture group n.
    let transforms: [UInt8]
    /// Per calling code 0...999: index of its main region in `regions`, or `noRegion`.
    let firstRegion: [UInt16]
    /// Per calling code: how many consecutive regions share it.
    let regionCount: [UInt8]
    /// Per region, per `PhoneNumberKind`: lengths the type can have (possible lengths ∩ pattern lengths).
    let kindLengths: [UInt64]
    /// Per region, per `PhoneNumberKind`: program offset, -1 = the type has no numbers.
    let kindProgram: [Int32]

    private init() {
        guard let data = Data(base64Encoded: PhoneMetadataBlob.base64, options: .ignoreUnknownCharacters) else {
            fatalError("PhoneMetadata.generated.swift: blob is not base64")
        }
        let bytes = [UInt8](data)
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
        func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }
        func i32(_ o: Int) -> Int32 { Int32(bitPattern: u32(o)) }
        guard bytes.count >= 24, bytes[0] == UInt8(ascii: "P"), bytes[3] == UInt8(ascii: "1") else {
            fatalError("PhoneMetadata.generated.swift: bad magic")
        }
        let count = Int(u32(4)), size = Int(u32(8)), words = Int(u32(12)), tbytes = Int(u32(16))
        guard size == 172, bytes.count == 24 + count * size + words * 4 + tbytes else {
            fatalError("PhoneMetadata.generated.swift: sizes do not add up")
        }
        var regions: [PhoneRegion] = []
        var kindLengths: [UInt64] = []
        var kindProgram: [Int32] = []
        regions.reserveCapacity(count)
        for r in 0..<count {
            let o = 24 + r * size
            regions.append(PhoneRegion(
                iso: UInt16(bytes[o]) << 8 | UInt16(bytes[o + 1]), countryCode: u16(o + 2), flags: UInt16(u16(o + 4)),
                transformOffset: u16(o + 6), transformLength: u16(o + 8), pnpGroups: Int(bytes[o + 10]),
                possibleLengths: u64(o + 12), localOnlyLengths: u64(o + 20), generalPatternLengths: u64(o + 28),
                idd: i32(o + 36), pnp: i32(o + 40), leading: i32(o + 44), general: i32(o + 48)))
            for k in 0..<PhoneNumberKind.allCases.count {
                kindLengths.append(u64(o + 52 + k * 12))
                kindProgram.append(i32(o + 60 + k * 12))
            }
        }
        let programStart = 24 + count * size
        var program = [UInt32](repeating: 0, count: words)
        for i in 0..<words { program[i] = u32(programStart + i * 4) }
        let transformStart = programStart + words * 4
        var first = [UInt16](repeating: PhoneMetadata.noRegion, count: 1000)
        var counts = [UInt8](repeating: 0, count: 1000)
        for (i, region) in regions.enumerated() where region.countryCode < 1000 {
            if first[region.countryCode] == PhoneMetadata.noRegion { first[region.countryCode] = UInt16(i) }
            counts[region.countryCode] += 1
        }
        self.regions = regions
        self.program = program
        self.transforms = Array(bytes[transformStart...])
        self.firstRegion = first
        self.regionCount = counts
        self.kindLengths = kindLengths
        self.kindProgram = kindProgram
    }

    /// Index of the region with this ISO code (case-insensitive), or nil; never matches "001".
    func regionIndex(iso: String) -> Int? {
        let u = Array(iso.utf8)
        guard u.count == 2 else { return nil }
        func upper(_ b: UInt8) -> UInt8 { (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) ? b - 32 : b }
        let key = UInt16(upper(u[0])) << 8 | UInt16(upper(u[1]))
        return regions.firstIndex { $0.iso == key && $0.iso != 0 }
    }
}
