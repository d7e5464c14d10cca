// PhoneNumberParser.swift — reads a messy phone field (CSV bytes or a String) as libphonenumber does.
// Input: the field's bytes; the parser's default region (for national numbers) and mobile-only flag.
// Output: `Result<PhoneNumber, PhoneRejection>`: the E.164 number, or why the field is not one.
// Failures: none thrown; every rejection is a `PhoneRejection` value. No String and no heap
// allocation on the byte path (digits are gathered in a small stack buffer).
//
// Two layers. The scanner (this file, top half) turns bytes into digits and a leading-plus flag:
// whitespace trimmed; separators skipped (space - . / ( ) [ ] * x ~ and their Unicode forms: NBSP,
// narrow NBSP, dashes, full-width forms); `tel:` URIs with `;phone-context=+CC` and `;isub=`;
// scientific notation rejected; an extension (`x123`, `ext. 123`, `#123`, `,123`, `;ext=123`)
// ends the number and is dropped (libphonenumber keeps it apart); any other letter rejected. The resolver (bottom half) is libphonenumber's `parse` +
// `is_possible_number_with_reason` step for step: `+` or the default region's international prefix
// (pattern), country calling code, default-country numbers written with their country code but no
// `+`, national prefix for parsing with its transform rule (kept only when the length stays
// possible), then the possible-length check of the number's main region.
//
// Deliberate differences from libphonenumber (each explained in the README section and the
// fixture notes): letters are rejected, not converted; a length that is possible only for local
// dialling (no area code) is `tooShort`; E.164's 15-digit maximum is enforced (libphonenumber's
// lengths decide the minimum). Without a default region only `+` gives a country, as there.

/// Parses phone fields as libphonenumber does, for one default region.
package struct PhoneNumberParser: Sendable {
    let meta: PhoneMetadata
    /// Index of the default region in `meta.regions`, or -1.
    let region: Int
    let mobileOnly: Bool

    /// defaultRegion: ISO 3166 alpha-2 (e.g. "GB") used for national numbers; nil = only international numbers are accepted.
    ///
    /// An unknown region code behaves like nil (check it first with `isKnownRegion`).
    /// mobileOnly: reject numbers that libphonenumber does not classify as mobile (or fixed-line-or-mobile).
    package init(defaultRegion: String?, mobileOnly: Bool = false) {
        let metadata = PhoneMetadata.shared
        meta = metadata
        region = defaultRegion.flatMap { metadata.regionIndex(iso: $0) } ?? -1
        self.mobileOnly = mobileOnly
    }

    /// True for ISO 3166 alpha-2 codes libphonenumber has metadata for ("GB", "us"; not "001", not "UK").
    package static func isKnownRegion(_ iso: String) -> Bool {
        PhoneMetadata.shared.regionIndex(iso: iso) != nil
    }

    /// Parses a String (convenience; copies to UTF-8 bytes when it is not already contiguous).
    package func parse(_ text: String) -> Result<PhoneNumber, PhoneRejection> {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// Parses one field's bytes (UTF-8). Hot path: no String, no allocation.
    package func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<PhoneNumber, PhoneRejection> {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3 * PhoneNumberParser.bufferSize) { buffer in
            let base = buffer.baseAddress!
            switch scan(bytes, into: base) {
            case .failure(let rejection):
                return .failure(rejection)
            case .success(let scanned):
                return resolve(base, scanned.count, plus: scanned.plus,
                               scratch1: base + PhoneNumberParser.bufferSize,
                               scratch2: base + 2 * PhoneNumberParser.bufferSize)
            }
        }
    }

    // MARK: - Scanner

    /// Digit buffers hold at most this many digits; more is always too long.
    static let bufferSize = 48
    static let maxDigits = 40

    struct Scanned { var count: Int; var plus: Bool }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    private static let plusSign = UInt8(ascii: "+"), semicolon = UInt8(ascii: ";"), comma = UInt8(ascii: ",")
    private static let hash = UInt8(ascii: "#"), colon = UInt8(ascii: ":"), dot = UInt8(ascii: "."), dash = UInt8(ascii: "-")
    private static let zero = UInt8(ascii: "0")

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }
    @inline(__always) private static func lower(_ b: UInt8) -> UInt8 {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? b | 0x20 : b
    }
    @inline(__always) private static func isLetter(_ b: UInt8) -> Bool { lower(b) &- UInt8(ascii: "a") < 26 }

    /// ASCII symbols libphonenumber skips before the first `+` or digit (not letters, not `;`).
    @inline(__always) private static func isLeadingJunk(_ b: UInt8) -> Bool {
        b < 0x80 && b != plusSign && b != semicolon && !isDigit(b) && !isLetter(b)
    }

    /// ASCII symbols libphonenumber drops after the number (anything but letters, digits and `#`).
    @inline(__always) private static func isTrailingJunk(_ b: UInt8) -> Bool {
        b < 0x80 && b != hash && !isDigit(b) && !isLetter(b)
    }

    /// Byte length of a whitespace character at `i` (ASCII space/tab/CR/LF, NBSP, narrow NBSP, BOM), else 0.
    private static func whitespaceLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let b = p[i]
        if b == space || b == tab || b == cr || b == lf { return 1 }
        if b == 0xC2, i + 1 < end, p[i + 1] == 0xA0 { return 2 }
        if b == 0xE2, i + 2 < end, p[i + 1] == 0x80, p[i + 2] == 0xAF { return 3 }
        if b == 0xEF, i + 2 < end, p[i + 1] == 0xBB, p[i + 2] == 0xBF { return 3 }
        return 0
    }

    /// Byte length of a whitespace character ending at `end - 1`, else 0.
    private static func trailingWhitespaceLength(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        let b = p[end - 1]
        if b == space || b == tab || b == cr || b == lf { return 1 }
        if b == 0xA0, end - 2 >= start, p[end - 2] == 0xC2 { return 2 }
        if b == 0xAF, end - 3 >= start, p[end - 3] == 0xE2, p[end - 2] == 0x80 { return 3 }
        return 0
    }

    /// What a multi-byte UTF-8 character means in a phone number.
    private enum Wide { case separator, plus, digit(UInt8), other }

    /// Classifies the non-ASCII character at `i`; `length` is its byte length (1 if malformed).
    private static func wide(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> (Wide, Int) {
        let b0 = p[i]
        if b0 == 0xC2, i + 1 < end {
            let b1 = p[i + 1]
            return (b1 == 0xA0 || b1 == 0xAD) ? (.separator, 2) : (.other, 2)
        }
        guard b0 >= 0xE2, b0 <= 0xEF, i + 2 < end else { return (.other, 1) }
        let b1 = p[i + 1], b2 = p[i + 2]
        let scalar = (UInt32(b0 & 0x0F) << 12) | (UInt32(b1 & 0x3F) << 6) | UInt32(b2 & 0x3F)
        switch scalar {
        case 0x2010...0x2015, 0x200B, 0x2060, 0x2212, 0x2053, 0x223C, 0x3000, 0x30FC, 0xFF0D...0xFF0F,
             0xFF08, 0xFF09, 0xFF3B, 0xFF3D, 0xFF5E, 0x202F, 0x2009, 0xFEFF:
            return (.separator, 3)
        case 0xFF0B:
            return (.plus, 3)
        case 0xFF10...0xFF19:
            return (.digit(UInt8(scalar - 0xFF10)), 3)
        default:
            return (.other, 3)
        }
    }

    /// True if `[start, end)` is a number in scientific notation: `4.47911E+11`, `4,47911E+11`, `1E9`.
    private static func isScientific(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        if i < end, p[i] == plusSign || p[i] == dash { i += 1 }
        let mantissa = i
        while i < end, isDigit(p[i]) { i += 1 }
        guard i > mantissa else { return false }
        if i < end, p[i] == dot || p[i] == comma {
            i += 1
            let fraction = i
            while i < end, isDigit(p[i]) { i += 1 }
            guard i > fraction else { return false }
        }
        guard i < end, lower(p[i]) == UInt8(ascii: "e") else { return false }
        i += 1
        if i < end, p[i] == plusSign || p[i] == dash { i += 1 }
        let exponent = i
        while i < end, isDigit(p[i]) { i += 1 }
        return i > exponent && i == end
    }

    /// True if the bytes at `i` equal the lower-case ASCII `word` (case-insensitive).
    private static func hasWord(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard end - i >= n else { return false }
        let w = word.utf8Start
        for k in 0..<n where lower(p[i + k]) != w[k] { return false }
        return true
    }

    /// Extension labels (lower case) and the most digits libphonenumber accepts after each.
    private static let extensionLabels: [(StaticString, Int)] = [
        ("extension", 20), ("extn", 20), ("ext", 20), ("xtn", 20), ("xt", 20), ("anexo", 20),
        ("int", 9), ("x", 9), ("#", 9), ("~", 9), (",,", 15), (",", 9),
    ]

    /// True if an extension starts at `i` and runs to `end`: a label (ext, extn, extension, x, #, ~, int,
    /// anexo, a comma or two), optional `:` or `.`, optional blanks/commas/dashes, digits, optional `#`.
    private static func isExtension(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Bool {
        for (label, maxDigits) in extensionLabels where hasWord(p, i, end, label) {
            var j = i + label.utf8CodeUnitCount
            if label.utf8CodeUnitCount == 1 && p[i] == comma {
                while j < end, p[j] == comma { j += 1 }
            }
            if j < end, p[j] == colon || p[j] == dot { j += 1 }
            while j < end, p[j] == space || p[j] == tab || p[j] == comma || p[j] == dash { j += 1 }
            let digits = j
            while j < end, isDigit(p[j]) { j += 1 }
            let n = j - digits
            guard n >= 1, n <= maxDigits else { continue }
            if j < end, p[j] == hash { j += 1 }
            if j == end { return true }
        }
        return false
    }

    /// Separators libphonenumber allows between digits: space ( ) * - . / (bits of 0...63) and [ ] (bits of 64...127).
    private static let separatorsLow: UInt64 = 1 << 32 | 1 << 40 | 1 << 41 | 1 << 42 | 1 << 45 | 1 << 46 | 1 << 47
    private static let separatorsHigh: UInt64 = 1 << (91 - 64) | 1 << (93 - 64)

    /// Turns the field into digit values in `out` and a leading-plus flag, or rejects it.
    func scan(_ p: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Result<Scanned, PhoneRejection> {
        typealias P = PhoneNumberParser
        var lo = 0, hi = p.count
        while lo < hi { let w = P.whitespaceLength(p, lo, hi); if w == 0 { break }; lo += w }
        while hi > lo { let w = P.trailingWhitespaceLength(p, lo, hi); if w == 0 { break }; hi -= w }
        if lo >= hi { return .failure(.empty) }
        let result = scanTrimmed(p, lo, hi, into: out)
        if case .failure(let why) = result, why == .invalidCharacters, P.isScientific(p, lo, hi) {
            return .failure(.scientificNotation)
        }
        return result
    }

    /// `scan` after whitespace trimming (scientific notation is checked by the caller on failure).
    private func scanTrimmed(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                             into out: UnsafeMutablePointer<UInt8>) -> Result<Scanned, PhoneRejection> {
        typealias P = PhoneNumberParser
        var lo = start, hi = end
        if p[lo] == UInt8(ascii: "t") || p[lo] == UInt8(ascii: "T"), P.hasWord(p, lo, hi, "tel:") { lo += 4 }
        // Like libphonenumber, ignore symbols before the number and after it: spreadsheet and CRM
        // leftovers such as `'+44…`, `="+44…"`, `"+44…"`, `07911 123456.` (letters are not ignored).
        while lo < hi, P.isLeadingJunk(p[lo]) { lo += 1 }
        while hi > lo, P.isTrailingJunk(p[hi - 1]) { hi -= 1 }
        if lo >= hi { return .failure(.invalidCharacters) }

        var count = 0
        var plus = false
        var contextDigits = 0
        var lastWasPlus = false
        var i = lo
        while i < hi {
            let b = p[i]
            let d = b &- P.zero
            if d < 10 {
                guard count < P.maxDigits else { return .failure(.tooLong) }
                out[count] = d
                count += 1
                lastWasPlus = false
                i += 1
                continue
            }
            if b < 64 ? (P.separatorsLow >> UInt64(b)) & 1 != 0 : b < 128 && (P.separatorsHigh >> UInt64(b - 64)) & 1 != 0 {
                lastWasPlus = false
                i += 1
                continue
            }
            switch b {
            case P.plusSign:
                guard count == 0, !plus || lastWasPlus else { return .failure(.invalidCharacters) }
                plus = true
                lastWasPlus = true
                i += 1
                continue
            case P.semicolon:
                // RFC 3966 parameters: `;ext=` (extension), `;phone-context=+CC` (prefix), `;isub=`
                // (ignored); `;` followed by digits is an extension too. They end the number.
                var k = i
                while k < hi {
                    var e = k + 1
                    while e < hi, p[e] != P.semicolon { e += 1 }
                    if P.hasWord(p, k, e, ";ext=") || P.isExtension(p, k + 1, e) {
                        break  // an extension ends the number; it is dropped, as libphonenumber keeps it apart
                    } else if P.hasWord(p, k, e, ";phone-context=") {
                        let c = k + 15
                        if c < e, p[c] == P.plusSign {
                            guard !plus, contextDigits == 0 else { return .failure(.invalidCharacters) }
                            // The context's digits go in front of the number's.
                            var context = 0
                            for j in (c + 1)..<e where P.isDigit(p[j]) { context += 1 }
                            guard count + context <= P.maxDigits else { return .failure(.tooLong) }
                            var m = count
                            while m > 0 { m -= 1; out[m + context] = out[m] }
                            for j in (c + 1)..<e {
                                if P.isDigit(p[j]) {
                                    out[m] = p[j] &- P.zero
                                    m += 1
                                } else if p[j] != P.dash && p[j] != P.dot && p[j] != UInt8(ascii: "(") && p[j] != UInt8(ascii: ")") {
                                    return .failure(.invalidCharacters)
                                }
                            }
                            contextDigits = context
                            count += context
                            plus = true
                        }
                    } else if !P.hasWord(p, k, e, ";isub=") {
                        return .failure(.invalidCharacters)
                    }
                    k = e
                }
                i = hi
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "~"):
                if count >= 2 && P.isExtension(p, i, hi) { i = hi; continue }  // extension dropped
                i += 1
            case _ where b >= 0x80:
                let (kind, length) = P.wide(p, i, hi)
                switch kind {
                case .separator:
                    i += length
                case .plus:
                    guard count == 0, !plus || lastWasPlus else { return .failure(.invalidCharacters) }
                    plus = true
                    lastWasPlus = true
                    i += length
                    continue
                case .digit(let d):
                    guard count < P.maxDigits else { return .failure(.tooLong) }
                    out[count] = d
                    count += 1
                    i += length
                case .other:
                    return .failure(.invalidCharacters)
                }
            default:
                if (P.isLetter(b) || b == P.hash || b == P.comma) && count >= 2 && P.isExtension(p, i, hi) {
                    i = hi  // extension dropped
                    continue
                }
                return .failure(.invalidCharacters)
            }
            lastWasPlus = false
        }
        if count - contextDigits == 0 { return .failure(.invalidCharacters) }
        return .success(Scanned(count: count, plus: plus))
    }

    // MARK: - Resolver (libphonenumber's parse and possible-number check)

    enum LengthVerdict { case possible, localOnly, tooShort, tooLong, invalid }

    /// libphonenumber's test_number_length for the general description of region `r`.
    @inline(__always)
    func testLength(_ length: Int, _ r: Int) -> LengthVerdict {
        let region = meta.regions[r]
        let bit: UInt64 = length < 64 ? 1 << UInt64(length) : 0
        if region.localOnlyLengths & bit != 0 { return .localOnly }
        let possible = region.possibleLengths
        if possible == 0 { return .invalid }
        let minimum = possible.trailingZeroBitCount, maximum = 63 - possible.leadingZeroBitCount
        if length == minimum { return .possible }
        if length < minimum { return .tooShort }
        if length > maximum { return .tooLong }
        return possible & bit != 0 ? .possible : .invalid
    }

    /// Full match of the general national-number pattern of region `r` (no possible-length check).
    @inline(__always)
    func matchesGeneral(_ r: Int, _ d: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let region = meta.regions[r]
        guard region.general >= 0, n < 64, (region.generalPatternLengths >> UInt64(n)) & 1 != 0 else { return false }
        return meta.match(region.general, d, n, full: true) >= 0
    }

    /// The country calling code at the start of `d` (1 to 3 digits), or nil.
    @inline(__always)
    func extractCountryCode(_ d: UnsafePointer<UInt8>, _ n: Int) -> (code: Int, length: Int)? {
        guard n > 0, d[0] != 0 else { return nil }
        var code = 0
        for i in 0..<min(3, n) {
            code = code * 10 + Int(d[i])
            if meta.firstRegion[code] != PhoneMetadata.noRegion { return (code, i + 1) }
        }
        return nil
    }

    /// libphonenumber's national-prefix stripping for region `r`; the result points into `d` or `out`.
    func stripNationalPrefix(_ r: Int, _ d: UnsafePointer<UInt8>, _ n: Int,
                             into out: UnsafeMutablePointer<UInt8>) -> (UnsafePointer<UInt8>, Int) {
        let region = meta.regions[r]
        guard n > 0, region.pnp >= 0 else { return (d, n) }
        return meta.program.withUnsafeBufferPointer { code in
            var run = PhoneRegexRun(code: code.baseAddress! + Int(region.pnp), input: d, count: n, full: false)
            let end = run.run()
            guard end >= 0 else { return (d, n) }
            let viableOriginal = matchesGeneral(r, d, n)
            if !region.hasTransform || region.pnpGroups == 0 || run.group(region.pnpGroups) == nil {
                if viableOriginal && !matchesGeneral(r, d + end, n - end) { return (d, n) }
                return (d + end, n - end)
            }
            var length = 0
            for k in 0..<region.transformLength {
                let t = meta.transforms[region.transformOffset + k]
                if t & 0x80 == 0 {
                    out[length] = t &- PhoneNumberParser.zero
                    length += 1
                } else if let g = run.group(Int(t & 0x7F)) {
                    for j in g where length < PhoneNumberParser.bufferSize { out[length] = d[j]; length += 1 }
                }
            }
            for j in end..<n where length < PhoneNumberParser.bufferSize { out[length] = d[j]; length += 1 }
            if viableOriginal && !matchesGeneral(r, out, length) { return (d, n) }
            return (UnsafePointer(out), length)
        }
    }

    enum Extracted {
        case found(code: Int, nsn: UnsafePointer<UInt8>, count: Int)
        case none
        case rejected(PhoneRejection)
    }

    /// libphonenumber's maybe_extract_country_code for a number without `+`, with default region `r`.
    func extractWithoutPlus(_ r: Int, _ d: UnsafePointer<UInt8>, _ n: Int,
                            scratch: UnsafeMutablePointer<UInt8>) -> Extracted {
        let region = meta.regions[r]
        if region.idd >= 0 {
            let end = meta.match(region.idd, d, n, full: false)
            if end >= 0 && !(end < n && d[end] == 0) {
                if n - end <= 2 { return .rejected(.tooShort) }
                guard let (code, length) = extractCountryCode(d + end, n - end) else { return .rejected(.unknownCountryCode) }
                return .found(code: code, nsn: d + end + length, count: n - end - length)
            }
        }
        // Written with the default country's code but no prefix, e.g. 447911123456 with GB.
        let code = region.countryCode
        let codeDigits = code >= 100 ? 3 : code >= 10 ? 2 : 1
        if n > codeDigits {
            var prefix = 0
            for i in 0..<codeDigits { prefix = prefix * 10 + Int(d[i]) }
            if prefix == code {
                let (p, m) = stripNationalPrefix(r, d + codeDigits, n - codeDigits, into: scratch)
                if (!matchesGeneral(r, d, n) && matchesGeneral(r, p, m)) || testLength(n, r) == .tooLong {
                    return .found(code: code, nsn: p, count: m)
                }
            }
        }
        return .none
    }

    /// From scanned digits to a possible E.164 number.
    func resolve(_ d: UnsafeMutablePointer<UInt8>, _ n: Int, plus: Bool,
                 scratch1: UnsafeMutablePointer<UInt8>, scratch2: UnsafeMutablePointer<UInt8>) -> Result<PhoneNumber, PhoneRejection> {
        var code = 0
        var nsn = UnsafePointer(d)
        var count = n
        if plus {
            if n <= 2 { return .failure(.tooShort) }
            if let (c, length) = extractCountryCode(d, n) {
                code = c
                nsn = UnsafePointer(d) + length
                count = n - length
            } else {
                // libphonenumber retries the digits after `+` as if typed without it (`+00 44 ...`).
                guard region >= 0 else { return .failure(.unknownCountryCode) }
                switch extractWithoutPlus(region, d, n, scratch: scratch1) {
                case .found(let c, let p, let m): code = c; nsn = p; count = m
                case .none: return .failure(.unknownCountryCode)
                case .rejected(let why): return .failure(why)
                }
            }
        } else if region >= 0 {
            switch extractWithoutPlus(region, d, n, scratch: scratch1) {
            case .found(let c, let p, let m): code = c; nsn = p; count = m
            case .none: break
            case .rejected(let why): return .failure(why)
            }
        } else {
            // No default region: as libphonenumber, only a leading `+` says which country.
            return .failure(.missingCountry)
        }
        let metaRegion: Int
        if code != 0 {
            metaRegion = Int(meta.firstRegion[code])
        } else {
            metaRegion = region
            code = meta.regions[region].countryCode
        }
        if count < 2 { return .failure(.tooShort) }
        let (p, m) = stripNationalPrefix(metaRegion, nsn, count, into: scratch2)
        switch testLength(m, metaRegion) {
        case .tooShort, .localOnly, .invalid: break
        case .possible, .tooLong: nsn = p; count = m
        }
        if count < 2 { return .failure(.tooShort) }
        if count > 17 { return .failure(.tooLong) }
        let main = Int(meta.firstRegion[code])
        switch testLength(count, main) {
        case .possible: break
        case .localOnly, .tooShort: return .failure(.tooShort)
        case .tooLong: return .failure(.tooLong)
        case .invalid: return .failure(.notPossible)
        }
        let total = count + (code >= 100 ? 3 : code >= 10 ? 2 : 1)
        if total < 5 { return .failure(.tooShort) }
        if total > 15 { return .failure(.tooLong) }
        if mobileOnly && !isMobile(code, nsn, count) { return .failure(.notMobile) }
        var value = UInt64(code)
        for i in 0..<count { value = value &* 10 &+ UInt64(nsn[i]) }
        return .success(PhoneNumber(unchecked: value))
    }

    // MARK: - Number type (mobile_only)

    enum LineType { case unknown, other, fixedLine, mobile, fixedLineOrMobile }

    /// libphonenumber's is_number_matching_desc for type `kind` of region `r`.
    @inline(__always)
    func matches(_ r: Int, _ kind: PhoneNumberKind, _ d: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let i = r * PhoneNumberKind.allCases.count + kind.rawValue
        let program = meta.kindProgram[i]
        guard program >= 0, n < 64, (meta.kindLengths[i] >> UInt64(n)) & 1 != 0 else { return false }
        return meta.match(program, d, n, full: true) >= 0
    }

    /// The types checked before fixed line and mobile, in libphonenumber's order.
    private static let otherKinds: [PhoneNumberKind] = [.premiumRate, .tollFree, .sharedCost, .voip, .personalNumber, .pager, .uan, .voicemail]

    /// libphonenumber's number_type_helper for region `r`.
    func lineType(_ r: Int, _ d: UnsafePointer<UInt8>, _ n: Int) -> LineType {
        let region = meta.regions[r]
        let generalLengths = region.possibleLengths == 0 ? region.generalPatternLengths : region.possibleLengths & region.generalPatternLengths
        guard n < 64, (generalLengths >> UInt64(n)) & 1 != 0, matchesGeneral(r, d, n) else { return .unknown }
        for kind in PhoneNumberParser.otherKinds where matches(r, kind, d, n) {
            return .other
        }
        if matches(r, .fixedLine, d, n) {
            return region.sameMobileAndFixed || matches(r, .mobile, d, n) ? .fixedLineOrMobile : .fixedLine
        }
        if !region.sameMobileAndFixed && matches(r, .mobile, d, n) { return .mobile }
        return .unknown
    }

    /// The region a number of calling code `code` belongs to (libphonenumber's region_code_for_number), or -1.
    func regionOf(_ code: Int, _ d: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let first = Int(meta.firstRegion[code]), count = Int(meta.regionCount[code])
        if count == 1 { return first }
        for r in first..<(first + count) {
            let region = meta.regions[r]
            if region.hasLeadingDigits {
                if meta.match(region.leading, d, n, full: false) >= 0 { return r }
            } else if lineType(r, d, n) != .unknown {
                return r
            }
        }
        return -1
    }

    /// True if libphonenumber classifies the number as mobile or fixed-line-or-mobile.
    func isMobile(_ code: Int, _ d: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let r = regionOf(code, d, n)
        guard r >= 0 else { return false }
        let type = lineType(r, d, n)
        return type == .mobile || type == .fixedLineOrMobile
    }
}
