// Campaign keys (reader): one .optout/campaigns/<name>.keys file (format in CampaignKeys.swift)
// opened for look-ups. Input: its path. Output: its facts, its key count, and whether a number is
// among the keys (binary search with pread: about 20 reads of 8 bytes for a million keys; the
// file is never read whole; `sent(amongSorted:)` reads it once for many numbers). `verify` recomputes the CRC (tests, checks). `all(in:)` opens every
// keys file of a folder, oldest build first. Failures: `OptoutError.io` naming the path for a
// file that cannot be read or is not a whole keys file (wrong magic, sizes that do not add up,
// facts that are not JSON); `all` returns such files as problems instead of failing.

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package final class CampaignKeysFile {
    package let path: String
    package let facts: CampaignKeysFacts
    /// Distinct keys in the file.
    package let count: Int
    private let fd: Int32
    private let size: Int

    package init(path: String) throws(OptoutError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        self.fd = fd
        var st = stat()
        guard fstat(fd, &st) == 0 else { let reason = errnoText(); close(fd); throw .io(path: path, reason: reason) }
        size = Int(st.st_size)
        func bad(_ reason: String) -> OptoutError { close(fd); return .io(path: path, reason: "not a whole campaign keys file: \(reason)") }
        let head = CampaignKeys.magic.count, trailer = CampaignKeys.trailerSize
        guard size >= head + trailer else { throw bad("\(size) bytes") }
        let start: [UInt8], end: [UInt8]
        do { start = try Self.read(fd, at: 0, count: head, path: path); end = try Self.read(fd, at: size - trailer, count: trailer, path: path) } catch {
            close(fd); throw error
        }
        guard start == CampaignKeys.magic, Array(end[16...]) == CampaignKeys.endMagic else { throw bad("wrong magic") }
        let factsLength = Int(Self.integer(end, 0, 4)), keyCount = Int(Self.integer(end, 4, 8))
        guard keyCount >= 0, factsLength >= 0, head + keyCount * 8 + factsLength + trailer == size else {
            throw bad("its sizes do not add up (\(keyCount) keys, \(factsLength) bytes of facts, \(size) bytes)")
        }
        let factBytes: [UInt8]
        do { factBytes = try Self.read(fd, at: head + keyCount * 8, count: factsLength, path: path) } catch { close(fd); throw error }
        guard let facts = CampaignKeysFacts(json: factBytes) else { throw bad("its facts are not readable") }
        self.facts = facts
        count = keyCount
    }

    deinit { close(fd) }

    private static func integer(_ bytes: [UInt8], _ from: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (from..<from + width).reversed() { value = value << 8 | UInt64(bytes[i]) }
        return value
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int, path: String) throws(OptoutError) -> [UInt8] {
        try preadFully(fd, count: count, at: offset, path: path, endedEarly: "the file ended early")
    }

    /// The key at `index` (0-based, ascending).
    package func key(at index: Int) throws(OptoutError) -> UInt64 {
        Self.integer(try Self.read(fd, at: CampaignKeys.magic.count + index * 8, count: 8, path: path), 0, 8)
    }

    /// True when the campaign was sent to `key` (binary search).
    package func contains(_ key: UInt64) throws(OptoutError) -> Bool {
        var low = 0, high = count - 1
        while low <= high {
            let mid = (low + high) / 2
            let found = try self.key(at: mid)
            if found == key { return true }
            if found < key { low = mid + 1 } else { high = mid - 1 }
        }
        return false
    }

    /// Which of `sorted` (ascending) the campaign was sent to: one sequential read of the keys
    /// merged with them (for many numbers at once, instead of a binary search each).
    package func sent(amongSorted sorted: [UInt64]) throws(OptoutError) -> Set<UInt64> {
        var found = Set<UInt64>()
        var next = 0, index = 0
        while index < count && next < sorted.count {
            let take = min(1 << 17, count - index)
            let bytes = try Self.read(fd, at: CampaignKeys.magic.count + index * 8, count: take * 8, path: path)
            var k = 0
            while k < take && next < sorted.count {
                let key = Self.integer(bytes, k * 8, 8)
                if key < sorted[next] { k += 1 } else if key > sorted[next] { next += 1 } else { found.insert(key); k += 1; next += 1 }
            }
            index += take
        }
        return found
    }

    /// True when the CRC matches the bytes (reads the whole file, in 1 MiB pieces).
    package func verify() throws(OptoutError) -> Bool {
        let covered = size - 12
        var crc: UInt32 = 0
        var offset = 0
        while offset < covered {
            let piece = try Self.read(fd, at: offset, count: min(1 << 20, covered - offset), path: path)
            crc = CRC32.checksum(piece, seed: crc)
            offset += piece.count
        }
        return UInt64(crc) == Self.integer(try Self.read(fd, at: covered, count: 4, path: path), 0, 4)
    }

    /// Every keys file in `folder`, by build time then name; files that cannot be used are
    /// returned as problems (named with their reason), never skipped silently.
    package static func all(in folder: String) -> (files: [CampaignKeysFile], problems: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".keys") && !$0.hasPrefix(".") }
        var files: [CampaignKeysFile] = [], problems: [String] = []
        for name in names.sorted() {
            do throws(OptoutError) { files.append(try CampaignKeysFile(path: "\(folder)/\(name)")) } catch { problems.append(error.description) }
        }
        files.sort { ($0.facts.builtAt, $0.facts.ledgerSeq, $0.facts.name) < ($1.facts.builtAt, $1.facts.ledgerSeq, $1.facts.name) }
        return (files, problems)
    }
}
