// Sender readings: every phone number an opt-out input's sender (or import cell) may be.
// Input: the cell as written and settings' default_country. Output: the distinct valid readings,
// in this order: as written (international only: `+44...`, `tel:+44...`), as a national number of
// default_country, as international digits (`447700900123` → +447700900123; a leading 00 is the
// international prefix). Recipient filters never apply here: `mobile_only` is not used (an
// opt-out from a landline is still an opt-out). Failures: none thrown; no reading at all gives
// the most telling rejection.
// An opt-out applies to every reading; an opt-in only when there is exactly one.

import OptoutPhone
import OptoutBase

package struct SenderReadings: Sendable {
    /// No default region: only an explicit `+` (or tel: context) gives a country.
    private let international = PhoneNumberParser(defaultRegion: nil, mobileOnly: false)
    /// default_country, when set.
    private let national: PhoneNumberParser?
    package let defaultCountry: String?

    package init(defaultCountry: String?) {
        self.defaultCountry = defaultCountry
        national = defaultCountry.map { PhoneNumberParser(defaultRegion: $0, mobileOnly: false) }
    }

    /// The distinct valid readings of `raw`, or why it has none.
    package func readings(_ raw: String) -> Result<[PhoneNumber], PhoneRejection> {
        var found: [PhoneNumber] = []
        var rejections: [PhoneRejection] = []
        func add(_ result: Result<PhoneNumber, PhoneRejection>) {
            switch result {
            case .success(let number): if !found.contains(number) { found.append(number) }
            case .failure(let rejection): rejections.append(rejection)
            }
        }
        add(international.parse(raw))
        if let national { add(national.parse(raw)) }
        let trimmed = raw.drop(while: { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" })
        if let first = trimmed.first, first.isNumber || first == "(" {
            let digits = trimmed.hasPrefix("00") ? trimmed.dropFirst(2) : trimmed
            add(international.parse("+" + digits))
        }
        if !found.isEmpty { return .success(found) }
        // The most telling reason: letters first, then what the national reading said.
        if rejections.contains(.invalidCharacters) { return .failure(.invalidCharacters) }
        if rejections.contains(.scientificNotation) { return .failure(.scientificNotation) }
        if rejections.contains(.empty) { return .failure(.empty) }
        if national != nil, rejections.count > 1 { return .failure(rejections[1]) }
        return .failure(rejections.last ?? .empty)
    }

    /// "as written, as a national number of GB and as international digits", for reasons.
    package var tried: String {
        "as written, \(defaultCountry.map { "as a national number of \($0), " } ?? "")and as international digits"
    }
}
