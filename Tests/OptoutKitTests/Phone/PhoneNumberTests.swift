// PhoneNumberTests.swift — unit tests of PhoneNumber and PhoneNumberParser, one argument list per format.
// Input: literal fields and regions. Output: test results (E.164 strings or rejection cases).
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct PhoneNumberTests {
    /// The two-digits-a-division writer gives the bytes of the digit-by-digit one and of `e164`.
    @Test func writeE164IsTheDigitwiseWriter() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 99_999_999, 100_000_000, 100_000_007, 1_000_000_000, 447_911_123_456, 999_999_999_999_999, 1_000_000_000_000_000, 9_999_999_999_999_999]
        var state: UInt64 = 3
        for _ in 0..<5000 { state = state &* 6364136223846793005 &+ 1442695040888963407; values.append((state >> 10) % 10_000_000_000_000_000 >> (state % 40)) }
        for value in values {
            let number = PhoneNumber(unchecked: value)
            var fast: [UInt8] = [], slow: [UInt8] = []
            number.appendE164(to: &fast)
            number.appendE164Digitwise(to: &slow)
            #expect(fast == slow, "\(value)")
            #expect(String(decoding: fast, as: UTF8.self) == number.e164, "\(value)")
        }
    }

    static func parse(_ input: String, _ region: String?, mobileOnly: Bool = false) -> String {
        switch PhoneNumberParser(defaultRegion: region, mobileOnly: mobileOnly).parse(input) {
        case .success(let number): return number.e164
        case .failure(let why): return "\(why)"
        }
    }

    @Test("issue 3 examples", arguments: [
        ("07911 123456", "GB", "+447911123456"),
        ("+44 (0)7911 123456", "GB", "+447911123456"),
        ("0044 7911 123456", "GB", "+447911123456"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("1-415-555-0123", "US", "+14155550123"),
        ("011 44 7911 123456", "US", "+447911123456"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("tel:+33612345678", "FR", "+33612345678"),
        ("+49 (0)151/23456789", "DE", "+4915123456789"),
    ])
    func issueExamples(input: String, region: String, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("international prefixes: +, 00, 011 and each region's own", arguments: [
        ("+447911123456", "FR", "+447911123456"),
        ("++44 7911 123456", "FR", "+447911123456"),
        ("００４４ ７９１１ １２３４５６", "FR", "+447911123456"),
        ("＋44 7911 123456", nil, "+447911123456"),
        ("00 33 6 12 34 56 78", "DE", "+33612345678"),
        ("011 33 6 12 34 56 78", "CA", "+33612345678"),
        ("0011 44 7911 123456", "AU", "+447911123456"),     // Australia's prefix
        ("010 44 7911 123456", "JP", "+447911123456"),      // Japan's prefix
        ("00 44 7911 123456", "US", "tooLong"),               // 00 is not NANP's prefix: read as 14 national digits
        ("+44 7911 123456", nil, "+447911123456"),
        ("0044 7911 123456", nil, "missingCountry"),         // no default region: only + says the country, as libphonenumber
        ("+00 44 7911 123456", "GB", "+447911123456"),       // libphonenumber's retry after a bad code
        ("+999 1234 5678", "GB", "unknownCountryCode"),
        ("+0 123 456 789", nil, "unknownCountryCode"),
    ] as [(String, String?, String)])
    func internationalPrefixes(input: String, region: String?, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("national numbers and trunk prefixes", arguments: [
        ("020 7946 0000", "GB", "+442079460000"),
        ("030 123456", "DE", "+4930123456"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("612 34 56 78", "ES", "+34612345678"),              // no trunk prefix in Spain
        ("06 1234 5678", "IT", "+390612345678"),             // Italy keeps its leading 0
        ("+39 06 1234 5678", "GB", "+390612345678"),
        ("312 345 6789", "IT", "+393123456789"),
        ("087 123 4567", "IE", "+353871234567"),
        ("06 12345678", "NL", "+31612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0412 345 678", "AU", "+61412345678"),
        ("1 (613) 555-0199", "CA", "+16135550199"),
        ("447911123456", "GB", "+447911123456"),            // country code without +
        ("14155550123", "US", "+14155550123"),
        ("011 54 9 11 1234 5678", "US", "+5491112345678"),    // Argentina mobile with its 9
        ("011 15 1234 5678", "AR", "+5491112345678"),         // Argentina: 15 after area code becomes 9
        ("(11) 9 6123 4567", "BR", "+5511961234567"),
    ])
    func nationalNumbers(input: String, region: String, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("(0) inside international numbers", arguments: [
        ("+44 (0)7911 123456", "+447911123456"),
        ("+44 (0) 20 7946 0000", "+442079460000"),
        ("+49 (0)151/23456789", "+4915123456789"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+31 (0)6 12345678", "+31612345678"),
        ("+39 (0)6 1234 5678", "+390612345678"),            // Italy: the 0 belongs to the number
    ])
    func zeroInParentheses(input: String, expected: String) {
        #expect(Self.parse(input, "US") == expected)
    }

    @Test("separators", arguments: [
        "07911 123456", "07911-123-456", "07911.123.456", "07911/123456", "(07911) 123456",
        "[07911] 123456", "07911\u{00A0}123456", "07911\u{202F}123456", "07911\u{2013}123456",
        "07911\u{2212}123456", "07911\u{3000}123456", " 07911 123456 ", "\t07911 123456\r\n",
        "\u{FEFF}07911 123456", "07911 123456.", "'07911 123456", "=\"07911 123456\"",
        "tel:07911-123456", "TEL:+44-7911-123456", "tel:7911123456;phone-context=+44",
    ])
    func separators(input: String) {
        #expect(Self.parse(input, "GB") == "+447911123456")
    }

    @Test("extensions are dropped, as libphonenumber keeps them apart", arguments: [
        "+44 20 7946 0000 x123", "+44 20 7946 0000 ext. 123", "+44 20 7946 0000 ext 12",
        "+44 20 7946 0000;ext=12", "tel:+44-20-7946-0000;ext=12", "+44 20 7946 0000 #12",
        "+44 20 7946 0000, 12", "020 7946 0000 extension 5", "020 7946 0000 EXT:5",
    ])
    func extensions(input: String) {
        #expect(Self.parse(input, "GB") == "+442079460000")
    }

    @Test("letters are rejected, an x between digits is a separator", arguments: [
        ("1-800-FLOWERS", "US", "invalidCharacters"),
        ("0800 FLOWERS", "GB", "invalidCharacters"),
        ("+44 7911 12345a", "GB", "invalidCharacters"),
        ("Mob: 07911 123456", "GB", "invalidCharacters"),
        ("n/a", "GB", "invalidCharacters"),
        ("+44 x 7911123456", "GB", "+447911123456"),
    ])
    func letters(input: String, region: String, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("spreadsheet damage", arguments: [
        ("4.47911E+11", "GB", "scientificNotation"),
        ("4,47911E+11", "GB", "scientificNotation"),
        ("4.47911e11", "GB", "scientificNotation"),
        ("1E+11", nil, "scientificNotation"),
        ("7911123456", "GB", "+447911123456"),       // leading 0 dropped: libphonenumber reads it as national
        ("612345678", "FR", "+33612345678"),
        ("2079460000", "GB", "+442079460000"),
        ("447911123456", "GB", "+447911123456"),
    ] as [(String, String?, String)])
    func spreadsheetDamage(input: String, region: String?, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("rejections", arguments: [
        ("", "GB", "empty"),
        ("   ", "GB", "empty"),
        ("-", "GB", "invalidCharacters"),
        ("07911 123456", nil, "missingCountry"),
        ("+61 4122 304 2999", "AU", "notPossible"),   // 11 digits: Australia has 5-10 and 12
        ("07911", "GB", "tooShort"),
        ("07911 123456 789", "GB", "tooLong"),
        ("+44 7911 1234567890123", "GB", "tooLong"),
        ("555-0123", "US", "tooShort"),              // local-only length (no area code)
        ("+1 415 555 0123 4", "US", "tooLong"),
        ("07911 123456 +44", "GB", "invalidCharacters"),
        ("0" + String(repeating: "1", count: 60), "GB", "tooLong"),
        ("+43 123", "AT", "tooShort"),               // under Austria's shortest possible length
    ] as [(String, String?, String)])
    func rejections(input: String, region: String?, expected: String) {
        #expect(Self.parse(input, region) == expected)
    }

    @Test("mobile_only", arguments: [
        ("07911 123456", "GB", "+447911123456"),
        ("020 7946 0000", "GB", "notMobile"),
        ("0800 123 4567", "GB", "notMobile"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("01 23 45 67 89", "FR", "notMobile"),
        ("(415) 555-0123", "US", "+14155550123"),      // NANP: fixed line and mobile look alike
        ("0151 23456789", "DE", "+4915123456789"),
        ("030 123456", "DE", "notMobile"),
        ("+44 7781 123456", "JE", "+447781123456"),      // Jersey mobile under +44
    ])
    func mobileOnly(input: String, region: String, expected: String) {
        #expect(Self.parse(input, region, mobileOnly: true) == expected)
    }

    @Test("String and byte parsing agree") func bytesAndString() throws {
        let parser = PhoneNumberParser(defaultRegion: "GB")
        let field = Array("+44 (0)7911 123456".utf8)
        let fromBytes = field.withUnsafeBufferPointer { parser.parse($0) }
        #expect(fromBytes == parser.parse("+44 (0)7911 123456"))
        #expect(try fromBytes.get().value == 447_911_123_456)
    }

    @Test func e164() throws {
        let n = try #require(PhoneNumber(e164: "+447911123456"))
        #expect(n.value == 447_911_123_456)
        #expect(n.countryCode == 44)
        #expect(n.e164 == "+447911123456")
        #expect(n.description == "+447911123456")
        #expect(PhoneNumber(unchecked: 14_155_550_123).countryCode == 1)
        #expect(PhoneNumber(unchecked: 35_312_345_678).countryCode == 353)
        #expect(PhoneNumber(unchecked: 80_012_345_678).countryCode == 800)
        #expect(PhoneNumber(unchecked: 14_155_550_123) < PhoneNumber(unchecked: 447_911_123_456))
    }

    @Test("strict E.164", arguments: [
        "447911123456", "+44 7911 123456", "+0447911123456", "+1234", "+1234567890123456",
        "+9991234567", "", "+", "+44791112345a",
    ])
    func strictE164Rejects(input: String) {
        #expect(PhoneNumber(e164: input) == nil)
    }

    @Test func regions() {
        #expect(PhoneNumberParser.isKnownRegion("GB"))
        #expect(PhoneNumberParser.isKnownRegion("us"))
        #expect(!PhoneNumberParser.isKnownRegion("UK"))
        #expect(!PhoneNumberParser.isKnownRegion("001"))
        #expect(!PhoneNumberParser.isKnownRegion(""))
    }

    @Test func reasonsAreSentences() {
        let all: [PhoneRejection] = [.empty, .scientificNotation, .invalidCharacters, .missingCountry, .unknownCountryCode,
                                     .tooShort, .tooLong, .notPossible, .notMobile]
        #expect(Set(all.map(\.reason)).count == all.count)
        #expect(PhoneRejection.scientificNotation.reason == "number in scientific notation (damaged by a spreadsheet; digits lost)")
    }
}
