// FileBatch (issue 13): many small files made durable with one syncfs, named by linkat from
// O_TMPFILE inodes, or (forced here, as on a file system without O_TMPFILE) by renames of hidden
// temp files. Both ways give the same names, bytes and modes, leave no temp names, replace a
// file already there, and publish nothing when dropped without commit.

import Testing
import Foundation
import OptoutBase

@Suite struct FileBatchTests {
    func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "filebatch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func listing(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    @Test(arguments: [true, false]) func writesEveryFileWholeWithNoTempNamesLeft(tempInodes: Bool) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Durable.writeFile("\(dir)/b.json", "old")
        let batch = FileBatch(tempInodes: tempInodes)
        for i in 0..<50 { try batch.add("\(dir)/f\(i).json", Array("{\"n\": \(i)}".utf8)) }
        try batch.add("\(dir)/b.json", Array("new".utf8))
        #expect(batch.usesTempInodes == tempInodes)
        // Nothing visible before commit when unnamed inodes are used; temp names only otherwise.
        if tempInodes { #expect(try listing(dir) == ["b.json"]) }
        try batch.commit()
        let names = try listing(dir)
        #expect(names.count == 51)
        #expect(!names.contains { $0.hasPrefix(".") })
        for i in 0..<50 { #expect(try String(contentsOfFile: "\(dir)/f\(i).json", encoding: .utf8) == "{\"n\": \(i)}") }
        #expect(try String(contentsOfFile: "\(dir)/b.json", encoding: .utf8) == "new")
        var st = stat()
        #expect(stat("\(dir)/f0.json", &st) == 0)
        let umaskNow = umask(0); umask(umaskNow)
        #expect(st.st_mode & 0o777 == 0o666 & ~umaskNow)
        #expect(st.st_nlink == 1)
    }

    @Test func moreFilesThanMayStayOpenAreSyncedAndLinkedInRounds() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let batch = FileBatch(openLimit: 7, emptyPathLinks: false)    // links through /proc/self/fd
        for i in 0..<50 { try batch.add("\(dir)/f\(i).json", Array("\(i)".utf8)) }
        try batch.commit()
        #expect(try listing(dir) == (0..<50).map { "f\($0).json" }.sorted())
        for i in 0..<50 { #expect(try String(contentsOfFile: "\(dir)/f\(i).json", encoding: .utf8) == "\(i)") }
    }

    @Test(arguments: [true, false]) func privateModeIsExact(tempInodes: Bool) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let batch = FileBatch(mode: 0o600, tempInodes: tempInodes)
        try batch.add("\(dir)/state", [1, 2, 3])
        try batch.commit()
        var st = stat()
        #expect(stat("\(dir)/state", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try Durable.readFile("\(dir)/state") == [1, 2, 3])
    }

    @Test(arguments: [true, false]) func droppedWithoutCommitPublishesNothing(tempInodes: Bool) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let batch = FileBatch(tempInodes: tempInodes)
            for i in 0..<5 { try batch.add("\(dir)/f\(i).json", [UInt8(i)]) }
        }
        #expect(try listing(dir) == [])
    }
}
