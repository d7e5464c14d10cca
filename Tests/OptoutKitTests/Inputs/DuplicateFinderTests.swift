// Duplicate finder: the same answers as a plain in-memory pass, whatever the partitioning.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct DuplicateFinderTests {
    @Test(arguments: [1, 2, 8, 64])
    func agreesWithAnInMemoryPass(partitions: Int) throws {
        let dir = NSTemporaryDirectory() + "dups-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 20,000 rows over 6,000 numbers in two formats, with blank and invalid rows mixed in.
        var text = "name,mobile\n"
        var expected: [Int: Int] = [:]   // line → first line
        var first: [Int: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        var line = 1
        for i in 0..<20_000 {
            line += 1
            if i % 997 == 0 { text += "blank,\n"; continue }
            if i % 991 == 0 { text += "bad,12345\n"; continue }
            let n = Int.random(in: 0..<6_000, using: &rng)
            text += i % 2 == 0 ? "r\(i),07700 9\(String(format: "%05d", n))\n" : "r\(i),+4477009\(String(format: "%05d", n))\n"
            if let f = first[n] { expected[line] = f } else { first[n] = line }
        }
        let path = "\(dir)/list.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let parser = PhoneNumberParser(defaultRegion: "GB")
        var fresh = 0
        let linkPath = "\(dir)/links.tsv"
        let index = try LinkIndex(path: linkPath)
        try index.append(PhoneNumber(e164: "+447700900001")!, token: Array("AAAAAAAAAA".utf8))
        try index.sync()
        let dups = try DuplicateFinder.find(listPath: path, parser: parser, tempRoot: "\(dir)/tmp", linkIndexPath: linkPath,
                                            partitionCount: partitions) { (_: PhoneNumber) throws(OptoutError) in fresh += 1 }
        var found: [Int: Int] = [:]
        for l in 2...line { if let f = try dups.firstLine(ifDuplicate: l) { found[l] = f } }
        #expect(found == expected)
        #expect(dups.duplicates == expected.count)
        #expect(fresh == first.count - (first[1] != nil ? 1 : 0))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp").isEmpty)
    }

    /// An empty or absent link index: every distinct number is new (no numbers to partition).
    @Test(arguments: ["absent", "empty", "one entry"])
    func everyNumberIsNewToAnEmptyLinkIndex(_ index: String) throws {
        let dir = NSTemporaryDirectory() + "dups-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/list.csv"
        let numbers = (0..<300).map { "+44770090\(String(format: "%04d", $0 % 250))" }
        try Data(("name,phone\n" + numbers.map { "x,\($0)\n" }.joined()).utf8).write(to: URL(fileURLWithPath: path))
        let linkPath = "\(dir)/links.tsv"
        if index == "empty" { try Data().write(to: URL(fileURLWithPath: linkPath)) }
        if index == "one entry" {
            let links = try LinkIndex(path: linkPath)
            try links.append(PhoneNumber(e164: "+447700900007")!, token: Array("AAAAAAAAAA".utf8))
            try links.sync()
        }
        var fresh: [String] = []
        let dups = try DuplicateFinder.find(listPath: path, parser: PhoneNumberParser(defaultRegion: "GB"), tempRoot: "\(dir)/tmp",
                                            linkIndexPath: linkPath, partitionCount: 8) { (n: PhoneNumber) throws(OptoutError) in fresh.append(n.e164) }
        #expect(dups.duplicates == 50)
        #expect(fresh.count == (index == "one entry" ? 249 : 250))
        #expect(Set(fresh).count == fresh.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp").isEmpty)
    }

    /// A partition file of (line, first line) pairs, little-endian.
    static func pairs(_ pairs: [(UInt32, UInt32)]) -> Data {
        var bytes: [UInt8] = []
        for (line, first) in pairs {
            for v in [line, first] { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
        }
        return Data(bytes)
    }

    /// A failed read(2) is an error, not the end of the duplicates: a directory fd (EISDIR).
    @Test func aFailedReadIsAnErrorNotTheEndOfTheFile() throws {
        let dir = NSTemporaryDirectory() + "dups-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect {
            _ = try DuplicateLines(paths: [dir], duplicates: 1)
        } throws: { error in
            guard case .io(let path, let reason)? = error as? OptoutError else { return false }
            return path == dir && reason.hasPrefix("cannot read the duplicates found in the list: ")
        }
    }

    /// A partition cut inside a record is an error too; a whole one is read to its end.
    @Test func aPartitionCutInsideARecordIsAnError() throws {
        let dir = NSTemporaryDirectory() + "dups-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = "\(dir)/whole", cut = "\(dir)/cut"
        _ = FileManager.default.createFile(atPath: whole, contents: Self.pairs([(3, 2), (9, 2)]))
        var bytes = Self.pairs([(5, 4), (7, 4)])
        bytes.removeLast(3)
        _ = FileManager.default.createFile(atPath: cut, contents: bytes)
        let dups = try DuplicateLines(paths: [whole], duplicates: 2)
        #expect(try dups.firstLine(ifDuplicate: 3) == 2)
        #expect(try dups.firstLine(ifDuplicate: 4) == nil)
        #expect(try dups.firstLine(ifDuplicate: 9) == 2)
        #expect(try dups.firstLine(ifDuplicate: 10) == nil)
        let torn = try DuplicateLines(paths: [cut], duplicates: 2)
        // Line 5's pair is whole; reading on past it finds 5 bytes and then the end of the file.
        #expect(throws: OptoutError.self) { _ = try torn.firstLine(ifDuplicate: 5) }
    }
}
