// Ledger checkpoint: a run starts from the state it holds and replays only the records after it,
// and gets exactly what a full replay gets; anything that doubts it (a ledger edited, damaged,
// cut, replaced; a checkpoint damaged, cut, linked, of another ledger) is a full replay.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite final class LedgerCheckpointTests {
    let dir = NSTemporaryDirectory() + "checkpoint-" + UUID().uuidString
    var ledgerPath: String { "\(dir)/ledger.tsv" }
    var checkpointPath: String { "\(dir)/ledger.checkpoint" }

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func event(_ kind: EventKind, _ n: Int, _ time: Int64, source: EventSource = .reply, text: String = "x") -> IncomingEvent {
        IncomingEvent(kind: kind, number: PhoneNumber(e164: "+4479111\(String(format: "%05d", n))")!, time: Timestamp(seconds: time),
                      source: source, rule: "test", file: "inbox/stops/a.csv", line: n, inputHash: "abc", text: text)
    }

    /// Opt-outs from every source, resubscriptions, superseded and repeated events, and times a
    /// UInt32 cannot hold (the state's side table), recorded at two processing times.
    func someEvents(_ from: Int, _ count: Int, at base: Int64) -> [IncomingEvent] {
        (from..<from + count).map { n in
            switch n % 7 {
            case 0: return event(.optOut, n % 50, base + Int64(n), source: .link)
            case 1: return event(.optIn, n % 50, base + Int64(n), text: "START")
            case 2: return event(.optOut, n, -5_000_000_000 + Int64(n), source: .import)
            case 3: return event(.optOut, n, 5_000_000_000 + Int64(n))
            case 4: return event(.optOut, n % 50, base - 10_000 + Int64(n), text: "late")
            default: return event(.optOut, n, base + Int64(n), source: n % 2 == 0 ? .reply : .import)
            }
        }
    }

    /// Every number's state, the seqs and the tallies: what a run reads from an opened ledger.
    func expectSame(_ a: Ledger, _ b: Ledger, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        #expect(a.state.sameNumbers(as: b.state), sourceLocation: sourceLocation)
        #expect(b.state.sameNumbers(as: a.state), sourceLocation: sourceLocation)
        #expect(a.lastSeq == b.lastSeq, sourceLocation: sourceLocation)
        #expect(a.lastAppliedOptOutSeq == b.lastAppliedOptOutSeq, sourceLocation: sourceLocation)
        let all = (Timestamp(seconds: -1 << 40), Timestamp(seconds: 1 << 40))
        #expect(a.appliedTally(from: all.0, through: all.1) == b.appliedTally(from: all.0, through: all.1), sourceLocation: sourceLocation)
        #expect(a.appliedTally(from: Timestamp(seconds: 6_000), through: all.1) == b.appliedTally(from: Timestamp(seconds: 6_000), through: all.1),
                sourceLocation: sourceLocation)
        #expect(try a.appliedOptOuts(after: 0) == b.appliedOptOuts(after: 0), sourceLocation: sourceLocation)
    }

    /// What a crash during an append leaves: the start of a record, no newline.
    func appendTornRecord() throws {
        let handle = try #require(FileHandle(forWritingAtPath: ledgerPath))
        handle.seekToEndOfFile()
        handle.write(Data("0badf00d\tv2\t99".utf8))
        try handle.close()
    }

    /// A ledger of 400 records with a checkpoint of them, then 300 more records after it.
    func ledgerWithCheckpointAndTail() throws {
        let ledger = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        try ledger.record(someEvents(0, 200, at: 5_000), at: Timestamp(seconds: 5_000))
        try ledger.record(someEvents(200, 200, at: 6_000), at: Timestamp(seconds: 6_000))
        #expect(try ledger.writeCheckpoint(to: checkpointPath, growth: 1))
        try ledger.record(someEvents(400, 300, at: 7_000), at: Timestamp(seconds: 7_000))
    }

    @Test func aLedgerOpenedFromItsCheckpointHoldsWhatAFullReplayHolds() throws {
        try ledgerWithCheckpointAndTail()
        let fromCheckpoint = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        let full = try Ledger(path: ledgerPath)
        #expect(fromCheckpoint.checkpoint != nil)
        #expect(full.checkpoint == nil)
        try expectSame(fromCheckpoint, full)
        // A record after the checkpoint counts: number 601 opted out at 7,601 only.
        #expect(fromCheckpoint.isOptedOut(PhoneNumber(e164: "+447911100601")!))
        #expect(fromCheckpoint.state.count > 400)
        // Recording on top of it gives the same effects and the same records as on a full replay.
        let copy = "\(dir)/copy.tsv"
        try Durable.writeFile(copy, try Durable.readFile(ledgerPath), mode: 0o600)
        let more = someEvents(700, 100, at: 8_000) + someEvents(0, 50, at: 8_000)
        let a = try fromCheckpoint.record(more, at: Timestamp(seconds: 8_000))
        let b = try Ledger(path: copy).record(more, at: Timestamp(seconds: 8_000))
        #expect(a.count == b.count && a.count > 50)
        #expect(a.map(\.effect) == b.map(\.effect))
        #expect(a.map(\.seq) == b.map(\.seq))
    }

    /// `status` reads the state from the checkpoint too, and writes nothing (a torn tail stays).
    @Test func theReadOnlyStateFromTheCheckpointIsTheFullOne() throws {
        try ledgerWithCheckpointAndTail()
        try appendTornRecord()
        let before = try Durable.readFile(ledgerPath)
        let fromCheckpoint = try Ledger.stateReadOnly(path: ledgerPath, checkpoint: checkpointPath)
        let full = try Ledger.stateReadOnly(path: ledgerPath)
        #expect(fromCheckpoint.sameNumbers(as: full) && full.sameNumbers(as: fromCheckpoint))
        #expect(fromCheckpoint.count > 400)
        #expect(try Durable.readFile(ledgerPath) == before)
        // The checkpoint's state is what is read (a number only it holds shows), not a replay.
        var planted = try #require(LedgerCheckpoint.load(path: checkpointPath, ledgerPath: ledgerPath))
        let extra = PhoneNumber(e164: "+447911199999")!
        planted.state.apply(.optOut, number: extra, at: Timestamp(seconds: 1), source: .reply, effect: .applied)
        try planted.write(to: checkpointPath, ledgerPath: ledgerPath)
        #expect(try Ledger.stateReadOnly(path: ledgerPath, checkpoint: checkpointPath).isOptedOut(extra))
        #expect(try !Ledger.stateReadOnly(path: ledgerPath).isOptedOut(extra))
    }

    @Test func theCheckpointIsPrivateAndRewrittenOnlyWhenTheLedgerGrew() throws {
        try ledgerWithCheckpointAndTail()
        let mode = try FileManager.default.attributesOfItem(atPath: checkpointPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let ledger = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        let size = try FileSize.of(ledgerPath)
        let covered = ledger.checkpoint!.bytes
        #expect(try !ledger.writeCheckpoint(to: checkpointPath, growth: size - covered + 1))
        #expect(try LedgerCheckpoint.load(path: checkpointPath, ledgerPath: ledgerPath)?.ledgerBytes == covered)
        #expect(try ledger.writeCheckpoint(to: checkpointPath, growth: size - covered))
        let again = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(again.checkpoint?.bytes == size)
        #expect(again.checkpoint?.lines == (try Durable.readFile(ledgerPath)).filter { $0 == 0x0A }.count)
        #expect(try !again.writeCheckpoint(to: checkpointPath, growth: 1))   // nothing new
        try expectSame(again, try Ledger(path: ledgerPath))
    }

    /// A record edited by hand (its checksum made good again) is read from the ledger, not from
    /// the checkpoint: the segment checksums no longer match.
    @Test func aLedgerEditedBeforeTheCheckpointIsReplayedWhole() throws {
        try ledgerWithCheckpointAndTail()
        let number = "+447911100055"   // opted out once, before the checkpoint
        #expect(try Ledger(path: ledgerPath, checkpoint: checkpointPath).isOptedOut(PhoneNumber(e164: number)!))
        let text = String(decoding: try Durable.readFile(ledgerPath), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("\t\(number)\t") && $0.contains("\tapplied\t") })
        let payload = String(lines[index].dropFirst(9)).replacingOccurrences(of: "\tapplied\t", with: "\tnone\t")
        var line: [UInt8] = []
        RecordFile.encode(Array(payload.utf8), into: &line)
        lines[index] = String(decoding: line.dropLast(), as: UTF8.self)
        try Durable.writeFile(ledgerPath, Array(lines.joined(separator: "\n").utf8), mode: 0o600)
        let reopened = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(reopened.checkpoint == nil)
        #expect(!reopened.isOptedOut(PhoneNumber(e164: number)!))
        try expectSame(reopened, try Ledger(path: ledgerPath))
    }

    /// A damaged record before the checkpoint is found and reported as without one.
    @Test func aDamagedRecordBeforeTheCheckpointIsStillReported() throws {
        try ledgerWithCheckpointAndTail()
        var bytes = try Durable.readFile(ledgerPath)
        let second = bytes.firstIndex(of: 0x0A)! + 1
        bytes[second + 30] ^= 0x01
        try Durable.writeFile(ledgerPath, bytes, mode: 0o600)
        let reopened = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(reopened.checkpoint == nil)
        #expect(reopened.damagedRecords.map(\.line) == [2])
        // And no checkpoint is written from a ledger that opened with a damaged record.
        try reopened.record(someEvents(900, 50, at: 9_000), at: Timestamp(seconds: 9_000))
        #expect(try !reopened.writeCheckpoint(to: checkpointPath, growth: 1))
    }

    @Test func aLedgerCutShorterThanTheCheckpointIsReplayedWhole() throws {
        try ledgerWithCheckpointAndTail()
        let covered = try #require(LedgerCheckpoint.load(path: checkpointPath, ledgerPath: ledgerPath)).ledgerBytes
        #expect(truncate(ledgerPath, off_t(covered - 100)) == 0)
        let reopened = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(reopened.checkpoint == nil)
        try expectSame(reopened, try Ledger(path: ledgerPath))
    }

    /// The same records written again at another time (another ledger) are other bytes.
    @Test func aCheckpointOfAnotherLedgerIsNotUsed() throws {
        try ledgerWithCheckpointAndTail()
        let other = "\(dir)/other.tsv"
        let ledger = try Ledger(path: other)
        try ledger.record(someEvents(0, 200, at: 5_000), at: Timestamp(seconds: 5_001))
        try ledger.record(someEvents(200, 500, at: 6_000), at: Timestamp(seconds: 6_000))
        #expect(try Ledger(path: other, checkpoint: checkpointPath).checkpoint == nil)
    }

    @Test(arguments: ["flip", "cut", "empty", "link", "directory", "older format"])
    func aDamagedOrStrangeCheckpointIsNotUsed(_ damage: String) throws {
        try ledgerWithCheckpointAndTail()
        var bytes = try Durable.readFile(checkpointPath)
        switch damage {
        case "flip": bytes[bytes.count / 2] ^= 0x40
        case "cut": bytes.removeLast(9)
        case "empty": bytes = []
        case "older format": bytes[LedgerCheckpoint.magic.count - 2] = UInt8(ascii: "0")
        default: break
        }
        if damage == "link" || damage == "directory" {
            try FileManager.default.moveItem(atPath: checkpointPath, toPath: "\(dir)/elsewhere")
            if damage == "link" { try FileManager.default.createSymbolicLink(atPath: checkpointPath, withDestinationPath: "\(dir)/elsewhere") }
            else { try FileManager.default.createDirectory(atPath: checkpointPath, withIntermediateDirectories: false) }
        } else {
            try Durable.writeFile(checkpointPath, bytes, mode: 0o600)
        }
        let reopened = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(reopened.checkpoint == nil)
        try expectSame(reopened, try Ledger(path: ledgerPath))
    }

    /// A ledger opened with a torn tail writes no checkpoint in that run (the next one does).
    @Test func aTornTailMeansNoCheckpointThatRun() throws {
        try ledgerWithCheckpointAndTail()
        try appendTornRecord()
        let torn = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(torn.checkpoint != nil)   // the tail is after it
        #expect(torn.problems.count == 1)
        #expect(try !torn.writeCheckpoint(to: checkpointPath, growth: 1))
        try expectSame(torn, try Ledger(path: ledgerPath))
        let next = try Ledger(path: ledgerPath, checkpoint: checkpointPath)
        #expect(try next.writeCheckpoint(to: checkpointPath, growth: 1))
    }
}

@Suite struct SuppressionStateSerializationTests {
    /// Serialized and read back, a state has the same slots (its bytes serialize the same) and
    /// answers the same; counts that disagree with the slots are refused.
    @Test func aStateReadBackIsTheSameTable() throws {
        var state = SuppressionState()
        for n in 0..<5_000 {
            let number = PhoneNumber(e164: "+1202555\(String(format: "%04d", n))")!
            let time = Timestamp(seconds: n % 11 == 0 ? -Int64(n) * 1_000_000 : Int64(n))
            state.apply(n % 5 == 0 ? .optIn : .optOut, number: number, at: time, source: n % 3 == 0 ? .link : .reply, effect: .applied)
        }
        var out = BinaryWriter()
        state.serialize { out.bytes.append(contentsOf: $0) }
        let back = try #require(out.bytes.withUnsafeBytes { raw -> SuppressionState? in
            var reader = BinaryReader(raw)
            return SuppressionState(serialized: &reader)
        })
        var again = BinaryWriter()
        back.serialize { again.bytes.append(contentsOf: $0) }
        #expect(again.bytes == out.bytes)
        #expect(back.sameNumbers(as: state))
        #expect(back.count == state.count && back.optedOutCount == state.optedOutCount)
        // A count that disagrees with the slots, and bytes cut short, are not a state.
        var wrong = out.bytes
        wrong[8] &+= 1
        #expect(wrong.withUnsafeBytes { raw in var r = BinaryReader(raw); return SuppressionState(serialized: &r) } == nil)
        #expect(Array(out.bytes.dropLast(3)).withUnsafeBytes { raw in var r = BinaryReader(raw); return SuppressionState(serialized: &r) } == nil)
        // Another layout (two numbers' slots swapped, as another hash would place them): refused.
        let capacity = Int(out.bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var words = (0..<capacity).map { i in out.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32 + 8 * i, as: UInt64.self) } }
        let occupied = words.indices.filter { words[$0] != 0 }
        var moved = false
        for a in occupied where !moved {
            // A number moved to an empty slot before its home run: no probe from its home reaches it.
            if let empty = words.indices.last(where: { words[$0] == 0 && $0 < a }), a - empty > 1 || a > 0 {
                words.swapAt(a, empty)
                moved = true
            }
        }
        #expect(moved)
        // (its time moved with it: the counts and the side table still add up)
        let timesAt = 32 + 8 * capacity
        var times = (0..<capacity).map { i in out.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: timesAt + 4 * i, as: UInt32.self) } }
        let original = (0..<capacity).map { i in out.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32 + 8 * i, as: UInt64.self) } }
        for i in 0..<capacity where original[i] != words[i] && words[i] != 0 {
            let from = try #require(original.firstIndex(of: words[i]))
            times.swapAt(i, from)
        }
        var relaid = out.bytes
        relaid.withUnsafeMutableBytes { raw in
            for (i, w) in words.enumerated() { raw.storeBytes(of: w, toByteOffset: 32 + 8 * i, as: UInt64.self) }
            for (i, t) in times.enumerated() { raw.storeBytes(of: t, toByteOffset: timesAt + 4 * i, as: UInt32.self) }
        }
        #expect(relaid.withUnsafeBytes { raw in var r = BinaryReader(raw); return SuppressionState(serialized: &r) } == nil)
    }
}
