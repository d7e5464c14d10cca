// PhoneZonesTests.swift — PhoneZones (possible time zones, US/CA state or province) against the
// `phonenumbers` package itself, and by hand on numbers a user would check.
// Input: the generated tables; for the differential test, python3 with the `phonenumbers` version
// named in PhoneZones.source (pip install phonenumbers==<version>), run once via Process.
// Output: test results. The differential test skips with a printed reason when python3 or that
// version is missing, and fails instead under CI=true.
import Foundation
import Testing
@testable import OptoutPhone

@Suite struct PhoneZonesTests {
    static func number(_ e164: String) -> PhoneNumber {
        guard let n = PhoneNumber(e164: e164) else { fatalError("bad test number \(e164)") }
        return n
    }

    @Test func handPickedNumbers() {
        // Area codes and their zones as a user would look them up.
        #expect(PhoneZones.zones(for: Self.number("+12125550123")) == ["America/New_York"])
        #expect(PhoneZones.region(for: Self.number("+12125550123")) == "NY")
        #expect(PhoneZones.zones(for: Self.number("+13055550123")) == ["America/New_York"])
        #expect(PhoneZones.region(for: Self.number("+13055550123")) == "FL")
        #expect(PhoneZones.zones(for: Self.number("+12145550123")) == ["America/Chicago"])
        #expect(PhoneZones.region(for: Self.number("+12145550123")) == "TX")
        #expect(PhoneZones.zones(for: Self.number("+13035550123")) == ["America/Denver"])
        #expect(PhoneZones.region(for: Self.number("+13035550123")) == "CO")
        #expect(PhoneZones.zones(for: Self.number("+14155550123")) == ["America/Los_Angeles"])
        #expect(PhoneZones.region(for: Self.number("+14155550123")) == "CA")
        #expect(PhoneZones.zones(for: Self.number("+18085550123")) == ["Pacific/Honolulu"])
        #expect(PhoneZones.region(for: Self.number("+18085550123")) == "HI")
        #expect(PhoneZones.region(for: Self.number("+12035550123")) == "CT")
        #expect(PhoneZones.country(for: Self.number("+12035550123")) == "US")
        // El Paso, Texas is on Mountain time: the state and the zone do not go together.
        #expect(PhoneZones.zones(for: Self.number("+19155550123")) == ["America/Denver"])
        #expect(PhoneZones.region(for: Self.number("+19155550123")) == "TX")
        // Canada; an area code shared by two provinces.
        #expect(PhoneZones.region(for: Self.number("+14165550123")) == "ON")
        #expect(PhoneZones.country(for: Self.number("+14165550123")) == "CA")
        #expect(PhoneZones.regions(for: Self.number("+19025550123")) == ["NS", "PE"])
        #expect(PhoneZones.region(for: Self.number("+19025550123")) == nil)
        // Bahamas: a +1 number, but no US state.
        #expect(PhoneZones.regions(for: Self.number("+12423221234")) == [])
        #expect(PhoneZones.country(for: Self.number("+12423221234")) == "BS")
        // Outside North America: a London landline, a UK mobile (country level).
        #expect(PhoneZones.zones(for: Self.number("+442079460123")) == ["Europe/London"])
        #expect(PhoneZones.region(for: Self.number("+442079460123")) == nil)
        #expect(PhoneZones.zones(for: Self.number("+447911123456")).contains("Europe/London"))
        // A number of no known type: unknown is [], never "Etc/Unknown".
        #expect(PhoneZones.zones(for: Self.number("+15555550123")) == [])
    }

    @Test func everyZoneResolvesInFoundation() {
        let unresolved = PhoneZones.allZoneNames.filter { TimeZone(identifier: $0) == nil }
        #expect(PhoneZones.allZoneNames.count > 200)
        #expect(unresolved.isEmpty, "IANA ids Foundation does not know: \(unresolved)")
        #expect(!PhoneZones.allZoneNames.contains(PhoneZones.unknownZone))
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python one-off: 10,000 numbers (NANP area codes, every region's example numbers with
    /// varied digits, random digits) and libphonenumber's answers for each.
    static let script = #"""
import random, sys
try:
    import phonenumbers
except ImportError:
    print("MISSING"); sys.exit(0)
from phonenumbers import timezone, geocoder, PhoneMetadata, COUNTRY_CODE_TO_REGION_CODE
sys.path.insert(0, sys.argv[1])
import generate_metadata as g
print("VERSION\t" + phonenumbers.__version__)
areas, _ = g.area_code_regions()
rng = random.Random(16)
regions = sorted(phonenumbers.SUPPORTED_REGIONS)
codes = sorted(COUNTRY_CODE_TO_REGION_CODE)
from phonenumbers.geodata import GEOCODE_DATA
npas = sorted({k[1:4] for k in GEOCODE_DATA if k.startswith("1") and len(k) >= 4} | set(areas))
fields = ["fixed_line", "mobile", "toll_free", "voip", "premium_rate", "uan", "personal_number", "pager"]
seen = set()
while len(seen) < 10000:
    r = rng.random()
    if r < 0.35:
        text = "+1" + rng.choice(npas) + str(rng.randint(200, 999)) + "%04d" % rng.randint(0, 9999)
    elif r < 0.92:
        md = PhoneMetadata.metadata_for_region(rng.choice(regions))
        descs = [getattr(md, f) for f in fields if getattr(md, f) is not None and getattr(md, f).example_number]
        if not descs:
            continue
        ex = list(rng.choice(descs).example_number)
        for _ in range(rng.randint(0, 4)):
            ex[rng.randrange(len(ex))] = str(rng.randint(0, 9))
        text = "+%d%s" % (md.country_code, "".join(ex))
    else:
        text = "+%d%s" % (rng.choice(codes), "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(6, 11))))
    try:
        n = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        continue
    e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    if not (6 <= len(e164) <= 16) or e164 in seen or n.italian_leading_zero and n.number_of_leading_zeros != 1:
        continue
    if e164[1:].startswith("0") or phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.E164) != e164:
        continue
    seen.add(e164)
    zones = [z for z in timezone.time_zones_for_number(n) if z != timezone.UNKNOWN_TIMEZONE]
    nsn = phonenumbers.national_significant_number(n)
    reg = areas.get(nsn[:3], []) if n.country_code == 1 and len(nsn) == 10 else []
    country = phonenumbers.region_code_for_number(n) or ""
    if country == "001": country = ""
    desc = geocoder.description_for_number(n, "en") if n.country_code == 1 else ""
    dcodes = (g.region_codes_of_name(desc) or []) if desc else []
    print("\t".join([e164, ",".join(zones), ",".join(reg), country, ",".join(dcodes)]))
"""#

    @Test func agreesWithPhonenumbersOn10000Numbers() throws {
        let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
        func skip(_ reason: String) {
            let text = "PhoneZonesTests: skipped the phonenumbers comparison: \(reason)"
            if underCI { Issue.record(Comment(rawValue: text)) } else { print(text) }
        }
        let wanted = PhoneZones.source.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, Self.repositoryRoot.appendingPathComponent("Sources/OptoutPhone").path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return skip("python3 could not be started (\(error)); install python3 and `pip install phonenumbers==\(wanted)`") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationStatus == 127 { return skip("python3 not found; install it and `pip install phonenumbers==\(wanted)`") }
        if text.hasPrefix("MISSING") { return skip("the phonenumbers package is missing: `pip install phonenumbers==\(wanted)`") }
        #expect(process.terminationStatus == 0, "python3 failed: \(String(decoding: errData, as: UTF8.self))")
        var lines = text.split(separator: "\n").map(String.init)
        guard let first = lines.first, first.hasPrefix("VERSION\t") else {
            Issue.record("no output from the Python one-off: \(String(decoding: errData, as: UTF8.self))")
            return
        }
        let version = String(first.dropFirst("VERSION\t".count))
        if version != wanted { return skip("phonenumbers \(version) is installed, the tables are from \(wanted): `pip install phonenumbers==\(wanted)`") }
        lines.removeFirst()
        #expect(lines.count == 10_000)

        var zoneWrong: [String] = [], regionWrong: [String] = [], countryWrong: [String] = []
        var nanp = 0, multiZone = 0, unknown = 0, withRegion = 0, cityChecked = 0, cityAgrees = 0
        var countries = Set<String>()
        for line in lines {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { Issue.record("bad line \(line)"); continue }
            let expectedZones = f[1].isEmpty ? [] : f[1].split(separator: ",").map(String.init)
            let expectedRegions = f[2].isEmpty ? [] : f[2].split(separator: ",").map(String.init)
            guard let number = PhoneNumber(e164: f[0]) else {
                zoneWrong.append("\(f[0]): not read as E.164")
                continue
            }
            let zones = PhoneZones.zones(for: number)
            if zones != expectedZones { zoneWrong.append("\(f[0]): \(zones) ≠ \(expectedZones)") }
            let regions = PhoneZones.regions(for: number)
            if regions != expectedRegions { regionWrong.append("\(f[0]): \(regions) ≠ \(expectedRegions)") }
            let country = PhoneZones.country(for: number) ?? ""
            if country != f[3] { countryWrong.append("\(f[0]): \(country) ≠ \(f[3])") }
            if f[0].hasPrefix("+1") { nanp += 1 }
            if zones.count > 1 { multiZone += 1 }
            if zones.isEmpty { unknown += 1 }
            if !regions.isEmpty { withRegion += 1 }
            if !f[3].isEmpty { countries.insert(f[3]) }
            // The geocoder's finer (exchange-level) description names the same state, nearly always.
            if !regions.isEmpty, !f[4].isEmpty {
                cityChecked += 1
                if Set(f[4].split(separator: ",").map(String.init)).isSubset(of: Set(regions)) { cityAgrees += 1 }
            }
        }
        print("phone zones: \(lines.count) numbers (\(nanp) +1, \(countries.count) regions), \(multiZone) with several zones, \(unknown) unknown, \(withRegion) with a state/province; zone mismatches \(zoneWrong.count), region mismatches \(regionWrong.count), country mismatches \(countryWrong.count); exchange-level state agrees \(cityAgrees)/\(cityChecked)")
        #expect(zoneWrong.isEmpty, "\(zoneWrong.count) zone mismatches, e.g. \(zoneWrong.prefix(20))")
        #expect(regionWrong.isEmpty, "\(regionWrong.count) region mismatches, e.g. \(regionWrong.prefix(20))")
        #expect(countryWrong.isEmpty, "\(countryWrong.count) country mismatches, e.g. \(countryWrong.prefix(20))")
        #expect(nanp >= 3000)
        #expect(countries.count >= 150)
        #expect(multiZone >= 50)
        #expect(unknown >= 100)
        #expect(withRegion >= 2500)
        #expect(cityChecked >= 1000 && Double(cityAgrees) >= Double(cityChecked) * 0.995)
    }
}
