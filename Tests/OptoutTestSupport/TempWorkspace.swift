// Test support: a throw-away workspace in a temporary directory, with helpers to drop files in
// and read outputs back.

import Foundation
import OptoutBase
import OptoutKit

package final class TempWorkspace {
    package let root: String
    package var ws: Workspace { Workspace(root: root) }

    package init(settings: String? = nil) throws {
        root = NSTemporaryDirectory() + "optout-test-" + UUID().uuidString
        _ = try InitJob.run(dir: root)
        try FileManager.default.removeItem(atPath: ws.settingsFile)
        if let settings { try write("inbox/settings.json", settings) }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    package func write(_ relative: String, _ text: String) throws {
        try write(relative, Array(text.utf8))
    }

    package func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = "\(root)/\(relative)"
        try FileManager.default.createDirectory(atPath: Durable.parent(of: path), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown) }
    }

    package func read(_ relative: String) -> String? {
        guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)") else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    package func exists(_ relative: String) -> Bool { Durable.exists("\(root)/\(relative)") }

    package func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(relative)")) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Rows of a CSV output (without the header), read with the project's CSV reader.
    package func rows(_ relative: String) -> [[String]] {
        guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)"),
              let reader = try? CSVReader(bytes: Array(data), delimiter: UInt8(ascii: ",")) else { return [] }
        var rows: [[String]] = []
        while (try? reader.next()) == true {
            rows.append((0..<reader.fieldCount).map { reader.string($0) })
        }
        return Array(rows.dropFirst())
    }

    /// `optout run` with no settle delay.
    @discardableResult
    package func run(now: Timestamp? = nil) throws -> RunReport {
        try RunJob.run(root: root, options: RunOptions(settleSeconds: 0, now: now))
    }

    /// Everything under outbox/ as relative path → bytes (for comparing two runs).
    package func outboxSnapshot() -> [String: String] {
        var result: [String: String] = [:]
        let base = "\(root)/outbox"
        guard let walker = FileManager.default.enumerator(atPath: base) else { return result }
        while let item = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(base)/\(item)", isDirectory: &isDir), !isDir.boolValue {
                result[item] = read("outbox/\(item)")
            }
        }
        return result
    }
}
