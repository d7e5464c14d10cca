// Campaign keys: the external sort (runs spilled and merged within the memory bound), the file
// format, binary search, repeats, damaged files named.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit

@Suite final class CampaignKeysTests {
    let dir = NSTemporaryDirectory() + "keys-test-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: dir) }  // each test leaves nothing in the temp folder

    func facts(_ rows: Int) -> CampaignKeysFacts {
        CampaignKeysFacts(name: "spring \"sale\"", builtAt: Timestamp(seconds: 1_790_000_000), template: "inbox/campaigns/spring.txt",
                          rowsSent: rows, ledgerSeq: 42)
    }

    /// A fast deterministic generator (splitmix64).
    struct Mix { var state: UInt64; mutating func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; var z = state; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) } }

    @Test func tenMillionRandomKeysThroughTinyRunsComeOutSortedAndComplete() throws {
        let path = "\(dir)/c.keys", tmp = "\(dir)/tmp"
        let total = 10_000_000
        let writer = CampaignKeys(path: path, tempRoot: tmp, runKeys: 65_536)
        var mix = Mix(state: 7)
        var xorAll: UInt64 = 0, sumAll: UInt64 = 0
        for _ in 0..<total {
            // Keys in the E.164 range (up to 15 digits); repeats are possible but improbable.
            let key = mix.next() % 999_999_999_999_999 + 1
            xorAll ^= key
            sumAll &+= key
            try writer.append(key)
        }
        #expect(writer.spilledRuns == total / 65_536)
        let written = try writer.finish(facts(total))
        // Runs are gone, their folder too.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: tmp)) == [])
        let file = try CampaignKeysFile(path: path)
        #expect(file.count == written)
        #expect(try file.verify())
        #expect(file.facts == facts(total))
        // Sorted, strictly ascending, and the same multiset (xor and sum of all keys, repeats aside).
        let handle = try #require(FileHandle(forReadingAtPath: path))
        handle.seek(toFileOffset: 8)
        var previous: UInt64 = 0, xorRead: UInt64 = 0, sumRead: UInt64 = 0, read = 0, outOfOrder = 0
        while read < file.count {
            let chunk = handle.readData(ofLength: min(1 << 20, (file.count - read) * 8))
            chunk.withUnsafeBytes { raw in
                for i in 0..<(raw.count / 8) {
                    let key = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    if key <= previous { outOfOrder += 1 }
                    previous = key
                    xorRead ^= key
                    sumRead &+= key
                }
            }
            read += chunk.count / 8
        }
        try handle.close()
        #expect(outOfOrder == 0)
        #expect(total - written < 5, "repeats in 10M random 15-digit keys: \(total - written)")
        if written == total { #expect(xorRead == xorAll && sumRead == sumAll) }
        // Lookups: every key of a replayed sample is found; neighbours absent from the set are not.
        var again = Mix(state: 7)
        for i in 0..<200_000 {
            let key = again.next() % 999_999_999_999_999 + 1
            if i % 1000 == 0 { #expect(try file.contains(key)) }
        }
        #expect(try !file.contains(0))
        #expect(try !file.contains(UInt64.max))
    }

    @Test func repeatsAreKeptOnceAndSmallSetsNeverSpill() throws {
        let path = "\(dir)/small.keys"
        let writer = CampaignKeys(path: path, tempRoot: "\(dir)/tmp")
        for key: UInt64 in [447_700_900_321, 15_551_234_567, 447_700_900_321, 33_612_345_678] { try writer.append(key) }
        #expect(try writer.finish(facts(3)) == 3)
        #expect(writer.spilledRuns == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/tmp"))
        let file = try CampaignKeysFile(path: path)
        #expect(try (0..<3).map { try file.key(at: $0) } == [15_551_234_567, 33_612_345_678, 447_700_900_321])
        #expect(try file.contains(33_612_345_678))
        #expect(try !file.contains(33_612_345_679))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Repeats across spilled runs are kept once too.
        let spilled = CampaignKeys(path: "\(dir)/spilled.keys", tempRoot: "\(dir)/tmp", runKeys: 2)
        for key: UInt64 in [5, 3, 5, 3, 9, 1, 9, 5] { try spilled.append(key) }
        #expect(try spilled.finish(facts(8)) == 4)
        let merged = try CampaignKeysFile(path: "\(dir)/spilled.keys")
        #expect(try (0..<4).map { try merged.key(at: $0) } == [1, 3, 5, 9])
    }

    @Test func anEmptyCampaignHasAnEmptyFileAndCutFilesAreNamed() throws {
        let path = "\(dir)/empty.keys"
        #expect(try CampaignKeys(path: path, tempRoot: "\(dir)/tmp").finish(facts(0)) == 0)
        let file = try CampaignKeysFile(path: path)
        #expect(file.count == 0)
        #expect(try !file.contains(447_700_900_321))
        // A file cut short is not a keys file: named, with the reason.
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes.removeLast(3)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/cut.keys"))
        let listed = CampaignKeysFile.all(in: dir)
        #expect(listed.files.map(\.facts.name) == [facts(0).name])
        #expect(listed.problems.count == 1)
        #expect(listed.problems.first?.contains("cut.keys") == true)
        #expect(listed.problems.first?.contains("not a whole campaign keys file") == true)
    }
}
