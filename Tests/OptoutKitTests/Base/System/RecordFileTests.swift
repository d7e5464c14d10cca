// RecordFile: reads never write. `scan` leaves every byte as it was (a torn tail is skipped and
// reported); only the writers' `open(repairing:)` and `openForAppend()` cut a torn tail, and the
// tail-only repair (read back from the end) cuts exactly what the full repair cuts.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutPhone
import OptoutTestSupport

@Suite struct RecordFileTests {
    /// Four records, the second damaged, then a torn final record and a cut fragment.
    static func tornFile(_ t: TempWorkspace, _ name: String, padding: Int = 0) throws -> (path: String, bytes: [UInt8], intact: Int) {
        var bytes: [UInt8] = []
        let long = String(repeating: "x", count: padding)
        for payload in ["one", "two", "three" + long, "four"] { RecordFile.encode(Array(payload.utf8), into: &bytes) }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "two", with: "twO")
        lines[3] = lines[3].replacingOccurrences(of: "four", with: "fouR")
        let text = lines.joined(separator: "\n") + "\n" + "0000"
        try t.write(".optout/\(name)", text)
        let intact = lines[0].utf8.count + lines[1].utf8.count + lines[2].utf8.count + 3
        return ("\(t.root)/.optout/\(name)", Array(text.utf8), intact)
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

    @Test func aScanReadsTheIntactRecordsAndWritesNothing() throws {
        let t = try TempWorkspace()
        let (path, before, intact) = try Self.tornFile(t, "x.tsv")
        var read: [String] = []
        let scan = try RecordFile.scan(path) { payload, line in read.append("\(line):" + String(decoding: payload, as: UTF8.self)) }
        #expect(read == ["1:one", "3:three"])
        #expect(scan.damaged.map(\.line) == [2])
        #expect(scan.intactEnd == intact && scan.fileEnd == before.count && scan.hasTornTail)
        #expect(scan.problems.last == "\(path): last record was cut short by a crash (\(before.count - intact) bytes); ignored")
        #expect(Self.bytes(path) == before, "a read changed the file")
    }

    /// A scan from the end of a record reads only the records after it, numbered on from there.
    @Test func aScanFromARecordEndReadsTheRestNumberedOn() throws {
        let t = try TempWorkspace()
        let (path, before, intact) = try Self.tornFile(t, "x.tsv")
        let secondEnd = before.indices.filter { before[$0] == 0x0A }[1] + 1
        var read: [String] = []
        let scan = try RecordFile.scan(path, prepare: nil, from: (secondEnd, 2)) { payload, line, _ in
            read.append("\(line):" + String(decoding: payload, as: UTF8.self))
        }
        #expect(read == ["3:three"])
        #expect(scan.intactEnd == intact && scan.hasTornTail && scan.damaged.isEmpty)
        #expect(scan.lines == 4)
        #expect(throws: OptoutError.self) { try RecordFile.scan(path, prepare: nil, from: (before.count + 1, 0)) { _, _, _ in } }
    }

    @Test func anAbsentFileScansAsEmptyAndIsNotCreated() throws {
        let t = try TempWorkspace()
        let path = "\(t.root)/.optout/absent.tsv"
        let scan = try RecordFile.scan(path) { _, _ in Issue.record("no record expected") }
        #expect(!scan.hasTornTail && scan.problems.isEmpty)
        #expect(!Durable.exists(path))
    }

    @Test func aWriterCutsTheTornTailBeforeAppending() throws {
        let t = try TempWorkspace()
        let (path, before, intact) = try Self.tornFile(t, "x.tsv")
        let file = RecordFile(path: path)
        var read: [String] = []
        try file.open(repairing: { payload, _ in read.append(String(decoding: payload, as: UTF8.self)) })
        #expect(read == ["one", "three"])
        #expect(file.problems.last == "\(path): last record was cut short by a crash (\(before.count - intact) bytes); ignored and removed")
        #expect(Self.bytes(path) == Array(before[0..<intact]))
        try file.appendAndSync([Array("five".utf8)])
        var after: [String] = []
        try RecordFile.scan(path) { payload, _ in after.append(String(decoding: payload, as: UTF8.self)) }
        #expect(after == ["one", "three", "five"])
    }

    /// The tail-only repair reads back in growing windows: a last intact record longer than the
    /// first window (64 KiB) is found too, and the same bytes are cut as by the full repair.
    @Test(arguments: [0, 70_000, 300_000])
    func theTailRepairCutsWhatTheFullRepairCuts(padding: Int) throws {
        let t = try TempWorkspace()
        let (full, _, intact) = try Self.tornFile(t, "full.tsv", padding: padding)
        let (tail, before, _) = try Self.tornFile(t, "tail.tsv", padding: padding)
        try RecordFile(path: full).open(repairing: { _, _ in })
        let appender = RecordFile(path: tail)
        try appender.openForAppend()
        #expect(Self.bytes(tail).count == intact)
        #expect(Self.bytes(tail) == Self.bytes(full))
        #expect(appender.problems == ["\(tail): last record was cut short by a crash (\(before.count - intact) bytes); ignored and removed"])
    }

    /// A reference reader, one line at a time on one thread (what `scan` did before issue 13).
    static func referenceScan(_ bytes: [UInt8]) -> (records: [String], damaged: [Int], intactEnd: Int) {
        var records: [String] = [], damaged: [Int] = [], intactEnd = 0, start = 0, line = 0
        bytes.withUnsafeBufferPointer { buffer in
            for i in 0..<buffer.count where buffer[i] == 0x0A {
                line += 1
                let l = UnsafeBufferPointer(rebasing: buffer[start..<i])
                if RecordFile.verify(l) {
                    records.append("\(line):" + String(decoding: l[9...], as: UTF8.self))
                    intactEnd = i + 1
                } else {
                    damaged.append(start)
                }
                start = i + 1
            }
        }
        return (records, damaged, intactEnd)
    }

    /// Issue 13: a file of several blocks is verified (and prepared) on worker threads; records,
    /// line numbers, damaged records (one across a block boundary, one longer than a block) and the
    /// torn tail are exactly those of a one-line-at-a-time read, in file order.
    @Test(arguments: [false, true])
    func aLargeFileScansOnWorkersAsOneThreadWould(torn: Bool) throws {
        let t = try TempWorkspace()
        var bytes: [UInt8] = []
        var n = 0
        while bytes.count < 5 << 20 {
            n += 1
            var payload = Array("record \(n) ".utf8) + [UInt8](repeating: UInt8(ascii: "a") + UInt8(n % 26), count: n % 300)
            if n == 7000 { payload += [UInt8](repeating: 0x62, count: 1_300_000) }      // longer than a block
            var line: [UInt8] = []
            RecordFile.encode(payload, into: &line)
            if n % 997 == 0 || n == 7000 { line[12] ^= 1 }                               // damaged
            bytes += line
        }
        // A damaged line across the first block boundary (1 MiB).
        if let i = bytes[(1 << 20)...].firstIndex(of: 0x0A), let j = bytes[..<(1 << 20)].lastIndex(of: 0x0A) {
            bytes[(j + 1 + i) / 2] ^= 0x01
        }
        var good: [UInt8] = []
        RecordFile.encode(Array("last".utf8), into: &good)
        bytes += good
        if torn { bytes += Array("0123".utf8) }
        try t.write(".optout/big.tsv", String(decoding: bytes, as: UTF8.self))
        let path = "\(t.root)/.optout/big.tsv"
        #expect(Self.bytes(path) == bytes)
        let expected = Self.referenceScan(bytes)
        #expect(expected.damaged.count > 5)
        var read: [String] = []
        var preparedLengths: [Int] = []
        // Fixed bytes (the payload's length) and appended bytes (its first word, reversed, for some).
        let prepare = RecordPrepare(size: 8) { payload, fixed, out in
            fixed.storeBytes(of: payload.count, as: Int.self)
            if payload.count % 3 != 0 { out.append(contentsOf: payload.prefix { $0 != 0x20 }.reversed()) }
        }
        var appendedOK = true
        let scan = try RecordFile.scan(path, prepare: prepare) { payload, line, prepared in
            read.append("\(line):" + String(decoding: payload, as: UTF8.self))
            preparedLengths.append(prepared!.fixed.load(as: Int.self))
            #expect(preparedLengths.last == payload.count)
            let expected: [UInt8] = payload.count % 3 != 0 ? payload.prefix { $0 != 0x20 }.reversed() : []
            if Array(prepared!.bytes) != expected { appendedOK = false }
        }
        #expect(appendedOK)
        #expect(read == expected.records)
        #expect(scan.damaged.map(\.offset) == expected.damaged)
        #expect(scan.intactEnd == expected.intactEnd && scan.fileEnd == bytes.count && scan.hasTornTail == torn)
        #expect(scan.problems.count == expected.damaged.count + (torn ? 1 : 0))
        var plain: [String] = []
        try RecordFile.scan(path) { payload, line in plain.append("\(line):" + String(decoding: payload, as: UTF8.self)) }
        #expect(plain == expected.records)
    }

    /// Issue 13: a file appended with `dropsBehind` (the link index) holds every record, after a
    /// torn tail was cut, and the pages of its written-out steps leave the page cache (mincore).
    @Test func aDropBehindFileHoldsEveryRecordAndLeavesTheCache() throws {
        let t = try TempWorkspace()
        let torn = try Self.tornFile(t, "links.tsv")
        let file = RecordFile(path: torn.path, dropsBehind: true)
        var expected = Array(torn.bytes[..<torn.intact])
        var block: [UInt8] = []
        var record = 0
        // Three and a half steps of 8 MB, in blocks of about 1 MB as the link index appends.
        while expected.count < torn.intact + AppendOnlyFile.writebackStep * 7 / 2 {
            block.removeAll(keepingCapacity: true)
            while block.count < 1 << 20 {
                RecordFile.encode(Array("tok\(record)\t+4477009\(record)".utf8), into: &block)
                record += 1
            }
            try file.append(encoded: block)
            expected += block
        }
        try file.sync()
        // Before anything reads it back: the first step's pages are no longer cached (where
        // mincore answers for this file system; the first page also holds the old records).
        let fd = open(torn.path, O_RDONLY)
        let length = AppendOnlyFile.writebackStep
        if let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED {
            let pages = length / Int(getpagesize())
            var resident = [UInt8](repeating: 0, count: pages)
            if mincore(map, length, &resident) == 0 {
                let cached = resident.dropFirst().filter { $0 & 1 != 0 }.count
                #expect(cached < pages / 4, "\(cached) of \(pages) pages of the first 8 MB still cached")
            }
            munmap(map, length)
        }
        close(fd)
        #expect(Self.bytes(torn.path) == expected)
        var read = 0
        try RecordFile.scan(torn.path) { _, _ in read += 1 }
        #expect(read == 2 + record)  // "one" and the damaged "twO" are not read; "three" and the new ones are
    }

    @Test func anAppendWithoutOpeningStillFollowsTheLastIntactRecord() throws {
        let t = try TempWorkspace()
        let (path, _, intact) = try Self.tornFile(t, "x.tsv")
        let file = RecordFile(path: path)
        try file.appendAndSync([Array("five".utf8)])
        var read: [String] = []
        let scan = try RecordFile.scan(path) { payload, _ in read.append(String(decoding: payload, as: UTF8.self)) }
        #expect(read == ["one", "three", "five"])
        #expect(!scan.hasTornTail)
        #expect(scan.fileEnd > intact)
    }

    @Test func aFileWhoseEveryLineIsTornIsCutToNothing() throws {
        let t = try TempWorkspace()
        try t.write(".optout/bad.tsv", "00000000\tnot it\n0000")
        let path = "\(t.root)/.optout/bad.tsv"
        let file = RecordFile(path: path)
        try file.openForAppend()
        #expect(Self.bytes(path).isEmpty)
    }
}

/// Through the library's readers: `status` and the read-back of ledger, link index and review
/// log leave torn state files as they are; the next run (a writer) cuts the tails.
@Suite struct ReadsNeverWriteTests {
    @Test func statusAndReadBacksLeaveTornFilesAsTheyAreAndARunCutsThem() throws {
        let t = try TempWorkspace(settings: "{\"settle_seconds\": 0}")
        let ledger = try Ledger(path: t.ws.ledgerFile)
        let event = IncomingEvent(kind: .optOut, number: PhoneNumber(unchecked: 447_700_900_123), time: Timestamp(seconds: 1_790_000_000),
                                  source: .reply, rule: "exact keyword \"STOP\"", file: "stops/a.csv", line: 2, inputHash: "h", text: "STOP")
        try ledger.record([event], at: Timestamp(seconds: 1_790_000_100))
        let files = [t.ws.ledgerFile, t.ws.linkIndexFile, t.ws.reviewsFile, t.ws.journalFile]
        for path in files {
            var bytes = Durable.exists(path) ? RecordFileTests.bytes(path) : []
            bytes += Array("0123abcd\tcut sh".utf8)    // a record cut short by a crash
            try Durable.writeFile(path, bytes, mode: Durable.privateMode)
        }
        let before = files.map(RecordFileTests.bytes)
        _ = try StatusJob.collect(root: t.root)
        _ = try Ledger.readAll(path: t.ws.ledgerFile)
        _ = try Ledger.records(path: t.ws.ledgerFile, after: 0)
        _ = try LinkIndex.count(path: t.ws.linkIndexFile)
        _ = try TokenResolver.load(path: t.ws.linkIndexFile)
        _ = ReviewLog.readOnly(path: t.ws.reviewsFile)
        #expect(files.map(RecordFileTests.bytes) == before, "a read wrote a state file")
        _ = try t.run()
        // The run's writers (ledger, review log, journal) cut the tails; the record before stays.
        for path in [t.ws.ledgerFile, t.ws.reviewsFile, t.ws.journalFile] {
            #expect(!String(decoding: RecordFileTests.bytes(path), as: UTF8.self).contains("cut sh"), "\(path): the run kept the torn tail")
        }
        #expect(try Ledger.readAll(path: t.ws.ledgerFile).map(\.number.e164) == ["+447700900123"])
    }
}
