// PhoneZones.swift — where a recipient may be: its possible IANA time zones, and for US/Canadian
// numbers the two-letter state or province of its area code.
// Input: a `PhoneNumber`; the generated tables in PhoneZones.generated.swift (libphonenumber's
// time-zone map and English geocoding data, via generate_metadata.py).
// Output: `zones(for:)` — the IANA ids libphonenumber's `time_zones_for_number` gives, in its order,
// or [] when it answers "Etc/Unknown" (never that placeholder: an empty list is "zone unknown", and
// a caller that applies sending windows must hold such a recipient, never treat [] as "no limit");
// `regions(for:)`/`region(for:)` — the area code's state/province codes; `country(for:)` — the ISO
// region libphonenumber assigns the number. Failures: none (unknown is [] or nil).
// Lookups do no allocation: longest-prefix binary search over sorted integer keys; the returned
// arrays are shared copies of lists built once.

/// Possible time zones and US/Canadian state or province of a phone number (libphonenumber data).
package enum PhoneZones {
    /// libphonenumber's placeholder for "no zone"; `zones(for:)` returns [] instead of it.
    package static let unknownZone = "Etc/Unknown"

    /// "phonenumbers <version> (...)": the data the tables were generated from.
    package static let source = PhoneZoneData.source

    /// The possible IANA time zones of `number`, as libphonenumber's `time_zones_for_number`: by
    /// the longest matching prefix for fixed-line numbers (and mobile ones in countries whose mobile
    /// numbers are geographical), by the calling code for other valid types; [] for a number
    /// libphonenumber does not recognise as any type, or a prefix it has no zone for.
    ///
    /// Several zones mean the number may be in any of them (e.g. +1 208 2…: Boise or Los Angeles).
    package static func zones(for number: PhoneNumber) -> [String] {
        guard let list = zoneList(for: number) else { return [] }
        return Tables.shared.lists[list]
    }

    /// Every IANA id the tables can return (for checks such as `TimeZone(identifier:)`).
    package static var allZoneNames: [String] { PhoneZoneData.names }

    /// The two-letter codes of the US state (or DC) or Canadian province/territory of a +1 number's
    /// area code, e.g. ["TX"] for +1 214…, ["NS", "PE"] for +1 902… (one area code, two provinces);
    /// [] for other countries, other NANP regions (+1 242 Bahamas) and unknown area codes.
    package static func regions(for number: PhoneNumber) -> [String] {
        let value = number.value
        // +1 and ten national digits: 1_NPA_NXX_XXXX.
        guard value >= 1_000_000_0000, value < 2_000_000_0000 else { return [] }
        let npa = UInt16((value / 10_000_000) % 1000)
        let codes = PhoneZoneData.areaCodes
        var lo = 0, hi = codes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if codes[mid] < npa { lo = mid + 1 } else { hi = mid }
        }
        guard lo < codes.count, codes[lo] == npa else { return [] }
        return PhoneZoneData.regionLists[Int(PhoneZoneData.areaRegionList[lo])]
    }

    /// The state or province when the area code names exactly one, else nil (see `regions(for:)`).
    package static func region(for number: PhoneNumber) -> String? {
        let all = regions(for: number)
        return all.count == 1 ? all[0] : nil
    }

    /// Every zone a number of the state or province `code` ("TX") may be in: the union, sorted, of
    /// the zones of all prefixes under its area codes (TX → America/Chicago, America/Denver for El
    /// Paso); [] for a code no area code has. For an address column naming a state.
    package static func zones(forRegion code: String) -> [String] {
        Tables.shared.regionZones[code.uppercased()] ?? []
    }

    /// The ISO regions sharing a calling code, main region first (1 → US, AG, AI, …, CA, …); [] for an unknown code.
    package static func countries(forCallingCode code: Int) -> [String] {
        guard code > 0, code < 1000 else { return [] }
        let meta = Tables.shared.parser.meta
        let first = meta.firstRegion[code]
        guard first != PhoneMetadata.noRegion else { return [] }
        var out: [String] = []
        for r in Int(first)..<(Int(first) + Int(meta.regionCount[code])) {
            let iso = meta.regions[r].iso
            if iso != 0 { out.append(String(decoding: [UInt8(iso >> 8), UInt8(iso & 0xFF)], as: UTF8.self)) }
        }
        return out
    }

    /// The ISO 3166 region libphonenumber assigns the number ("US", "CA", "PR", "GB"), or nil when
    /// no region claims it (or it is a non-geographic +800-style number).
    package static func country(for number: PhoneNumber) -> String? {
        withDigits(number) { d, n, ccLength, cc in
            let r = Tables.shared.parser.regionOf(cc, d + ccLength, n - ccLength)
            guard r >= 0 else { return nil }
            let iso = Tables.shared.parser.meta.regions[r].iso
            guard iso != 0 else { return nil }
            let bytes = [UInt8(iso >> 8), UInt8(iso & 0xFF)]
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: - Lookup

    /// Index into the zone lists, or nil for unknown.
    static func zoneList(for number: PhoneNumber) -> Int? {
        withDigits(number) { d, n, ccLength, cc in
            let parser = Tables.shared.parser
            let nsn = d + ccLength, nsnCount = n - ccLength
            let r = parser.regionOf(cc, nsn, nsnCount)
            guard r >= 0 else { return nil }
            let geographical: Bool
            switch parser.lineType(r, nsn, nsnCount) {
            case .unknown: return nil
            case .fixedLine, .fixedLineOrMobile: geographical = true
            case .mobile: geographical = PhoneZoneData.geoMobileCountries.contains(cc)
            case .other: geographical = false
            }
            if geographical {
                // time_zones_for_geographical_number: longest prefix of the E.164 digits.
                var prefix = number.value
                var length = n
                while length > PhoneZoneData.longestPrefix { prefix /= 10; length -= 1 }
                while length > 0 {
                    if let list = find(prefix, length) { return list }
                    prefix /= 10; length -= 1
                }
                return nil
            }
            // _country_level_time_zones_for_number: the calling code, then (for a three-digit code)
            // its first two digits, as the Python library's slicing does.
            if let list = find(UInt64(cc), ccLength) { return list }
            if ccLength == 3, let list = find(UInt64(cc / 10), 2) { return list }
            return nil
        }
    }

    @inline(__always)
    static func find(_ prefix: UInt64, _ length: Int) -> Int? {
        let key = prefix << 4 | UInt64(length)
        let keys = PhoneZoneData.prefixKeys
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        guard lo < keys.count, keys[lo] == key else { return nil }
        return Int(PhoneZoneData.prefixList[lo])
    }

    /// Calls `body` with the E.164 digits (values 0-9) on the stack, their count, and the calling
    /// code's length and value; nil when the number has no known calling code.
    static func withDigits<T>(_ number: PhoneNumber,
                              _ body: (UnsafeMutablePointer<UInt8>, Int, Int, Int) -> T?) -> T? {
        let cc = number.countryCode
        guard cc > 0 else { return nil }
        let ccLength = cc < 10 ? 1 : (cc < 100 ? 2 : 3)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer -> T? in
            let d = buffer.baseAddress!
            var n = 0
            var v = number.value
            repeat { d[n] = UInt8(v % 10); v /= 10; n += 1 } while v > 0 && n < 20
            // Reverse into most-significant-first order.
            var i = 0, j = n - 1
            while i < j { let t = d[i]; d[i] = d[j]; d[j] = t; i += 1; j -= 1 }
            guard n > ccLength else { return nil }
            return body(d, n, ccLength, cc)
        }
    }

    /// The zone lists as arrays of names, built once; and a parser for number types.
    final class Tables: Sendable {
        static let shared = Tables()
        let lists: [[String]]
        /// Two-letter state/province code → its zones (see `zones(forRegion:)`).
        let regionZones: [String: [String]]
        let parser = PhoneNumberParser(defaultRegion: nil)

        init() {
            let start = PhoneZoneData.listStart, zones = PhoneZoneData.listZones, names = PhoneZoneData.names
            var lists: [[String]] = []
            lists.reserveCapacity(start.count - 1)
            for i in 0..<(start.count - 1) {
                lists.append(zones[Int(start[i])..<Int(start[i + 1])].map { names[Int($0)] })
            }
            self.lists = lists
            // Region → zones: every prefix of four or more digits under each of its area codes.
            var byArea: [UInt16: Set<String>] = [:]
            for (i, key) in PhoneZoneData.prefixKeys.enumerated() {
                let length = Int(key & 0xF)
                guard length >= 4 else { continue }
                var prefix = key >> 4
                for _ in 0..<(length - 4) { prefix /= 10 }
                guard prefix >= 1000, prefix < 2000 else { continue }
                byArea[UInt16(prefix - 1000), default: []].formUnion(lists[Int(PhoneZoneData.prefixList[i])])
            }
            var regionZones: [String: Set<String>] = [:]
            for (i, npa) in PhoneZoneData.areaCodes.enumerated() {
                for code in PhoneZoneData.regionLists[Int(PhoneZoneData.areaRegionList[i])] {
                    regionZones[code, default: []].formUnion(byArea[npa] ?? [])
                }
            }
            self.regionZones = regionZones.mapValues { $0.sorted() }
        }
    }
}
