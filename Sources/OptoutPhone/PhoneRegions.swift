// Phone regions: the regions libphonenumber has metadata for, as a caller outside this module sees
// them — their ISO codes, the main region of a calling code (`44` → GB, `1` → US, `7` → RU), and a
// parser like another but for a different default region (the country column of a contact list).
// Input: an ISO code or a calling code. Output: codes and parsers. Failures: nil for unknown ones.

extension PhoneNumberParser {
    /// ISO 3166 alpha-2 codes of every region with metadata, upper case (not "001").
    package static let regionCodes: [String] = PhoneMetadata.shared.regions.compactMap { region in
        guard region.iso != 0 else { return nil }
        return String(decoding: [UInt8(region.iso >> 8), UInt8(region.iso & 0xFF)], as: UTF8.self)
    }

    /// The main region of a country calling code (libphonenumber's first region for it), or nil.
    package static func mainRegion(callingCode: Int) -> String? {
        let meta = PhoneMetadata.shared
        guard callingCode > 0, callingCode < meta.firstRegion.count else { return nil }
        let index = meta.firstRegion[callingCode]
        guard index != PhoneMetadata.noRegion else { return nil }
        let iso = meta.regions[Int(index)].iso
        guard iso != 0 else { return nil }
        return String(decoding: [UInt8(iso >> 8), UInt8(iso & 0xFF)], as: UTF8.self)
    }

    /// This parser (same mobile-only rule) for national numbers of `iso` instead.
    package func forRegion(_ iso: String) -> PhoneNumberParser {
        PhoneNumberParser(defaultRegion: iso, mobileOnly: mobileOnly)
    }
}
