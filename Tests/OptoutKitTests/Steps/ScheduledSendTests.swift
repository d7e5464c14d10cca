// ScheduledSendTests.swift — the quiet-hours unit on its own: routing (bad state skipped, unknown
// zone held, the time otherwise), the files it publishes and their bytes, a name too long for the
// timed files, stale files of the same campaign removed and others' kept; LaterRefilter's file
// names and record splitting (a quoted message with a newline is one row).
import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutPhone

@Suite struct ScheduledSendTests {
    static func tempRoot() throws -> String {
        let root = NSTemporaryDirectory() + "optout-scheduled-" + UUID().uuidString
        for folder in ["outbox/send", "outbox/reports"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        return root
    }

    // Sunday 2026-11-29 14:30Z = 09:30 New York.
    static let start = Timestamp(seconds: 1_795_962_600)

    static func sender(_ root: String, name: String = "sunday", windows: [String: [SendWindow]] = [:]) throws -> ScheduledSend {
        try ScheduledSend(name: name, root: root, start: start, sendAt: try SendAt.parse("2026-11-29 09:30 America/New_York").get(),
                          windows: windows, stateColumn: 2)
    }

    @Test func startIsTheSundayMorning() {
        #expect(Self.start.iso8601 == "2026-11-29T14:30:00Z")
    }

    @Test func routesWorkedOutByHand() throws {
        let root = try Self.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try Self.sender(root)
        func at(_ text: String) -> ScheduledSend.Route { .at(Timestamp.parse(text, zone: .gmt)!) }
        #expect(s.route(PhoneNumber(e164: "+12125550101")!, state: "") == at("2026-11-29T14:30:00Z"))
        #expect(s.route(PhoneNumber(e164: "+14155550104")!, state: nil) == at("2026-11-29T16:00:00Z"))
        #expect(s.route(PhoneNumber(e164: "+12145550107")!, state: " ") == at("2026-11-29T18:00:00Z"))
        #expect(s.route(PhoneNumber(e164: "+12125550109")!, state: "tx") == at("2026-11-29T19:00:00Z"))
        // The same target a second time comes from the cache, with the same answer.
        #expect(s.route(PhoneNumber(e164: "+12125550199")!, state: "TX") == at("2026-11-29T19:00:00Z"))
        #expect(s.route(PhoneNumber(e164: "+14155550111")!, state: "Texas")
                == .skip("state \"Texas\" is not a two-letter US state code (e.g. TX); the row's sending hours cannot be checked"))
        guard case .held(let why) = s.route(PhoneNumber(e164: "+15555550123")!, state: nil) else {
            Issue.record("an unknown zone must be held"); return
        }
        #expect(why.contains("time zone unknown"))
        // No rule for a UK number: send_at itself.
        #expect(s.route(PhoneNumber(e164: "+447911123456")!, state: nil) == .at(Self.start))
        // A UK window of our own moves a London number: Sunday not allowed → Monday 09:00 London = 09:00Z.
        // (+44 7911 123456 is Guernsey's for libphonenumber: region GG, so a GB window leaves it alone.)
        let gb = try Self.sender(root, name: "gb", windows: ["GB": [SendWindow(days: [.monday], from: 540, to: 600)!]])
        #expect(gb.route(PhoneNumber(e164: "+442079460123")!, state: nil) == at("2026-11-30T09:00:00Z"))
        #expect(gb.route(PhoneNumber(e164: "+447911123456")!, state: nil) == .at(Self.start))
    }

    @Test func filesArePublishedWithTheirBytesAndStaleOnesOfTheSameCampaignGo() throws {
        let root = try Self.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/outbox/send/later", withIntermediateDirectories: true)
        // An interrupted earlier attempt of this campaign, another campaign, and a name sharing a prefix.
        for name in ["sunday@20261128T150000Z.csv", "other@20261129T143000Z.csv", "sunday-2@20261129T143000Z.csv"] {
            try "phone,message,segments,encoding\n".write(toFile: "\(root)/outbox/send/later/\(name)", atomically: false, encoding: .utf8)
        }
        let s = try Self.sender(root)
        let later = Timestamp(seconds: Self.start.seconds + 5400)
        try s.write(Array("+14155550104,Hi,1,GSM-7\n".utf8), at: later)
        try s.write(Array("+12125550101,Hi,1,GSM-7\n".utf8), at: Self.start)
        try s.write(Array("+13125550102,Hi,1,GSM-7\n".utf8), at: Self.start)
        try s.hold(line: 7, phone: "+15555550123", reason: "zone unknown")
        // Nothing visible before commit.
        #expect(!Durable.exists("\(root)/outbox/send/later/sunday@20261129T143000Z.csv"))
        #expect(s.groups.map(\.rows) == [2, 1])
        #expect(s.groups.map(\.path) == ["outbox/send/later/sunday@20261129T143000Z.csv", "outbox/send/later/sunday@20261129T160000Z.csv"])
        try s.commitHeld()
        try s.commitLater()
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(root)/outbox/send/later").filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["other@20261129T143000Z.csv", "sunday-2@20261129T143000Z.csv", "sunday@20261129T143000Z.csv", "sunday@20261129T160000Z.csv"])
        #expect(try String(contentsOfFile: "\(root)/outbox/send/later/sunday@20261129T143000Z.csv", encoding: .utf8)
                == "phone,message,segments,encoding\n+12125550101,Hi,1,GSM-7\n+13125550102,Hi,1,GSM-7\n")
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: "\(root)/outbox/reports/sunday-held.csv")))
                == CSVWriter.utf8BOM + Array("line,phone,reason\r\n7,'+15555550123,zone unknown\r\n".utf8))
    }

    @Test func nothingHeldMeansNoHeldReport() throws {
        let root = try Self.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = try Self.sender(root)
        try s.commitHeld()
        try s.commitLater()
        #expect(s.heldPath == nil)
        #expect(!Durable.exists("\(root)/outbox/reports/sunday-held.csv"))
    }

    @Test func aNameTooLongForTheTimedFilesIsRejected() throws {
        let ok = String(repeating: "n", count: OutputNames.longestScheduledCampaignName)
        #expect(throws: Never.self) { _ = try Self.sender("/nonexistent", name: ok) }
        do {
            _ = try Self.sender("/nonexistent", name: ok + "n")
            Issue.record("a 205-byte scheduled campaign name must be rejected")
        } catch let rejection as CampaignRejection {
            #expect(rejection.reasons.first?.contains("at most 204") == true)
        }
    }

    @Test func laterFileNames() {
        let parsed = LaterRefilter.parse("spring@20261129T143000Z.csv")
        #expect(parsed?.0 == "spring" && parsed?.1.iso8601 == "2026-11-29T14:30:00Z")
        #expect(LaterRefilter.parse("spring.csv") == nil)
        #expect(LaterRefilter.parse("spring@20261129T143000Z.CSV") == nil)
        #expect(LaterRefilter.parse("spring@20261329T143000Z.csv") == nil)
        #expect(LaterRefilter.parse("spring@20260231T143000Z.csv") == nil)  // 31 February
        #expect(LaterRefilter.parse("spring@2026112T143000Z.csv") == nil)
        #expect(LaterRefilter.parse("@20261129T143000Z.csv") == nil)
    }

    @Test func recordsKeepAQuotedNewlineInItsRow() {
        let bytes = Array("phone,message,segments,encoding\n+1,\"a\nb\",1,GSM-7\n+2,\"say \"\"hi\"\"\",1,GSM-7\n".utf8)
        let rows = LaterRefilter.records(bytes).map { String(decoding: $0, as: UTF8.self) }
        #expect(rows == ["phone,message,segments,encoding\n", "+1,\"a\nb\",1,GSM-7\n", "+2,\"say \"\"hi\"\"\",1,GSM-7\n"])
        #expect(LaterRefilter.contains(Array("x\r\n\"\",'+1,r\r\n".utf8), Array("\"\",'+1,r\r\n".utf8)))
        #expect(!LaterRefilter.contains(Array("x\"\",'+1,r\r\n".utf8), Array("\"\",'+1,r\r\n".utf8)))
    }
}
