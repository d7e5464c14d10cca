// Opt-out readers row by row (issue 10, classes 3–5): a bad row never drops the rest of a STOP
// log or an import, times that would undo opt-outs are clamped or held, and every reading of a
// sender is opted out.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct OptOutReadersTests {
    /// 2026-11-26T12:00:00Z
    let now = Timestamp(seconds: 1_795_694_400)

    func settings(_ json: String = "{\"default_country\": \"GB\"}") throws -> Settings {
        let path = NSTemporaryDirectory() + "optout-settings-" + UUID().uuidString + ".json"
        defer { unlink(path) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try Settings.load(path: path, displayName: "inbox/settings.json")
    }

    func read(_ text: String, settings json: String = "{\"default_country\": \"GB\"}", name: String = "log.csv") throws -> OptOutContents {
        try read(Array(text.utf8), settings: json, name: name)
    }

    func read(_ bytes: [UInt8], settings json: String = "{\"default_country\": \"GB\"}", name: String = "log.csv") throws -> OptOutContents {
        let path = NSTemporaryDirectory() + "optout-log-" + UUID().uuidString + "-" + name
        defer { unlink(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let s = try settings(json)
        let reader = StopLogReader(parser: PhoneNumberParser(defaultRegion: s.defaultCountry, mobileOnly: s.mobileOnly), settings: s, now: now)
        return try reader.read(path: path, displayName: "inbox/stops/\(name)")
    }

    func summary(_ contents: OptOutContents) -> [String] {
        contents.events.map { "\($0.line) \($0.number) \($0.kind.rawValue) \($0.time)" }
    }

    // MARK: Class 3: one bad row

    @Test func anUnterminatedQuoteOnTheLastRowLosesOnlyThatRow() throws {
        let contents = try read("""
            from,timestamp,text
            +447700900001,2026-11-26T08:00:00Z,STOP
            +447700900002,2026-11-26T08:01:00Z,STOP
            +447700900003,2026-11-26T08:02:00Z,"STOP
            """)
        #expect(summary(contents) == ["2 +447700900001 optout 2026-11-26T08:00:00Z", "3 +447700900002 optout 2026-11-26T08:01:00Z"])
        #expect(contents.unreadableRows == [UnreadableRow(line: 4, reason: "quoted field opened here is never closed")])
    }

    @Test func afterAnUnclosedQuoteReadingResumesOnTheNextLineOneLinePerRow() throws {
        // The quote opened on line 3 is never closed (the "" of line 5 is a doubled quote inside
        // it): line 3 is listed, and lines 4 to 6 are read one line per row.
        let contents = try read("""
            from,timestamp,text
            +447700900001,2026-11-26T08:00:00Z,STOP
            +447700900002,2026-11-26T08:01:00Z,"STOP
            +447700900003,2026-11-26T08:02:00Z,STOP
            +447700900004,"",STOP
            +447700900005,2026-11-26T08:04:00Z,stop

            """)
        #expect(summary(contents) == [
            "2 +447700900001 optout 2026-11-26T08:00:00Z", "4 +447700900003 optout 2026-11-26T08:02:00Z",
            "5 +447700900004 optout 2026-11-26T12:00:00Z", "6 +447700900005 optout 2026-11-26T08:04:00Z",
        ])
        #expect(contents.unreadableRows.map(\.line) == [3])
        #expect(contents.rows == 4)
    }

    @Test func aFieldOver16MiBIsOneUnreadableRow() throws {
        var bytes = Array("from,timestamp,text\n+447700900001,2026-11-26T08:00:00Z,\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: (16 << 20) + 10)
        bytes += Array("\"\n+447700900002,2026-11-26T08:01:00Z,STOP\n".utf8)
        let contents = try read(bytes)
        #expect(summary(contents) == ["3 +447700900002 optout 2026-11-26T08:01:00Z"])
        #expect(contents.unreadableRows.count == 1)
        #expect(contents.unreadableRows.first?.line == 2)
        #expect(contents.unreadableRows.first?.reason.contains("larger than 16777216 bytes") == true)
    }

    @Test func jsonLinesThatCannotBeReadAreListedAndTheRestApplied() throws {
        let contents = try read("""
            {"from": "+447700900001", "timestamp": "2026-11-26T08:00:00Z", "text": "STOP"}
            {"from": "+447700900002", "timestamp": 1e400, "text": "STOP"}
            [1, 2, 3]
            {"from": "+447700900003", "text": "STOP
            {"to": "+447700900000", "text": "STOP"}
            {"from": "+447700900004", "timestamp": "2026-11-26T08:04:00Z", "text": "STOP"}
            {"from": 447700900005.0, "timestamp": 1795680000, "text": "STOP"}

            """, name: "log.jsonl")
        #expect(summary(contents).first == "1 +447700900001 optout 2026-11-26T08:00:00Z")
        #expect(summary(contents).dropFirst() == ["6 +447700900004 optout 2026-11-26T08:04:00Z", "7 +447700900005 optout 2026-11-26T08:00:00Z"])
        #expect(contents.unreadableRows.map(\.line) == [2, 3, 4, 5])
        #expect(contents.unreadableRows.first?.reason == "not valid JSON (Number 1e400 is not representable in Swift.)")
        #expect(contents.unreadableRows.first { $0.line == 3 }?.reason == "not a JSON object (JSON Lines logs hold one {...} per line)")
        #expect(contents.unreadableRows.first { $0.line == 5 }?.reason.hasPrefix("no sender field") == true)
    }

    @Test func aFileWithNoReadableRowIsRejected() throws {
        #expect {
            _ = try read("{\"from\": 1e400}\n[1]\n", name: "log.jsonl")
        } throws: { error in
            "\(error)".hasPrefix("no row could be read (2 unreadable)") && "\(error)".contains("line 2: not a JSON object")
        }
        #expect {
            _ = try read("from,timestamp,text\nVodafone,2026-11-26T08:00:00Z,STOP\n")
        } throws: { error in
            "\(error)".contains("line 2: sender \"Vodafone\" is not a phone number")
        }
    }

    @Test func anUnreadableSenderIsAReviewItemAndAnError() throws {
        let contents = try read("from,timestamp,text\nVodafone,2026-11-26T08:00:00Z,STOP\n+447700900001,2026-11-26T08:00:00Z,STOP\n")
        #expect(contents.events.count == 1)
        // The row was read: the file is not "read in part", but the sender counts for exit 65.
        #expect(contents.unreadableRows.isEmpty && contents.unreadableSenders == 1)
        #expect(contents.rowProblems.map(\.description) == ["inbox/stops/log.csv:2: error: sender \"Vodafone\" is not a phone number read as written, as a national number of GB, and as international digits: not a phone number (letters or other characters that are not part of a number); not applied, sent to review"])
        #expect(contents.reviews.map(\.kind) == [.unreadableSender])
        #expect(contents.reviews.first?.number == "Vodafone" && contents.reviews.first?.line == 2)
        #expect(contents.reviews.first?.choice == "not applied: no number to apply it to")
    }

    @Test(arguments: [1, 2, 3, 7, 1 << 20])
    func lineReaderStreamsLinesAtAnyBlockSize(blockSize: Int) throws {
        let lines = LineReader(bytes: Array("a\r\n\nlong line here\nb".utf8), maxLineBytes: 8, blockSize: blockSize)
        var seen: [String] = []
        while let line = try lines.next() {
            switch line {
            case .text(let bytes): seen.append("\(lines.line):\(String(decoding: bytes, as: UTF8.self))")
            case .tooLong: seen.append("\(lines.line):too long")
            }
        }
        #expect(seen == ["1:a", "2:", "3:too long", "4:b"])
    }

    // MARK: Class 4: times

    @Test func aStartDatedInTheFutureIsClampedAndHeld() throws {
        let contents = try read("""
            from,timestamp,text
            +447700900001,2026-11-20T08:00:00Z,STOP
            +447700900001,2099-01-01T00:00:00Z,START
            +447700900002,2099-01-01T00:00:00Z,STOP
            +447700900003,2026-11-26T12:04:00Z,STOP

            """)
        #expect(summary(contents) == [
            "2 +447700900001 optout 2026-11-20T08:00:00Z",
            "4 +447700900002 optout 2026-11-26T12:00:00Z",   // clamped to the processing time
            "5 +447700900003 optout 2026-11-26T12:04:00Z",   // within 5 minutes: kept
        ])
        #expect(contents.events[1].rule.contains("is more than 5 minutes after the processing time: clamped"))
        #expect(contents.events[1].timeText == "2099-01-01T00:00:00Z" && !contents.events[1].timeTrusted)
        #expect(contents.events[2].timeTrusted)
        #expect(contents.reviews.map { "\($0.kind.rawValue) \($0.number) \($0.line)" } == ["held-opt-in +447700900001 3"])
        #expect(contents.reviews[0].rule.contains("its time is not trustworthy"))
        #expect(contents.unreadableRows.isEmpty)
    }

    @Test func yearsAndOffsetsOutOfRangeAreUnreadableTimes() throws {
        let contents = try read("""
            from,timestamp,text
            +447700900001,0001-01-01T00:00:00Z,STOP
            +447700900002,2026-11-26T08:00:00+15:00,STOP

            """)
        #expect(contents.events.map(\.time) == [now, now])
        #expect(contents.events[0].rule.contains("year 1 is outside 1970–9999"))
        #expect(contents.events[1].rule.contains("beyond ±14:00"))
        #expect(contents.rowProblems.count == 2)
    }

    @Test func aMonthFirstLogIsReadMonthFirstWhateverDateOrderSays() throws {
        // A US gateway: 11/25 proves month-first, so 03/04 is March 4th.
        let contents = try read("""
            from,timestamp,text
            +14155552671,03/04/2026 10:00,STOP
            +14155552672,11/25/2026 10:00,STOP

            """, settings: "{\"default_country\": \"US\", \"date_order\": \"day-first\"}")
        #expect(summary(contents) == ["2 +14155552671 optout 2026-03-04T10:00:00Z", "3 +14155552672 optout 2026-11-25T10:00:00Z"])
        #expect(contents.events.allSatisfy { $0.timeTrusted })
    }

    @Test func aFileMixingBothOrdersReadsEachDateByItselfAndTheRestAsAmbiguous() throws {
        let contents = try read("""
            from,timestamp,text
            +447700900001,25/11/2026 10:00,STOP
            +447700900002,11/24/2026 10:00,STOP
            +447700900003,03/04/2026 10:00,STOP
            +447700900004,03/04/2026 10:00,START
            +447700900005,05/05/2026 10:00,START

            """)
        #expect(summary(contents) == [
            "2 +447700900001 optout 2026-11-25T10:00:00Z",
            "3 +447700900002 optout 2026-11-24T10:00:00Z",
            "4 +447700900003 optout 2026-04-03T10:00:00Z",   // the later of March 4 and April 3
            "6 +447700900005 optin 2026-05-05T10:00:00Z",    // both readings agree: trustworthy
        ])
        #expect(contents.events[2].rule.contains("the later reading used") && !contents.events[2].timeTrusted)
        #expect(contents.reviews.map { "\($0.kind.rawValue) \($0.number)" } == ["held-opt-in +447700900004"])
    }

    @Test func dateOrderDecidesOnlyAFileAmbiguousThroughoutAndNeverForAnOptIn() throws {
        let contents = try read("""
            from,timestamp,text
            +447700900001,03/04/2026 10:00,STOP
            +447700900002,03/04/2026 10:00,HELP
            +447700900003,03/04/2026 10:00,START

            """, settings: "{\"default_country\": \"GB\", \"date_order\": \"month-first\"}")
        #expect(summary(contents) == [
            "2 +447700900001 optout 2026-04-03T10:00:00Z",   // opt-out: the later reading
            "3 +447700900002 help 2026-03-04T10:00:00Z",     // date_order month-first
        ])
        #expect(contents.reviews.map(\.kind) == [.heldOptIn])
        #expect(contents.reviews.first?.eventTime == Timestamp.parse("2026-03-04T10:00:00Z", zone: .gmt))
    }

    @Test func aStartWithoutATimeIsHeld() throws {
        let contents = try read("from,text\n+447700900001,START\n+447700900002,STOP\n")
        #expect(summary(contents) == ["3 +447700900002 optout 2026-11-26T12:00:00Z"])
        #expect(contents.events[0].timeText == "" && !contents.events[0].timeTrusted)
        #expect(contents.reviews.map(\.kind) == [.heldOptIn])
    }

    // MARK: Class 5: senders

    @Test func anMSISDNWithoutPlusAndNoDefaultCountryIsRead() throws {
        let contents = try read("from,timestamp,text\n447700900123,2026-11-26T08:00:00Z,STOP\n", settings: "{}")
        #expect(summary(contents) == ["2 +447700900123 optout 2026-11-26T08:00:00Z"])
        #expect(contents.unreadableRows.isEmpty)
    }

    @Test func anAmbiguousSenderOptsOutEveryReadingAndItsStartIsHeld() throws {
        let contents = try read("""
            from,timestamp,text
            4582123456,2026-11-26T08:00:00Z,STOP
            4582123456,2026-11-26T09:00:00Z,START

            """, settings: "{\"default_country\": \"US\"}")
        #expect(summary(contents) == ["2 +14582123456 optout 2026-11-26T08:00:00Z", "2 +4582123456 optout 2026-11-26T08:00:00Z"])
        #expect(contents.events[0].rule.contains("reads as +14582123456 and +4582123456: recorded for each"))
        #expect(contents.reviews.map { "\($0.kind.rawValue) \($0.number)" } == ["held-opt-in +14582123456", "held-opt-in +4582123456"])
        #expect(contents.reviews[0].rule.contains("the sender has 2 readings"))
    }

    @Test func mobileOnlyNeverDropsALandlineStop() throws {
        let contents = try read("from,timestamp,text\n+442079460000,2026-11-26T08:00:00Z,STOP\n",
                                settings: "{\"default_country\": \"GB\", \"mobile_only\": true}")
        #expect(summary(contents) == ["2 +442079460000 optout 2026-11-26T08:00:00Z"])
    }

    @Test func senderReadings() {
        let us = SenderReadings(defaultCountry: "US"), none = SenderReadings(defaultCountry: nil), gb = SenderReadings(defaultCountry: "GB")
        func e164(_ r: SenderReadings, _ raw: String) -> [String]? { try? r.readings(raw).get().map(\.e164) }
        #expect(e164(us, "4582123456") == ["+14582123456", "+4582123456"])
        #expect(e164(us, "+1 415 555 2671") == ["+14155552671"])
        #expect(e164(none, "447700900123") == ["+447700900123"])
        #expect(e164(none, "00447700900123") == ["+447700900123"])
        #expect(e164(gb, "07700 900123") == ["+447700900123"])
        #expect(e164(gb, "447700900123") == ["+447700900123"])
        #expect(e164(none, "07700 900123") == nil)
        #expect(throws: PhoneRejection.invalidCharacters) { try gb.readings("Vodafone").get() }
    }

    // MARK: Suppression imports

    func importFile(_ text: String, settings json: String = "{\"default_country\": \"GB\"}") throws -> OptOutContents {
        let path = NSTemporaryDirectory() + "optout-import-" + UUID().uuidString + ".csv"
        defer { unlink(path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let s = try settings(json)
        return try SuppressionImport(parser: PhoneNumberParser(defaultRegion: s.defaultCountry, mobileOnly: s.mobileOnly), settings: s, now: now)
            .read(path: path, displayName: "inbox/suppressions/x.csv", contentKey: "h")
    }

    @Test func importsReadNumbersEveryWayAndSkipOnlyTheBadRow() throws {
        let contents = try importFile("""
            phone,opted_out_at
            4582123456,2026-11-01 10:00
            "+14155552671,2026-11-02 10:00
            +14155552672,2099-11-02 10:00
            n/a,2026-11-03 10:00

            """, settings: "{\"default_country\": \"US\", \"mobile_only\": true}")
        #expect(contents.events.map { "\($0.line) \($0.number) \($0.time)" } == [
            "2 +14582123456 2026-11-01T10:00:00Z", "2 +4582123456 2026-11-01T10:00:00Z",
            "4 +14155552672 2026-11-26T12:00:00Z",
        ])
        #expect(contents.unreadableRows.map(\.line) == [3])
        #expect(contents.unreadableSenders == 1)
        #expect(contents.reviews.map { "\($0.kind.rawValue) \($0.number) \($0.line)" } == ["unreadable-sender n/a 5"])
    }
}
