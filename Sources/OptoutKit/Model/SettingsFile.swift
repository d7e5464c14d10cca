// Settings file: the bytes of inbox/settings.json, read only when it is a small regular file.
// Input: the path. Output: its bytes (nil when there is no file: every key has a default).
// Failures: `OptoutError.configuration` (78) for a FIFO, device, socket, directory or symbolic link
// (a FIFO would block the run while it holds the lock; /dev/zero would never end), a file over
// 1 MiB, or an empty one; `.io` (74) when reading fails. Never reads more than 1 MiB + 1 byte.

import OptoutBase
import Foundation

package enum SettingsFile {
    /// The largest settings file read (a real one is a few kilobytes).
    package static let maxBytes = 1 << 20

    package static func read(path: String, displayName: String) throws(OptoutError) -> [UInt8]? {
        func refuse(_ why: String) -> OptoutError { .configuration(SourceLocation(file: displayName), why) }
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw .io(path: displayName, reason: errnoText())
        }
        if let kind = notRegular(st.st_mode) { throw refuse(kind) }
        if st.st_size > maxBytes { throw refuse(tooLarge) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ELOOP { throw refuse(notRegular(S_IFLNK) ?? "") }
            throw .io(path: displayName, reason: errnoText())
        }
        defer { close(fd) }
        // Swapped between lstat and open: check what was opened.
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw .io(path: displayName, reason: errnoText()) }
        if let kind = notRegular(opened.st_mode) { throw refuse(kind) }
        if opened.st_size > maxBytes { throw refuse(tooLarge) }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < bytes.count {
            let read = valueOrErrno {
                bytes.withUnsafeMutableBytes { buffer in Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count) }
            }
            switch read {
            case .failure(let error): throw .io(path: displayName, reason: error.description)
            case .success(0): break
            case .success(let n): count += n; continue
            }
            break
        }
        if count > maxBytes { throw refuse(tooLarge) }
        if count == 0 { throw refuse("the file is empty (write {} for all defaults, or remove the file)") }
        bytes.removeSubrange(count...)
        return bytes
    }

    static let tooLarge = "larger than 1 MiB; a settings file is a few kilobytes (is this the right file?)"

    /// Why a file of this mode is refused, or nil for a regular file.
    static func notRegular(_ mode: mode_t) -> String? {
        let what: String
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: what = "a symbolic link"
        case S_IFIFO: what = "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: what = "a device"
        case S_IFDIR: what = "a directory"
        case S_IFSOCK: what = "a socket"
        default: what = "not a regular file"
        }
        return "is \(what); settings must be a regular file in inbox/ of at most 1 MiB (copy the file there, or bind-mount the folder)"
    }
}
