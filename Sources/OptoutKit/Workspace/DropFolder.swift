// Drop folders: which files in an inbox folder are ready to take, and moving them on.
// Input: a folder under inbox/. Output: the finished regular files in it (sorted by name), and
// moves to processed/ or rejected/ (with `<file>.error.txt`) that never overwrite.
// Skipped, never read: names starting with "." or "~$", ending in .tmp/.part/.crdownload, files
// whose size or mtime changed within the settle interval, and anything that is not a regular file
// (a symlink is rejected: it could point outside the workspace), and a file with more than one
// hard link (rejected: the other name may be outside the workspace). A run decides readiness once
// for all folders with `RunReadiness` (FileReadiness.swift): lease probe, one settle wait.

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file found in a drop folder.
package struct DroppedFile: Sendable, Equatable {
    package var path: String
    package var name: String
    package var size: Int
    package var modified: Timestamp
    /// Device and inode: tell the very same file from a new one with the same bytes.
    package var device: UInt64 = 0
    package var inode: UInt64 = 0
    /// Device, inode, size and mtime (ns) when the file was assessed; checked again before the
    /// file is consumed and before anything built from it is published (nil: not recorded).
    package var identity: FileIdentity? = nil
    /// Where to read its bytes: the file itself, or a snapshot of its complete lines when a
    /// writer still holds it open (`RunReadiness`).
    package var readPath: String = ""
    /// Read and applied, but left where it is (a writer keeps it open, or it is a processed/
    /// file read again for what it gained): never moved.
    package var leaveInPlace = false

    package init(path: String, name: String, size: Int, modified: Timestamp, device: UInt64 = 0, inode: UInt64 = 0) {
        self.path = path
        self.name = name
        self.size = size
        self.modified = modified
        self.device = device
        self.inode = inode
        self.readPath = path
    }
}

/// What a scan of one folder found.
package struct DropScan: Sendable {
    package var ready: [DroppedFile] = []
    /// Files seen but not taken yet (still being written).
    package var unsettled: [String] = []
    /// Entries that can never be taken (symlinks, devices, unsafe names), with the reason.
    package var unusable: [(name: String, reason: String)] = []
}

package enum DropFolder {
    /// True for names that are never inputs: hidden, Office lock files, partial downloads.
    package static func isIgnoredName(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~$") { return true }
        let lower = name.lowercased()
        for suffix in [".tmp", ".part", ".crdownload", ".error.txt"] where lower.hasSuffix(suffix) { return true }
        return false
    }

    /// A name is safe when it is valid UTF-8 and has no slash, control character or "..".
    package static func isSafeName(_ raw: [UInt8]) -> Bool {
        if raw.isEmpty || raw.count > 255 { return false }
        if raw == [0x2E] || raw == [0x2E, 0x2E] { return false }
        for b in raw where b < 0x20 || b == 0x2F || b == 0x7F { return false }
        return String(validating: raw, as: UTF8.self) != nil
    }

    /// Lists the files ready to take in `folder`, ignoring sub-folders.
    /// - Parameter settle: seconds a file's size and mtime must have been unchanged.
    package static func scan(_ folder: String, settle: Double, now: Double = Date().timeIntervalSince1970,
                            accept: (String) -> Bool = { _ in true }) -> DropScan {
        var result = DropScan()
        guard let dir = opendir(folder) else { return result }
        defer { closedir(dir) }
        var candidates: [(String, stat)] = []
        while let entry = readdir(dir) {
            let raw: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                Array(buffer.prefix(while: { $0 != 0 }))
            }
            guard let name = String(validating: raw, as: UTF8.self) else {
                result.unusable.append((String(decoding: raw, as: UTF8.self), "file name is not valid UTF-8"))
                continue
            }
            if name == "." || name == ".." || isIgnoredName(name) { continue }
            if !isSafeName(raw) {
                result.unusable.append((name, "file name contains control characters"))
                continue
            }
            let path = "\(folder)/\(name)"
            var st = stat()
            if lstat(path, &st) != 0 { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR { continue }
            if type == S_IFLNK {
                result.unusable.append((name, "is a symbolic link; links are not followed (they could point outside the workspace)"))
                continue
            }
            if type != S_IFREG {
                result.unusable.append((name, "is not a regular file"))
                continue
            }
            if st.st_nlink > 1 {
                result.unusable.append((name, "has \(st.st_nlink) hard links; an input must have one (another name for the same file can be outside the workspace, and optout would read and quote it)"))
                continue
            }
            if !accept(name) { continue }
            candidates.append((name, st))
        }
        for (name, st) in candidates.sorted(by: { $0.0 < $1.0 }) {
            let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            // A future mtime is not "still being written": a run takes it after its one settle wait.
            if settle > 0 && now - mtime < settle && now - mtime > -1 {
                result.unsettled.append(name)
                continue
            }
            var file = DroppedFile(path: "\(folder)/\(name)", name: name, size: Int(st.st_size),
                                   modified: Timestamp(seconds: Int64(st.st_mtim.tv_sec)),
                                   device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            file.identity = FileIdentity(st)
            result.ready.append(file)
        }
        return result
    }

    /// A path in `folder` for `name` that does not exist yet ("name", "name-2.ext", "name-3.ext"...).
    package static func freePath(in folder: String, name: String) -> String {
        var candidate = "\(folder)/\(name)"
        var n = 2
        let (stem, ext) = splitExtension(name)
        while Durable.exists(candidate) {
            candidate = "\(folder)/\(stem)-\(n)\(ext)"
            n += 1
        }
        return candidate
    }

    /// "list.csv" → ("list", ".csv"); "README" → ("README", "").
    package static func splitExtension(_ name: String) -> (String, String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }

    /// Moves a consumed input to `<kind>/processed/`, keeping its bytes; never overwrites.
    @discardableResult
    package static func markProcessed(_ file: DroppedFile, into folder: String) throws(OptoutError) -> String {
        try refuseStateSource(file)
        try Durable.makeDirectory(folder)
        let target = freePath(in: folder, name: OutputNames.fitting(file.name))
        try Durable.move(file.path, to: target)
        return target
    }

    /// Nothing is ever moved out of .optout/ (see Durable.move): refused before anything is written.
    static func refuseStateSource(_ file: DroppedFile) throws(OptoutError) {
        if let state = Durable.stateFolder(containing: Durable.parent(of: file.path)) {
            throw .configuration(SourceLocation(file: file.path), "is inside the state folder \(state); nothing is ever moved out of .optout/ (is an inbox folder a link to it?)")
        }
    }

    /// Moves an unusable input to `<kind>/rejected/` with `<file>.error.txt` beside it.
    @discardableResult
    package static func reject(_ file: DroppedFile, into folder: String, errors: [String]) throws(OptoutError) -> String {
        // Deleted since the scan (by a person, between scan and read): say so, and write no
        // .error.txt for a file that is not there (the failed move used to leave one, with 73).
        guard Durable.exists(file.path) else {
            throw .io(path: file.path, reason: "disappeared while being read (deleted or moved away); the run stopped here, run again")
        }
        try refuseStateSource(file)
        try Durable.makeDirectory(folder)
        // A name too long for "<name>.error.txt" is shortened in rejected/ (the text names it).
        let target = freePath(in: folder, name: OutputNames.fitting(file.name, extra: ".error.txt".utf8.count))
        var text = "optout could not use \(file.name):\n"
        for error in errors { text += "  \(error)\n" }
        text += "\nFix the file and drop it into the folder again; nothing from it was used.\n"
        try Durable.writeFile(target + ".error.txt", text)
        try Durable.move(file.path, to: target)
        return target
    }
}
