// File readiness: which dropped files a run may take now, decided once per run for every folder.
// Input: the inbox folders (and, for opt-out inputs, their processed/ files that changed since they
// were read), settle_seconds. Output: a `RunReadiness` that each folder's scan consults:
//   - mtime at least settle_seconds old and no writer holds the file open → ready at once;
//   - otherwise (recent or future mtime, or a writer has it open) → stat-ed again after ONE wait of
//     settle_seconds for all such files together; unchanged size and mtime → ready, except that a
//     file a writer still holds open is "open and stable": an opt-out input is then read up to its
//     last complete line and left in place; a campaign or list waits;
//   - changed during the wait → still being written (opt-out inputs hold campaigns).
// "Held open for writing" is probed with a read lease taken and released at once (never held).
// Where the probe cannot answer (EACCES: another user's file without CAP_LEASE; EINVAL: NFS/SMB)
// the settle rule alone applies and the run reports it (`status` shows it). Nothing is carried
// across runs. settle_seconds 0 (drops always renamed into place; the tests) takes every file at
// once, without probe or wait. Failures: none (a file that cannot be examined is left waiting).

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Device, inode, size and mtime (with nanoseconds): the same file with the same bytes.
package struct FileIdentity: Sendable, Equatable, CustomStringConvertible {
    package var device: UInt64
    package var inode: UInt64
    package var size: Int64
    package var mtimeSeconds: Int64
    package var mtimeNanoseconds: Int64

    package init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtimeSeconds = Int64(st.st_mtim.tv_sec)
        mtimeNanoseconds = Int64(st.st_mtim.tv_nsec)
    }

    /// The identity of the file at `path` now (links not followed), nil when it is gone.
    package static func of(_ path: String) -> FileIdentity? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return FileIdentity(st)
    }

    package var mtime: Double { Double(mtimeSeconds) + Double(mtimeNanoseconds) / 1e9 }

    /// As kept in the journal.
    package var description: String { "\(device):\(inode):\(size):\(mtimeSeconds).\(mtimeNanoseconds)" }
}

/// Is a file held open for writing? A read lease taken and released at once tells.
package enum LeaseProbe {
    package enum Answer: Sendable, Equatable {
        case noWriter
        case writerOpen
        /// The probe cannot answer here (the reason, for `status`).
        case unavailable(String)
    }

    static let setLease: Int32 = 1024  // F_SETLEASE

    /// A lease is released at once, but a writer opening the file in that instant would send the
    /// lease-break signal (SIGIO by default, which terminates): it is ignored, optout uses no SIGIO.
    private static let leaseBreakSignalIgnored: Bool = {
        signal(SIGIO, SIG_IGN)
        return true
    }()

    package static func probe(_ path: String) -> Answer {
        _ = leaseBreakSignalIgnored
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { return .unavailable("cannot open: \(errnoText())") }
        defer { close(fd) }
        if fcntl(fd, setLease, Int32(F_RDLCK)) == 0 {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return .noWriter
        }
        let code = errno
        switch code {
        case EAGAIN: return .writerOpen
        case EACCES, EPERM: return .unavailable("the file belongs to another user and optout has no CAP_LEASE")
        case EINVAL: return .unavailable("the file system does not support leases (NFS, SMB) or leases are disabled")
        default: return .unavailable(errnoText(code))
        }
    }
}

/// What a run decided about one file.
package enum ReadinessState: Sendable, Equatable {
    /// Settled and closed (or settled and the probe could not tell): take it.
    case ready
    /// Unchanged for settle_seconds, but a writer holds it open.
    case openStable
    /// Changed within settle_seconds, or it could not be examined.
    case changing
}

package final class RunReadiness {
    package let settle: Double
    /// By path: the identity seen and the decision.
    package private(set) var states: [String: (identity: FileIdentity, state: ReadinessState)] = [:]
    /// Files the lease probe could not answer for, with the reason (the settle rule alone applied).
    package private(set) var probeUnavailable: [(path: String, reason: String)] = []
    /// Seconds the run waited (0 or settle_seconds).
    package private(set) var waited: Double = 0
    /// Snapshots of complete lines made for open files; removed by `cleanUp()`.
    private var snapshots: [String] = []
    private let snapshotFolder: String

    /// Assesses every file in `files` (already listed by `DropFolder.scan`), with one wait.
    package init(files: [DroppedFile], settle: Double, snapshotFolder: String,
                now: () -> Double = { Date().timeIntervalSince1970 },
                sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.settle = settle
        self.snapshotFolder = snapshotFolder
        var pending: [(path: String, identity: FileIdentity, writer: Bool)] = []
        let start = now()
        for file in files {
            guard let identity = file.identity ?? FileIdentity.of(file.path) else { continue }
            // settle_seconds 0 says every drop is renamed into place: taken at once, no probe.
            if settle <= 0 {
                states[file.path] = (identity, .ready)
                continue
            }
            let answer = LeaseProbe.probe(file.path)
            if case .unavailable(let reason) = answer { probeUnavailable.append((file.path, reason)) }
            let oldEnough = identity.mtime <= start - settle
            if oldEnough && answer != .writerOpen {
                states[file.path] = (identity, .ready)
            } else {
                pending.append((file.path, identity, answer == .writerOpen))
            }
        }
        guard !pending.isEmpty else { return }
        sleep(settle)
        waited = settle
        for item in pending {
            guard let again = FileIdentity.of(item.path), again == item.identity else {
                states[item.path] = (item.identity, .changing)
                continue
            }
            // A writer seen before the wait may have closed it meanwhile.
            let writer = item.writer && LeaseProbe.probe(item.path) == .writerOpen
            states[item.path] = (item.identity, writer ? .openStable : .ready)
        }
    }

    /// The decision about a file listed now, or nil when it was not there (or not this very file)
    /// when the run assessed the folders: it arrived during the run and waits for the next one.
    package func state(of file: DroppedFile) -> ReadinessState? {
        guard let seen = states[file.path] else { return nil }
        if let identity = file.identity, identity != seen.identity { return .changing }
        return seen.state
    }

    /// Splits a folder's listing: files to take now (opt-out inputs that a writer keeps open are
    /// taken in place, their complete lines only) and files still being written, with the reason.
    package func split(_ found: [DroppedFile], optOut: Bool) -> (ready: [DroppedFile], waiting: [(file: DroppedFile, reason: String)]) {
        var ready: [DroppedFile] = []
        var waiting: [(DroppedFile, String)] = []
        for file in found {
            switch state(of: file) {
            case .ready?:
                ready.append(file)
            case .openStable? where optOut:
                if let snapshot = completeLines(of: file) {
                    var inPlace = file
                    inPlace.readPath = snapshot
                    inPlace.leaveInPlace = true
                    ready.append(inPlace)
                } else {
                    waiting.append((file, "a writer holds it open and it has no complete line yet"))
                }
            case .openStable?:
                waiting.append((file, "a writer still holds it open"))
            case .changing?:
                waiting.append((file, "still being written (changed within settle_seconds)"))
            case nil:
                waiting.append((file, "arrived during this run"))
            }
        }
        return (ready, waiting)
    }

    /// The path to read for a file a writer holds open: a snapshot of its bytes up to the last line
    /// end within the size assessed (the writer may append while it is read; nil: no complete line).
    func completeLines(of file: DroppedFile) -> String? {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let limit = min(Int64(st.st_size), file.identity?.size ?? Int64(st.st_size))
        var end: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var position = limit
        while position > 0 && end == 0 {
            let chunk = Int(min(Int64(buffer.count), position))
            position -= Int64(chunk)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, chunk, off_t(position)) }
            if n != chunk { return nil }
            if let last = buffer[0..<chunk].lastIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                end = position + Int64(last) + 1
            }
        }
        if end == 0 { return nil }
        // Copy [0, end) into a hidden temp file of the state folder (swept if the run dies).
        let suffix = Hex.encode(Durable.randomBytes(4))
        let path = "\(snapshotFolder)/.snapshot-\(snapshots.count).tmp-\(getpid())-\(suffix)"
        let out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if out < 0 { return nil }
        defer { close(out) }
        snapshots.append(path)
        var offset: Int64 = 0
        while offset < end {
            let chunk = Int(min(Int64(buffer.count), end - offset))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, chunk, off_t(offset)) }
            if n <= 0 { return nil }
            let written = buffer.withUnsafeBytes { write(out, $0.baseAddress, n) }
            if written != n { return nil }
            offset += Int64(n)
        }
        return path
    }

    /// Removes the snapshots this run made.
    package func cleanUp() {
        for path in snapshots { unlink(path) }
        snapshots.removeAll()
    }

    deinit { cleanUp() }
}
