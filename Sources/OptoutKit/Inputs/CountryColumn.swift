// Country column (issue 14 item 4): a contact-list column that says each row's country, so that one
// list can mix national numbers of several countries. Headed `country`, `country code`,
// `country_iso` or `dial code` (case, spaces and punctuation ignored; never `region` or `state`:
// US state codes such as IN, DE, GA are country codes too). A cell is an ISO 3166 alpha-2 code
// (`GB`; `UK` too), an English country name (`United Kingdom`, `the Netherlands`, `Côte d'Ivoire`,
// libphonenumber's names plus common others), or a calling code (`+44`, `44`, `0044`: its main
// region). The column is used only when at least 90 % of its non-empty probed cells (the rows the
// list reader samples) are recognised; then an empty cell means `default_country`, and a cell it
// does not recognise makes the row's number invalid ("country column: \"Narnia\" is not a
// country"). A number written with `+` or an international prefix keeps its own country.
// Input: the list's header and sampled rows; per row, the phone and country cells' bytes. Output:
// the number parsed for the row's region (a parser per region, made once per copy: an instance
// caches without locks, so each worker thread parses through its own `copy()`). Failures: none (an
// unrecognised cell is a `PhoneRejection.unknownCountry`).

import OptoutPhone
import OptoutBase
import Foundation

package final class CountryColumn {
    /// Headers (normalized as ColumnNames.normalize) that name the country column.
    package static let headers = ["country", "countrycode", "countryiso", "dialcode"]
    /// Share of the non-empty probed cells that must be recognised for the column to be used.
    package static let threshold = 0.9

    /// The column's index in the list.
    package let index: Int
    private let base: PhoneNumberParser
    private var parsers: [UInt16: PhoneNumberParser] = [:]
    /// Longer cells (names) already looked up → region key (0: not a country), bounded.
    private var named: [[UInt8]: UInt16] = [:]

    init(index: Int, base: PhoneNumberParser) {
        self.index = index
        self.base = base
    }

    /// A column of the same index with caches of its own: the caches are not locked, so each
    /// thread that parses (a campaign or duplicate-finder chunk) uses its own copy.
    package func copy() -> CountryColumn { CountryColumn(index: index, base: base) }

    /// The country column of a list, or nil (with why it is not used, when a header names one).
    /// `sample`: the sampled data rows (the header row excluded).
    package static func detect(header: [String]?, sample: [[String]], parser: PhoneNumberParser) -> (column: CountryColumn?, note: String?) {
        guard let header, let index = ColumnNames.find(headers, in: header) else { return (nil, nil) }
        var cells = 0, known = 0
        var unknown: [String] = []
        for row in sample where index < row.count {
            let cell = row[index].trimmingCharacters(in: .whitespaces)
            if cell.isEmpty { continue }
            cells += 1
            if region(of: cell) != nil { known += 1 } else if unknown.count < 3 { unknown.append("\"\(cell)\"") }
        }
        guard cells > 0 else { return (nil, nil) }
        guard Double(known) >= threshold * Double(cells) else {
            let note = "column \"\(header[index])\" is not used as each row's country: \(known) of its first \(cells) cells name a country (\(Int(threshold * 100)) % needed; not recognised: \(unknown.joined(separator: ", "))); national numbers are read for default_country"
            return (nil, note)
        }
        return (CountryColumn(index: index, base: parser), nil)
    }

    /// Parses a row's phone cell for the region its country cell names.
    package func parse(phone: UnsafeBufferPointer<UInt8>, country: UnsafeBufferPointer<UInt8>) -> Result<PhoneNumber, PhoneRejection> {
        if country.isEmpty { return base.parse(phone) }
        var found: UInt16?
        if country.count <= 4 { found = Self.regionKey(country) } else {
            let bytes = Array(country)
            if let cached = named[bytes] { found = cached == 0 ? nil : cached } else {
                found = Self.regionKey(country)
                if named.count < 4096 { named[bytes] = found ?? 0 }
            }
        }
        guard let key = found else {
            return .failure(.unknownCountry(String(decoding: country, as: UTF8.self)))
        }
        if let parser = parsers[key] { return parser.parse(phone) }
        let parser = base.forRegion(Self.iso(key))
        parsers[key] = parser
        return parser.parse(phone)
    }

    // MARK: - Cell → region

    /// Every known region, as its two ASCII bytes.
    static let known: Set<UInt16> = Set(PhoneNumberParser.regionCodes.map(key))

    static func key(_ iso: String) -> UInt16 {
        let b = Array(iso.utf8)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    static func iso(_ key: UInt16) -> String { String(decoding: [UInt8(key >> 8), UInt8(key & 0xFF)], as: UTF8.self) }

    /// The ISO code a cell names, or nil.
    package static func region(of cell: String) -> String? {
        var copy = cell
        return copy.withUTF8 { regionKey($0) }.map(iso)
    }

    /// Names other than libphonenumber's English ones that CRM exports use (normalized by `nameKey`).
    static let otherNames: [(String, String)] = [
        ("USA", "US"), ("United States of America", "US"), ("America", "US"), ("U.S.", "US"), ("U.S.A.", "US"),
        ("UK", "GB"), ("U.K.", "GB"), ("Great Britain", "GB"), ("Britain", "GB"), ("England", "GB"), ("Scotland", "GB"),
        ("Wales", "GB"), ("Northern Ireland", "GB"), ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Russian Federation", "RU"), ("Korea, Republic of", "KR"), ("Republic of Korea", "KR"),
        ("Korea, Democratic People's Republic of", "KP"), ("Czechia", "CZ"), ("Holland", "NL"), ("Ivory Coast", "CI"),
        ("North Macedonia", "MK"), ("Eswatini", "SZ"), ("Burma", "MM"), ("Türkiye", "TR"), ("Macau", "MO"),
        ("UAE", "AE"), ("DRC", "CD"), ("DR Congo", "CD"), ("Democratic Republic of the Congo", "CD"), ("Congo-Kinshasa", "CD"),
        ("Republic of the Congo", "CG"), ("Congo-Brazzaville", "CG"), ("Cabo Verde", "CV"), ("Vatican City", "VA"), ("Holy See", "VA"),
        ("State of Palestine", "PS"), ("Palestinian Territories", "PS"), ("Bosnia", "BA"), ("Viet Nam", "VN"), ("Lao People's Democratic Republic", "LA"),
        ("Iran, Islamic Republic of", "IR"), ("Syrian Arab Republic", "SY"), ("Moldova, Republic of", "MD"), ("Republic of Moldova", "MD"),
        ("Tanzania, United Republic of", "TZ"), ("Venezuela, Bolivarian Republic of", "VE"), ("Bolivia, Plurinational State of", "BO"),
        ("Micronesia, Federated States of", "FM"), ("Taiwan, Province of China", "TW"), ("Hong Kong SAR", "HK"), ("Macao SAR", "MO"),
        ("Brunei Darussalam", "BN"), ("Réunion", "RE"), ("São Tomé and Príncipe", "ST"), ("Timor Leste", "TL"), ("East Timor", "TL"),
        ("Saint Martin (French part)", "MF"), ("Sint Maarten", "SX"), ("US Virgin Islands", "VI"), ("Virgin Islands, U.S.", "VI"),
        ("Virgin Islands, British", "VG"), ("Falkland Islands (Malvinas)", "FK"), ("Cocos (Keeling) Islands", "CC"),
        ("Republic of Ireland", "IE"), ("Eire", "IE"), ("Deutschland", "DE"), ("España", "ES"), ("Schweiz", "CH"), ("Österreich", "AT"),
    ]

    /// Normalized name → ISO code: libphonenumber's English names (PhoneRegionNames), then the others.
    static let names: [String: String] = {
        var table: [String: String] = [:]
        for (iso, name) in PhoneRegionNames.english { table[nameKey(name)] = iso }
        for (name, iso) in otherNames where table[nameKey(name)] == nil { table[nameKey(name)] = iso }
        return table
    }()

    /// A name as compared: accents folded, lower case, `&` as "and", "St" as "saint", "the" dropped,
    /// letters and digits only ("The Bahamas" → "bahamas", "St. Lucia" → "saintlucia").
    static func nameKey(_ name: String) -> String {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .replacingOccurrences(of: "&", with: " and ")
        var out = ""
        for word in folded.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            switch word {
            case "the": continue
            case "st": out += "saint"
            default: out += word
            }
        }
        return out
    }

    /// The region a cell names, as its key: two ASCII letters (a known ISO code, or UK), digits
    /// with an optional `+` or `00` (a calling code), else a name. Bytes only on the common paths.
    static func regionKey(_ cell: UnsafeBufferPointer<UInt8>) -> UInt16? {
        var start = 0, end = cell.count
        while start < end, cell[start] == 0x20 || cell[start] == 0x09 { start += 1 }
        while end > start, cell[end - 1] == 0x20 || cell[end - 1] == 0x09 { end -= 1 }
        guard start < end else { return nil }
        func upper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 32 : b }
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        if end - start == 2, isLetter(cell[start]), isLetter(cell[start + 1]) {
            let key = UInt16(upper(cell[start])) << 8 | UInt16(upper(cell[start + 1]))
            if known.contains(key) { return key }
            if key == 0x554B { return 0x4742 }  // UK → GB
            return nil
        }
        var digits = start
        if cell[digits] == UInt8(ascii: "+") { digits += 1 }
        else if end - start > 2, cell[start] == 0x30, cell[start + 1] == 0x30 { digits += 2 }
        if digits < end, (digits..<end).allSatisfy({ cell[$0] >= 0x30 && cell[$0] <= 0x39 }) {
            guard end - digits <= 3 else { return nil }
            var code = 0
            for i in digits..<end { code = code * 10 + Int(cell[i] - 0x30) }
            return PhoneNumberParser.mainRegion(callingCode: code).map(key)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: cell[start..<end]), as: UTF8.self)
        return names[nameKey(text)].map(key)
    }
}
