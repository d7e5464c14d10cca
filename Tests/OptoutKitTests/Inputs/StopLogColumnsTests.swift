// STOP-log columns as a spreadsheet user names them (issue 14 item 5): "Sender Number",
// "Message Body", "Date Received" are found loosely like list columns; a header naming the number
// written to (to, recipient, destination, receiver) is never the sender; a headerless log with
// one phone column reads it as the sender, and one with two phone columns applies each opt-out to
// both numbers, sends both to review and holds an opt-in.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct StopLogColumnsTests {
    /// 2026-11-26T12:00:00Z
    let now = Timestamp(seconds: 1_795_694_400)

    func read(_ text: String) throws -> OptOutContents {
        let path = NSTemporaryDirectory() + "optout-stopcols-" + UUID().uuidString + ".csv"
        defer { unlink(path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var settings = Settings()
        settings.defaultCountry = "GB"
        let reader = StopLogReader(parser: PhoneNumberParser(defaultRegion: "GB"), settings: settings, now: now)
        return try reader.read(path: path, displayName: "inbox/stops/log.csv")
    }

    @Test("loose names find sender, text and time; recipient headers are never the sender")
    func columnNames() {
        let export = ["Date Received", "Recipient Number", "Sender Number", "Message Body", "Message ID"]
        #expect(ColumnNames.findSender(in: export) == 2)
        #expect(ColumnNames.findText(in: export) == 3)
        #expect(ColumnNames.findTime(in: export, excluding: [2, 3]) == 0)
        #expect(ColumnNames.findText(in: ["Message ID", "Message Type", "Message Status", "Message Body"]) == 3)
        #expect(ColumnNames.findSender(in: ["To", "From Number", "Body"]) == 1)
        #expect(ColumnNames.findSender(in: ["ToNumber", "Customer Phone"]) == 1)
        #expect(ColumnNames.findSender(in: ["to_phone", "text"]) == nil)
        #expect(ColumnNames.findSender(in: ["tonumber", "text"]) == nil)
        #expect(ColumnNames.findSender(in: ["Destination Mobile", "Receiver MSISDN", "Recipient Phone", "msg"]) == nil)
        #expect(ColumnNames.findSender(in: ["phone", "to"]) == 0)
        #expect(ColumnNames.words("ToNumber date_received Téléphone") == ["to", "number", "date", "received", "telephone"])
    }

    @Test("a spreadsheet export's headers: the sender's opt-out, the recipient kept as evidence")
    func looseHeaders() throws {
        let contents = try read("Date Received,Recipient Number,Sender Number,Message Body\n2026-11-26 08:00:00,+18005550100,+447911123456,STOP\n")
        #expect(contents.events.map(\.number.e164) == ["+447911123456"])
        #expect(contents.events.first?.kind == .optOut)
        #expect(contents.events.first?.detail == "to +18005550100")
        #expect(contents.events.first?.timeText == "2026-11-26 08:00:00")
    }

    @Test("a headerless log with one phone column: that column is the sender, nothing to review")
    func headerlessOnePhone() throws {
        let contents = try read("+447911123456,STOP,2026-11-26T08:00:00Z\n07911123457,Stop please,2026-11-26T08:05:00Z\n")
        #expect(contents.events.map(\.number.e164) == ["+447911123456", "+447911123457"])
        #expect(contents.events.map(\.line) == [1, 2])
        #expect(contents.reviews.isEmpty)
    }

    @Test("a headerless log with two phone columns: each opt-out applied to both and sent to review; an opt-in held")
    func headerlessTwoPhones() throws {
        let contents = try read("+447911123456,+18005550100,STOP,2026-11-26T08:00:00Z\n+447911123457,+18005550100,START,2026-11-26T09:00:00Z\n")
        #expect(contents.events.filter { $0.kind == .optOut }.map(\.number.e164) == ["+447911123456", "+18005550100"])
        #expect(!contents.events.contains { $0.kind == .optIn }, "an opt-in from an unknown sender is never applied")
        #expect(contents.events.allSatisfy { $0.kind != .optOut || $0.rule.contains("no header and two phone columns (1 and 2)") })
        let reviews = contents.reviews.map { "\($0.kind) \($0.number) line \($0.line)" }
        #expect(reviews.contains("ambiguousReply +447911123456 line 1") && reviews.contains("ambiguousReply +18005550100 line 1"), "\(reviews)")
        #expect(reviews.contains("heldOptIn +447911123457 line 2") && reviews.contains("heldOptIn +18005550100 line 2"), "\(reviews)")
        #expect(contents.rowProblems.contains { $0.message.contains("each opt-out is applied to both numbers and sent to review") })
    }

    @Test("a first row that is neither a header nor a message is still refused for its columns")
    func notAMessage() throws {
        #expect(throws: InputError.self) { try read("Col1,Col2\nfoo,bar\n") }
    }
}
