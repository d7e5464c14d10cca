// The row spool gives back the chunks it was given: lines, blank marks, numbers and cells
// (empty, short and long), in order; a damaged spool is an error. (A known number's phone cell
// left empty by the duplicates pass: RunJobTests and CampaignPipelineTests.)

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite struct CampaignRowSpoolTests {
    /// Rows of three cells (phone, name, note): every fifth without a number, one blank, lines
    /// with gaps of 1, 254, 255 and a million, a cell of 300 bytes.
    static func chunk(from first: Int, count: Int) -> CampaignChunk.Rows {
        var rows = CampaignChunk.Rows()
        var line = first
        for r in 0..<count {
            line += [1, 254, 255, 1_000_000, 1, 2][r % 6]
            let phone = r % 5 == 0 ? "not a number \(r)" : "+1212555\(String(format: "%04d", r % 10_000))"
            let cells = [r == 7 ? "" : phone, r % 3 == 0 ? "" : "Zoë \(r)", r == 11 ? String(repeating: "x", count: 300) : "n\(r)"]
            rows.lines.append(line)
            rows.duplicateOf.append(0)
            rows.blank.append(r == 7)
            for cell in cells { rows.bytes.append(contentsOf: cell.utf8); rows.ends.append(rows.bytes.count) }
            rows.numbers.append(r % 5 == 0 || r == 7 ? 0 : 12_125_550_000 + UInt64(r % 10_000))
            rows.count += 1
        }
        return rows
    }

    static func cells(_ rows: CampaignChunk.Rows, _ r: Int, slots: Int) -> [String] {
        (0..<slots).map { k in
            let i = r * slots + k
            return String(decoding: rows.bytes[(i == 0 ? 0 : rows.ends[i - 1])..<rows.ends[i]], as: UTF8.self)
        }
    }

    @Test func chunksComeBackAsWritten() throws {
        let t = try TempWorkspace()
        let spool = try CampaignRowSpool(columns: [1, 0, 3], tempRoot: t.ws.tempFolder)
        let written = [Self.chunk(from: 1, count: 600), Self.chunk(from: 5_000_000, count: 1), Self.chunk(from: 9_000_000, count: 2_048)]
        for var chunk in written { try spool.append(&chunk) }
        try spool.finishWriting()
        var back = CampaignChunk.Rows()
        for want in written {
            #expect(try spool.read(into: &back))
            #expect(back.count == want.count && back.lines == want.lines && back.blank == want.blank && back.numbers == want.numbers)
            for r in 0..<want.count {
                #expect(Self.cells(back, r, slots: 3) == Self.cells(want, r, slots: 3), "row \(r)")
            }
        }
        #expect(try !spool.read(into: &back))
    }

    @Test func aDamagedSpoolIsAnError() throws {
        let t = try TempWorkspace()
        let spool = try CampaignRowSpool(columns: [0, 1, 2], tempRoot: t.ws.tempFolder)
        var chunk = Self.chunk(from: 1, count: 50)
        try spool.append(&chunk)
        try spool.finishWriting()
        // The header's cells-per-row changed: the read-back check refuses it.
        var header = [UInt8](repeating: 0, count: 16)
        let spoolFd = try #require(Self.descriptor(of: spool))
        #expect(pread(spoolFd, &header, 16, 0) == 16)
        header[4] = 9
        #expect(pwrite(spoolFd, header, 16, 0) == 16)
        var back = CampaignChunk.Rows()
        #expect(throws: OptoutError.self) { try spool.read(into: &back) }
    }

    /// The spool's open descriptor (its file is unlinked at once), found through /proc.
    static func descriptor(of spool: CampaignRowSpool) -> Int32? {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)") else { continue }
            if target.hasPrefix(spool.path) { return fd }
        }
        return nil
    }
}
