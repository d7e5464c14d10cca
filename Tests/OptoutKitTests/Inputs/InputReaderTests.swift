// One shape for every opt-out input: each reader conforms to OptOutInputReader and gives the same
// contents; a file's verdict follows from what was read (processed, processed with errors), and a
// file no row of which can be read is refused by every reader alike.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct InputReaderTests {
    let now = Timestamp(seconds: 1_795_694_400)
    let settings = Settings()

    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "optout-input-" + UUID().uuidString + ".csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    var readers: [any OptOutInputReader] {
        let parser = PhoneNumberParser(defaultRegion: "GB")
        return [StopLogReader(parser: parser, settings: settings, now: now), SuppressionImport(parser: parser, settings: settings, now: now)]
    }

    @Test func everyReaderGivesTheSameContents() throws {
        let parser = PhoneNumberParser(defaultRegion: "GB")
        let stop = try file("from,text,received_at\n+447911123456,STOP,2026-11-27T10:00:00Z\n+447911123457,thanks,2026-11-27T10:01:00Z\n")
        let imported = try file("phone\n+447911123458\nnot a number at all\n")
        defer { unlink(stop); unlink(imported) }
        let fromStop = try StopLogReader(parser: parser, settings: settings, now: now).read(path: stop, displayName: "inbox/stops/a.csv", contentKey: String(repeating: "a", count: 64))
        #expect(fromStop.rows == 2)
        #expect(fromStop.events.filter { $0.kind == .optOut }.map(\.number.e164) == ["+447911123456"])
        #expect(fromStop.events.allSatisfy { $0.inputHash == String(repeating: "a", count: 16) })
        #expect(fromStop.verdict == .processed)
        let fromImport = try SuppressionImport(parser: parser, settings: settings, now: now).read(path: imported, displayName: "inbox/suppressions/b.csv", contentKey: String(repeating: "b", count: 64))
        #expect(fromImport.rows == 2)
        #expect(fromImport.events.map(\.number.e164) == ["+447911123458"])
        // The number with no reading: a review item, not an unreadable row (the file is processed).
        #expect(fromImport.unreadableSenders == 1)
        #expect(fromImport.reviews.map(\.line) == [3])
        #expect(fromImport.verdict == .processed)
        // A JSON line that is not an object: the log is read in part, and says which row.
        let partial = try file("{\"from\": \"+447911123456\", \"text\": \"STOP\"}\nnot json\n")
        defer { unlink(partial) }
        let fromPartial = try StopLogReader(parser: parser, settings: settings, now: now).read(path: partial, displayName: "inbox/stops/c.jsonl", contentKey: "c")
        #expect(fromPartial.events.map(\.number.e164) == ["+447911123456"])
        guard case .processedWithErrors(let rows) = fromPartial.verdict else { Issue.record("verdict \(fromPartial.verdict)"); return }
        #expect(rows.map(\.line) == [2])
    }

    @Test func aFileWithNoUsableRowIsRefusedByEveryReader() throws {
        let path = try file("\n")
        defer { unlink(path) }
        for reader in readers {
            #expect(throws: InputError.self, "\(type(of: reader))") { _ = try reader.read(path: path, displayName: "x.csv", contentKey: "k") }
        }
    }
}
