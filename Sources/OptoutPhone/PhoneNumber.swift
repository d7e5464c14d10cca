// PhoneNumber.swift — the one phone number type of optout, and the reasons a field is not one.
// Input: E.164 text ("+447911123456") or an integer already known to be E.164 digits.
// Output: `PhoneNumber`, a UInt64 holding the E.164 digits (country code first), cheap to hash,
// compare and store. Failures: `init?(e164:)` returns nil on anything but strict "+<digits>" with a
// known country calling code and 5...15 digits; parsing messy input is `PhoneNumberParser`'s job.

/// A phone number in E.164 form, stored as one integer.
///
/// Two numbers are equal exactly when their E.164 strings are equal, so `value` is the key for
/// suppression lookups. Order is numeric order of `value`.
package struct PhoneNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The E.164 digits as one integer, country code first (so never a leading zero): +447911123456 → 447911123456.
    package let value: UInt64

    /// Parses strict E.164: "+", then 5...15 ASCII digits starting with a known country calling code.
    ///
    /// No spaces, no separators, no national forms: use `PhoneNumberParser` for messy input.
    package init?(e164: String) {
        var text = e164
        guard let value = text.withUTF8({ PhoneNumber.strictE164($0) }) else { return nil }
        self.value = value
    }

    /// Wraps digits already known to be E.164 (e.g. read back from the ledger); no check is made.
    package init(unchecked value: UInt64) {
        self.value = value
    }

    /// "+" followed by the digits of `value`.
    package var e164: String {
        var digits = [UInt8](repeating: 0, count: 21)
        var n = value
        var i = digits.count
        repeat {
            i -= 1
            digits[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
            n /= 10
        } while n > 0
        i -= 1
        digits[i] = UInt8(ascii: "+")
        return String(decoding: digits[i...], as: UTF8.self)
    }

    package var description: String { e164 }

    /// The country calling code (1 to 3 digits), e.g. 44 for +447911123456; 0 if `value` starts with no known code.
    package var countryCode: Int {
        var digitCount = 0
        var n = value
        while n > 0 { digitCount += 1; n /= 10 }
        var divisor: UInt64 = 1
        for _ in 0..<max(0, digitCount - 1) { divisor &*= 10 }
        var prefix: UInt64 = 0
        var rest = value
        for _ in 0..<min(3, digitCount) {
            let digit = rest / divisor
            rest %= divisor
            divisor /= 10
            prefix = prefix * 10 + digit
            if PhoneNumber.isKnownCountryCode(Int(prefix)) { return Int(prefix) }
        }
        return 0
    }

    package static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.value < rhs.value }

    /// True if `code` is a country calling code libphonenumber knows (1, 44, 800, ...).
    static func isKnownCountryCode(_ code: Int) -> Bool {
        code > 0 && code < 1000 && PhoneMetadata.shared.firstRegion[code] != PhoneMetadata.noRegion
    }

    /// Strict E.164 check on bytes; nil unless "+" then 5...15 digits with a known country code.
    static func strictE164(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard bytes.count >= 6, bytes.count <= 16, bytes[0] == UInt8(ascii: "+") else { return nil }
        var value: UInt64 = 0
        for i in 1..<bytes.count {
            let d = bytes[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            if i == 1 && d == 0 { return nil }
            value = value * 10 + UInt64(d)
        }
        let number = PhoneNumber(unchecked: value)
        return number.countryCode == 0 ? nil : value
    }
}

/// Why a field could not be read as a phone number; each case has a sentence for reports.
package enum PhoneRejection: Error, Sendable, Equatable {
    case empty, scientificNotation, invalidCharacters, missingCountry, unknownCountryCode,
         tooShort, tooLong, notPossible, notMobile
    /// The row's country column names no country (CountryColumn): the cell as written.
    case unknownCountry(String)

    /// A sentence for the skipped-rows report, e.g. "number in scientific notation (damaged by a spreadsheet; digits lost)".
    package var reason: String {
        switch self {
        case .empty: return "empty phone number"
        case .scientificNotation: return "number in scientific notation (damaged by a spreadsheet; digits lost)"
        case .invalidCharacters: return "not a phone number (letters or other characters that are not part of a number)"
        case .missingCountry: return "no country code and no default_country to read a national number"
        case .unknownCountryCode: return "unknown country calling code"
        case .tooShort: return "too short to be a phone number of its country"
        case .tooLong: return "too long to be a phone number of its country"
        case .notPossible: return "wrong number of digits for its country"
        case .notMobile: return "not a mobile number (mobile_only is on)"
        case .unknownCountry(let cell): return "country column: \"\(cell)\" is not a country"
        }
    }
}
