// Durable file operations: the Maildir discipline used for every output and state file.
// Inputs: paths and bytes. Outputs: files that appear whole (temp file, fsync, rename, fsync of the
// directory) or not at all, and append-only files whose records are fsynced before returning.
// Failures: `OptoutError.cannotCreate` (ENOSPC, EROFS, EACCES...) or `.io`, naming the path.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Low-level helpers around POSIX calls, each failing with a path-naming error.
package enum Durable {
    static func writeError(_ path: String, _ code: Int32 = errno) -> OptoutError {
        .cannotCreate(path: path, reason: errnoText(code))
    }

    /// Mode of a new output file before the umask: outputs follow the process umask (0644 under
    /// the usual 022, 0640 under 027). State files pass `privateMode` and get exactly that.
    package static let outputMode: mode_t = 0o666
    /// Mode of every state file (ledger, key, journal...): 0600 whatever the umask.
    package static let privateMode: mode_t = 0o600

    /// True for a mode with no group or other bits: such a file gets exactly its mode.
    static func isPrivate(_ mode: mode_t) -> Bool { mode & 0o077 == 0 }

    /// Creates a directory and its parents (following the umask, or exactly `mode` when given).
    package static func makeDirectory(_ path: String, mode: mode_t? = nil) throws(OptoutError) {
        var st = stat()
        if stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR { return }
        let up = parent(of: path)
        if up != path && up != "/" && up != "." { try makeDirectory(up) }
        if mkdir(path, mode ?? 0o777) != 0 && errno != EEXIST {
            throw .cannotCreate(path: path, reason: "cannot create directory: \(errnoText())")
        }
        if let mode { _ = chmod(path, mode) }
    }

    /// fsyncs a directory so that a rename or create inside it survives a crash.
    package static func syncDirectory(_ path: String) throws(OptoutError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io(path: path, reason: errnoText()) }
    }

    /// Writes all bytes to fd, retrying short writes and EINTR.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(OptoutError) {
        var offset = 0
        while offset < bytes.count {
            switch valueOrErrno({ write(fd, bytes.baseAddress! + offset, bytes.count - offset) }) {
            case .success(let n): offset += n
            case .failure(let failure): throw writeError(path, failure.code)
            }
        }
    }

    /// Writes all of `bytes` to fd (short writes and EINTR retried).
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(OptoutError) {
        let failure: OptoutError? = bytes.withUnsafeBytes { raw in
            do throws(OptoutError) { try writeAll(fd, raw, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes a whole file atomically: temp file beside it, fsync, rename, fsync the directory.
    package static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = outputMode) throws(OptoutError) {
        let out = try AtomicFile(path: path, mode: mode)
        try out.write(bytes)
        try out.commit()
    }

    package static func writeFile(_ path: String, _ text: String, mode: mode_t = outputMode) throws(OptoutError) {
        try writeFile(path, Array(text.utf8), mode: mode)
    }

    /// Writes many small files, each whole or not at all, with one flush for the lot (FileBatch).
    package static func writeFiles(_ files: [(path: String, bytes: [UInt8])], mode: mode_t = outputMode) throws(OptoutError) {
        let batch = FileBatch(mode: mode)
        for (path, bytes) in files { try batch.add(path, bytes) }
        try batch.commit()
    }

    /// Renames `from` to `to` and fsyncs both directories. Nothing is ever moved out of a
    /// workspace's `.optout/` (a linked inbox folder must not carry the ledger away): a source
    /// whose real folder is inside a `.optout` folder, and a target that is not, is refused (78).
    package static func move(_ from: String, to: String) throws(OptoutError) {
        if let folder = stateFolder(containing: parent(of: from)), stateFolder(containing: parent(of: to)) != folder {
            throw .configuration(SourceLocation(file: from), "is inside the state folder \(folder); nothing is ever moved out of .optout/ (is an inbox folder a link to it?)")
        }
        CrashPoints.step("move: before rename")
        if rename(from, to) != 0 { throw writeError(to) }
        CrashPoints.step("move: after rename")
        try syncDirectory(parent(of: to))
        let fromDir = parent(of: from)
        if fromDir != parent(of: to) { try syncDirectory(fromDir) }
    }

    /// The real path of the `.optout` folder that holds `directory` (itself or an ancestor), or nil.
    package static func stateFolder(containing directory: String) -> String? {
        guard let resolved = realpath(directory, nil) else { return nil }
        defer { free(resolved) }
        var path = String(cString: resolved)
        while path.count > 1 {
            if baseName(path) == ".optout" { return path }
            path = parent(of: path)
        }
        return nil
    }

    /// The directory part of a path ("." when none).
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    package static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// True when something (file, directory or link) exists at path, without following links.
    package static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// The largest input read whole into memory (STOP logs, page logs): 256 MiB, millions of
    /// messages. A larger file is refused with a message instead of exhausting memory.
    package static let wholeInputLimit = 256 << 20

    /// Reads a whole (small) file; with `limit`, a file larger than that is refused (before reading).
    package static func readFile(_ path: String, limit: Int? = nil) throws(OptoutError) -> [UInt8] {
        var result: [UInt8] = []
        try readChunks(path, limit: limit, chunkSize: 1 << 16) { result.append(contentsOf: $0) }
        return result
    }

    /// Streams a file to `body` in chunks of up to `chunkSize` bytes (one reusable buffer).
    /// - Parameter limit: refuse a file larger than this many bytes, with a message saying so.
    package static func readChunks(_ path: String, limit: Int? = nil, chunkSize: Int = 1 << 20,
                                  _ body: (UnsafeRawBufferPointer) -> Void) throws(OptoutError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        defer { close(fd) }
        if let limit {
            var st = stat()
            if fstat(fd, &st) == 0, Int(st.st_size) > limit {
                throw .io(path: path, reason: "too large to read (\(st.st_size) bytes; the limit for this kind of input is \(limit >> 20) MiB): split it into smaller files")
            }
        }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n: Int
            switch valueOrErrno({ chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }) {
            case .success(let count): n = count
            case .failure(let failure): throw .io(path: path, reason: failure.description)
            }
            if n == 0 { break }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Fresh random bytes from the kernel CSPRNG (SystemRandomNumberGenerator uses getrandom(2) on Linux).
    package static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            // Eight bytes per getrandom(2) call, not one.
            var word = generator.next()
            for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word)); word >>= 8 }
        }
        return Array(bytes.prefix(count))
    }
}

/// A file being written that appears at its final path only on `commit()`.
///
/// Bytes are buffered and written to `.<name>.tmp-<pid>-<random>` in the same directory; `commit`
/// flushes, fsyncs, renames over the final path and fsyncs the directory. Dropped without commit,
/// the temp file is removed. Temp names start with a dot so no reader of the folder takes them.
package final class AtomicFile {
    package let path: String
    /// Issue 13 hook (campaign publish, PeopleWorkbookTwin): the temp file's path, read back once
    /// `flush()` wrote every byte (the skipped rows' twin is built from it before its commit).
    package let tempPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var done = false
    private let flushThreshold = 1 << 20

    /// Direct writes (`direct: true`) until the first `flush()`, `overwrite` or `commit`.
    private var directWrites: DirectWrites?

    /// - Parameter mode: `Durable.outputMode` (the umask decides) or a private mode (exactly that).
    /// - Parameter direct: write past the page cache (`DirectWrites`, issue 13): for big outputs,
    ///   which are fsynced before they are published anyway. Where O_DIRECT is refused, ordinary
    ///   writes.
    /// - Parameter refuseDirect: tests: the first direct write fails as if with EINVAL.
    package init(path: String, mode: mode_t = Durable.outputMode, direct: Bool = false, refuseDirect: Bool = false) throws(OptoutError) {
        self.path = path
        let dir = Durable.parent(of: path)
        let suffix = Hex.encode(Durable.randomBytes(4))
        tempPath = "\(dir)/.\(Durable.baseName(path)).tmp-\(getpid())-\(suffix)"
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd < 0 { throw Durable.writeError(path) }
        if Durable.isPrivate(mode) { fchmod(fd, mode) }
        buffer.reserveCapacity(flushThreshold + 4096)
        if direct { directWrites = DirectWrites(fd: fd, path: path, refuseDirect: refuseDirect) }
    }

    deinit {
        directWrites?.close()
        if !done {
            close(fd)
            unlink(tempPath)
        }
    }

    /// True while this file's blocks go past the page cache (tests).
    package var writesDirectly: Bool { directWrites?.isDirect ?? false }

    package func write(_ bytes: [UInt8]) throws(OptoutError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try spill() }
    }

    /// Appends a block: a large one (64 KiB or more) goes straight to the file after what is
    /// buffered, without being copied (with direct writes: copied once, into an aligned block).
    package func writeBlock(_ bytes: [UInt8]) throws(OptoutError) {
        if bytes.count < 64 << 10 { return try write(bytes) }
        try spill()
        if let directWrites { return try directWrites.append(bytes) }
        try Durable.writeAll(fd, bytes, path: path)
    }

    package func write(_ text: String) throws(OptoutError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { try spill() }
    }

    /// Appends through a closure that writes into the internal buffer (no intermediate array).
    package func append(_ body: (inout [UInt8]) -> Void) throws(OptoutError) {
        body(&buffer)
        if buffer.count >= flushThreshold { try spill() }
    }

    /// Passes what is buffered on: to the direct writes' blocks, else to the temp file.
    private func spill() throws(OptoutError) {
        if buffer.isEmpty { return }
        if let directWrites {
            try directWrites.append(buffer)
        } else {
            try Durable.writeAll(fd, buffer, path: path)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte appended so far to the temp file (issue 13 hook: `package`, see
    /// `tempPath`); direct writes end here, later bytes go through the page cache.
    package func flush() throws(OptoutError) {
        try spill()
        if let directWrites {
            self.directWrites = nil
            try directWrites.finish()
        }
    }

    /// Issue 13 hook (campaign publish): writes what is buffered and fsyncs the temp file, on any
    /// one thread while no other touches this file, so that the fsync overlaps other work;
    /// `commit` still fsyncs (then at little cost) before its rename.
    package func syncTemp() throws(OptoutError) {
        try flush()
        if fsync(fd) != 0 { throw Durable.writeError(path) }
    }

    /// Hook (helper C, issue 13: ZipWriter's streamed entries): overwrites bytes already appended,
    /// at `offset` from the file's start (a header patched once its CRC and size are known).
    package func overwrite(_ bytes: [UInt8], at offset: Int) throws(OptoutError) {
        try flush()
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if n < 0 { if errno == EINTR { continue }; throw Durable.writeError(path) }
            done += n
        }
    }

    /// Makes the file durable and visible at its final path.
    package func commit() throws(OptoutError) { try commit(as: path) }

    /// Makes the file durable and visible at `final` instead, in the same folder (a name decided
    /// only once the content is known).
    package func commit(as final: String) throws(OptoutError) {
        precondition(Durable.parent(of: final) == Durable.parent(of: path), "a temp file is renamed within its folder")
        let path = final
        try flush()
        CrashPoints.step("commit: temp written, not synced")
        if fsync(fd) != 0 { throw Durable.writeError(path) }
        close(fd)
        done = true
        CrashPoints.step("commit: temp synced, before rename")
        if rename(tempPath, path) != 0 {
            let code = errno
            unlink(tempPath)
            throw Durable.writeError(path, code)
        }
        CrashPoints.step("commit: after rename")
        try Durable.syncDirectory(Durable.parent(of: path))
    }
}

/// An append-only file whose appends are durable once `sync()` returns.
///
/// Every `writebackStep` bytes appended, the kernel is asked to start writing them out
/// (sync_file_range, SYNC_FILE_RANGE_WRITE: no waiting, no promise), so that the `sync()` after a
/// large append (a first campaign's 240 MB of link index) finds little left to write instead of
/// flooding the disk's queue at once while the campaign's own writes wait behind it (issue 13).
/// Durability is unchanged: only `sync()` promises anything.
/// With `dropsBehind` (the link index: 240 MB appended by a first campaign over 10M rows, read
/// by no later step of the run), each step's pages, once written out, also leave the page cache
/// (POSIX_FADV_DONTNEED), so the next appends reuse them: on a virtual machine whose host took
/// back the guest's free memory, every page touched for the first time costs a fault on the host
/// (0.55 s of kernel time for 240 MB, against 0.1 s this way).
package final class AppendOnlyFile {
    package let path: String
    private let fd: Int32
    private let dropsBehind: Bool
    /// The file's size (its end, where appends go).
    private var end: Int
    /// Bytes appended since writeback was last started.
    private var unstarted = 0
    /// The range whose writeback was started last (dropped from the cache at the next step).
    private var started: (offset: Int, count: Int)?
    package static let writebackStep = 8 << 20

    /// Opens (creating with `mode`, 0600 by default) for appending.
    package init(path: String, mode: mode_t = 0o600, dropsBehind: Bool = false) throws(OptoutError) {
        self.path = path
        self.dropsBehind = dropsBehind
        let existed = Durable.exists(path)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        if fd < 0 { throw Durable.writeError(path) }
        end = max(0, Int(lseek(fd, 0, SEEK_END)))
        if !existed {
            if Durable.isPrivate(mode) { fchmod(fd, mode) }
            try Durable.syncDirectory(Durable.parent(of: path))
        }
    }

    deinit { close(fd) }

    /// Cuts the file to `length` bytes (drops a torn tail before appending after it).
    package func truncate(to length: Int) throws(OptoutError) {
        if ftruncate(fd, off_t(length)) != 0 { throw Durable.writeError(path) }
        if fsync(fd) != 0 { throw Durable.writeError(path) }
        end = length
        unstarted = 0
        started = nil
    }

    package func append(_ bytes: [UInt8]) throws(OptoutError) {
        bytes.withUnsafeBytes { CrashPoints.append("append: torn record", fd: fd, bytes: $0) }
        try Durable.writeAll(fd, bytes, path: path)
        end += bytes.count
        unstarted += bytes.count
        if unstarted >= AppendOnlyFile.writebackStep {
            // Hints: a failure changes nothing (sync() still writes and waits for everything).
            if dropsBehind, let started {
                _ = linuxSyncFileRange(fd, Int64(started.offset), Int64(started.count), linuxSyncFileRangeWaitWriteWait)
                _ = posix_fadvise(fd, off_t(started.offset), off_t(started.count), POSIX_FADV_DONTNEED)
            }
            started = (end - unstarted, unstarted)
            _ = linuxSyncFileRange(fd, Int64(end - unstarted), Int64(unstarted), linuxSyncFileRangeWrite)
            unstarted = 0
        }
    }

    /// Makes everything appended so far durable.
    package func sync() throws(OptoutError) {
        CrashPoints.step("append: written, before fsync")
        if fsync(fd) != 0 { throw Durable.writeError(path) }
        CrashPoints.step("append: synced")
    }
}

/// Many small files made durable together, nothing kept in memory but the names.
///
/// Where the file system supports it, each file is an unnamed inode made with O_TMPFILE in its
/// final folder (open with the mode, one write, no name yet); up to a few thousand stay open, then
/// ONE syncfs(2) makes them all durable and each gets its final name with linkat(2) through
/// /proc/self/fd: one directory insert per file instead of a temp name created then renamed, and
/// a crash leaves no temp names at all (unnamed inodes are freed by the kernel or fsck). Where
/// O_TMPFILE is refused (EOPNOTSUPP, EISDIR, EINVAL: an old kernel, or a file system without it),
/// or linkat through /proc is not possible, the batch falls back to hidden temp files
/// `.<name>.tmp-<pid>-<hex8>` beside their final paths, renamed after the syncfs. Either way no
/// name appears before its bytes are synced; after the names, one more syncfs (links) or an fsync
/// of each folder (renames) makes the names durable. Dropped without commit, nothing more is
/// published: a batch of more than `openLimit` unnamed files is synced and named in rounds as it
/// is written (the fds are the limit), so earlier rounds' files stay, each whole and synced.
/// Callers write only files that stand alone (one webhook payload per opt-out already durable).
package final class FileBatch {
    private let mode: mode_t
    /// O_TMPFILE still to be tried (false once refused, or when a test forces the fallback).
    private var tempInodes: Bool
    /// Unnamed files written, waiting for the syncfs and their names (folder: index in `folders`).
    private var unnamed: [(fd: Int32, folder: Int, name: String)] = []
    /// Open folders (for O_TMPFILE and linkat): paths, fds, and the index of the last one used.
    private var folders: [(path: String, fd: Int32)] = []
    private var lastFolder = -1
    /// linkat(fd, "", dir, name, AT_EMPTY_PATH) still to be tried (Linux 6.10 allows it for a file
    /// the caller opened; before, only with CAP_DAC_READ_SEARCH): else /proc/self/fd/N.
    private var emptyPathLinks: Bool
    /// The fallback: final paths and the counter each temp name was made from (the temp name is
    /// made again for the rename: half the memory of keeping both names for 100,000 files).
    private var files: [(path: String, counter: UInt32)] = []
    /// Temp names ".<name>.tmp-<pid>-<8 hex>": one random base per batch, counted up (no
    /// getrandom or getpid per file: 100,000 payloads spent a second on them).
    private let pid = getpid()
    private var next: UInt32
    /// Unnamed files kept open at most before they are synced and linked (half the fd limit).
    private let openLimit: Int
    /// Files linked by name so far (a final syncfs makes their names durable).
    private var linked = 0
    /// Folders that got renamed files (fsynced at the end).
    private var renamedInto = Set<String>()

    /// - Parameter tempInodes: false forces the fallback (temp names and renames), for tests.
    /// - Parameter openLimit: unnamed files kept open before a syncfs and their links (tests).
    /// - Parameter emptyPathLinks: false names the files through /proc/self/fd only (tests).
    package init(mode: mode_t = Durable.outputMode, tempInodes: Bool = true, openLimit: Int? = nil, emptyPathLinks: Bool = true) {
        self.emptyPathLinks = emptyPathLinks
        self.mode = mode
        // linkat needs /proc/self/fd (AT_EMPTY_PATH needs a capability): without it, the fallback.
        self.tempInodes = tempInodes && access("/proc/self/fd", X_OK) == 0
        next = Durable.randomBytes(4).reduce(0) { $0 << 8 | UInt32($1) }
        var limit = rlimit()
        let soft = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        self.openLimit = openLimit ?? max(16, min(16_384, soft / 2 - 64))
    }

    deinit {
        for (fd, _, _) in unnamed { close(fd) }
        for (path, counter) in files { unlink(tempName(for: path, counter)) }
        for folder in folders { close(folder.fd) }
    }

    package var count: Int { files.count + unnamed.count + linked }

    /// True when the files go through O_TMPFILE and linkat (false after a fallback).
    package var usesTempInodes: Bool { tempInodes }

    private func tempName(for path: String, _ counter: UInt32) -> String {
        let hex = String(counter, radix: 16)
        return "\(Durable.parent(of: path))/.\(Durable.baseName(path)).tmp-\(pid)-\(String(repeating: "0", count: 8 - hex.count))\(hex)"
    }

    /// The index of an open folder (the last one used is checked first: one folder per batch).
    private func folder(_ path: String) throws(OptoutError) -> Int {
        if lastFolder >= 0 && folders[lastFolder].path == path { return lastFolder }
        if let index = folders.firstIndex(where: { $0.path == path }) { lastFolder = index; return index }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, reason: errnoText()) }
        folders.append((path, fd))
        lastFolder = folders.count - 1
        return lastFolder
    }

    /// Writes `bytes` to a file for `path` (not durable, not visible until `commit` or the round of `openLimit` files it completes).
    package func add(_ path: String, _ bytes: [UInt8]) throws(OptoutError) {
        let failure: OptoutError? = bytes.withUnsafeBytes { raw in
            do throws(OptoutError) { try add(name: Durable.baseName(path), in: Durable.parent(of: path), raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes `bytes` to a file `name` in `folder` (not durable, not visible until `commit` or the round of `openLimit` files it completes); the
    /// bytes are written at once, so the caller may reuse its buffer.
    package func add(name: String, in folder: String, _ bytes: UnsafeRawBufferPointer) throws(OptoutError) {
        if tempInodes {
            let index = try self.folder(folder)
            let fd = openat(folders[index].fd, ".", linuxOTmpfile | O_WRONLY | O_CLOEXEC, mode)
            if fd >= 0 {
                if Durable.isPrivate(mode) { fchmod(fd, mode) }
                do { try Durable.writeAll(fd, bytes, path: "\(folder)/\(name)") } catch {
                    close(fd)    // a file not written whole is never named
                    throw error
                }
                unnamed.append((fd, index, name))
                if unnamed.count >= openLimit { try publishUnnamed() }
                return
            }
            let code = errno
            guard code == EOPNOTSUPP || code == EISDIR || code == EINVAL else { throw Durable.writeError("\(folder)/\(name)", code) }
            tempInodes = false    // not supported here: temp names and renames from now on
        }
        let path = "\(folder)/\(name)"
        var fd: Int32 = -1
        for _ in 0..<8 {
            next &+= 1
            fd = open(tempName(for: path, next), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 { throw Durable.writeError(path) }
        defer { close(fd) }
        if Durable.isPrivate(mode) { fchmod(fd, mode) }
        files.append((path, next))
        try Durable.writeAll(fd, bytes, path: path)
    }

    /// Gives an unnamed file its name: linkat AT_EMPTY_PATH, else through /proc/self/fd.
    private func link(_ fd: Int32, _ dir: Int32, _ name: String) -> Int32 {
        if emptyPathLinks {
            if linkat(fd, "", dir, name, linuxAtEmptyPath) == 0 { return 0 }
            guard errno == ENOENT || errno == EPERM || errno == EINVAL else { return -1 }
            emptyPathLinks = false
        }
        return linkat(AT_FDCWD, "/proc/self/fd/\(fd)", dir, name, AT_SYMLINK_FOLLOW)
    }

    /// One syncfs for the file system of the batch's folders (all of them are on one: a workspace).
    private func syncFileSystem(_ path: String) throws(OptoutError) {
        let folder = Durable.parent(of: path)
        let anchor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if anchor < 0 { throw .io(path: folder, reason: errnoText()) }
        let synced = linuxSyncfs(anchor)
        close(anchor)
        if synced != 0 { throw .io(path: folder, reason: errnoText()) }
    }

    /// Syncs the unnamed files written so far, then names each (linkat); a name already taken is
    /// replaced the fallback way (a temp name, then rename over it).
    private func publishUnnamed() throws(OptoutError) {
        guard let first = unnamed.first else { return }
        try syncFileSystem(folders[first.folder].path + "/.")
        CrashPoints.step("writeFiles: all temp files synced")
        var index = 0
        defer {
            for (fd, _, _) in unnamed[..<index] { close(fd) }
            unnamed.removeFirst(index)
        }
        while index < unnamed.count {
            if index > 0 { CrashPoints.step("writeFiles: between renames") }
            let (fd, folder, name) = unnamed[index]
            if link(fd, folders[folder].fd, name) != 0 {
                let code = errno
                let path = "\(folders[folder].path)/\(name)"
                guard code == EEXIST else { throw Durable.writeError(path, code) }
                next &+= 1
                let temp = tempName(for: path, next)
                if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, temp, AT_SYMLINK_FOLLOW) != 0 { throw Durable.writeError(path) }
                if rename(temp, path) != 0 {
                    let failure = errno
                    unlink(temp)
                    throw Durable.writeError(path, failure)
                }
            }
            linked += 1
            index += 1
        }
    }

    /// One syncfs for every file, then the names (links or renames), then one more syncfs for the
    /// links or one fsync per folder for the renames.
    package func commit() throws(OptoutError) {
        if let first = files.first {
            // Fallback files (O_TMPFILE refused part way): synced, then renamed.
            try syncFileSystem(first.path)
            CrashPoints.step("writeFiles: all temp files synced")
            var index = 0
            while index < files.count {
                if index > 0 { CrashPoints.step("writeFiles: between renames") }
                let (path, counter) = files[index]
                if rename(tempName(for: path, counter), path) != 0 {
                    let code = errno
                    files.removeFirst(index)
                    throw Durable.writeError(path, code)
                }
                renamedInto.insert(Durable.parent(of: path))
                index += 1
            }
            files.removeAll()
        }
        try publishUnnamed()
        CrashPoints.step("writeFiles: renamed, directories not synced")
        if linked > 0, let folder = folders.first {
            // The links (and their inodes' link counts) durable: one syncfs covers every folder.
            try syncFileSystem(folder.path + "/.")
        } else {
            for directory in renamedInto.sorted() { try Durable.syncDirectory(directory) }
        }
        renamedInto.removeAll()
        linked = 0
        CrashPoints.step("writeFiles: done")
    }
}

/// O_TMPFILE (Linux: __O_TMPFILE | O_DIRECTORY); Glibc's module map hides it behind _GNU_SOURCE.
private let linuxOTmpfile: Int32 = 0o20000000 | O_DIRECTORY
/// AT_EMPTY_PATH (Linux), hidden the same way.
private let linuxAtEmptyPath: Int32 = 0x1000

/// syncfs(2) (Linux, glibc): flushes the whole file system holding fd. Glibc's module map hides
/// it behind _GNU_SOURCE, so it is bound by its C symbol name.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32

/// sync_file_range(2) (Linux, glibc), hidden the same way: starts writeback of a file's dirty pages.
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
/// SYNC_FILE_RANGE_WRITE: start writing the dirty pages of the range, without waiting.
private let linuxSyncFileRangeWrite: UInt32 = 2
/// SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER: the range written out (not a durability promise).
private let linuxSyncFileRangeWaitWriteWait: UInt32 = 1 | 2 | 4
