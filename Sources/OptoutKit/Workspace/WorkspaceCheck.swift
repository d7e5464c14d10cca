// Workspace check: the folders are what they claim to be, before anything is read or moved.
// Input: a `--root` path. Output: a `Workspace` rooted at the real path of the root (a symlinked
// root is resolved once, here), after checking that inbox/, outbox/, .optout/ and every folder
// under them is a real directory (not a symbolic link, not a file) and every state file in
// .optout/ a regular file; missing folders are created (never through a link) and .optout/ is
// tightened to 0700 (its files to 0600) when it is looser.
// Failures: `.usage` when there is no workspace; `.configuration` (exit 78) naming the first path
// that is a link or not a directory, with the others. A folder elsewhere goes in by a bind mount.

import OptoutBase
#if canImport(Glibc)
import Glibc
#endif
import Foundation

package enum WorkspaceCheck {
    /// Every folder of the contract, parents before children, and whether it is private state.
    static func folders(_ ws: Workspace) -> [(path: String, state: Bool)] {
        var result: [(String, Bool)] = [(ws.inbox, false)]
        for kind in InputKind.allCases {
            result += kind.movesFiles ? [(ws.folder(kind), false), (ws.processed(kind), false), (ws.rejected(kind), false)] : [(ws.folder(kind), false)]
        }
        result.append((ws.outbox, false))
        for path in ws.outboxFolders { result.append((path, false)) }
        result += [(ws.state, true), (ws.tempFolder, true), (ws.campaignKeysFolder, true)]
        return result
    }

    /// Folders that are checked when present but not created by every command.
    static func optionalFolders(_ ws: Workspace) -> [String] { [ws.siteFolder] }

    /// State files: regular files when present (a link would make optout write outside).
    static func stateFiles(_ ws: Workspace) -> [String] {
        [ws.ledgerFile, ws.ledgerCheckpointFile, ws.linkKeyFile, ws.linkIndexFile, ws.journalFile, ws.lockFile, ws.lastRunFile, ws.lastAttemptFile, ws.deliverLockFile,
         ws.lookupsFile, ws.previewsStateFile, ws.firstSeenFile, ws.holdsFile]
    }

    /// What is wrong with the folders of `ws` (empty when nothing), each "path: reason".
    package static func problems(_ ws: Workspace) -> [(path: String, reason: String)] {
        var found: [(String, String)] = []
        for path in folders(ws).map(\.path) + optionalFolders(ws) {
            var st = stat()
            if lstat(path, &st) != 0 { continue }  // created by ensureLayout (or not needed)
            switch st.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFLNK:
                found.append((ws.display(path), "is a symbolic link (to \(linkTarget(path))); every folder of the workspace must be a real directory"))
            default:
                found.append((ws.display(path), "is not a directory"))
            }
        }
        // Nothing in .optout/ is a link (state written through one would land elsewhere), and the
        // known state files are regular files.
        var stateStat = stat()
        guard lstat(ws.state, &stateStat) == 0, stateStat.st_mode & S_IFMT == S_IFDIR else { return found }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: ws.state)) ?? []).map { "\(ws.state)/\($0)" }
        for path in Array(Set(stateFiles(ws) + entries)).sorted() {
            var st = stat()
            if lstat(path, &st) != 0 { continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                found.append((ws.display(path), "is a symbolic link (to \(linkTarget(path))); nothing in .optout/ may be a link"))
            } else if st.st_mode & S_IFMT != S_IFREG && stateFiles(ws).contains(path) {
                found.append((ws.display(path), "is not a regular file"))
            }
        }
        return found
    }

    /// The error for `problems`, or nil when there is none.
    package static func error(_ problems: [(path: String, reason: String)]) -> OptoutError? {
        guard let first = problems.first else { return nil }
        var text = "\(first.reason): nothing was read or moved"
        if problems.count > 1 {
            text += " (also: " + problems.dropFirst().map { "\($0.path) \($0.reason.split(separator: ";").first ?? "")" }.joined(separator: ", ") + ")"
        }
        text += ". Replace it with a real directory (a bind mount puts inbox/ or outbox/ elsewhere; see README \"Security\")"
        return .configuration(SourceLocation(file: first.path), text)
    }

    /// Throws when a folder of `ws` is a link or not a directory.
    package static func verify(_ ws: Workspace) throws(OptoutError) {
        if let error = error(problems(ws)) { throw error }
    }

    static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return "?" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The real path of `path` (symlinks and ".." resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Workspace {
    /// Opens the workspace at `root` for a command: the root resolved once (it may be a symbolic
    /// link), every folder checked, missing ones created, .optout/ private.
    /// - Parameter create: false for read-only commands (`status`): nothing is created or changed.
    /// - Parameter requireInbox: false for `init`, which makes a new workspace.
    package static func open(root: String, create: Bool = true, requireInbox: Bool = true) throws(OptoutError) -> Workspace {
        let given = Workspace(root: root)
        guard let real = WorkspaceCheck.realPath(given.root) else {
            throw .usage("no inbox/ folder in \(root): run `optout init \(root)` first, or pass --root DIR")
        }
        let ws = Workspace(root: real)
        if requireInbox && !Durable.exists(ws.inbox) {
            throw .usage("no inbox/ folder in \(root): run `optout init \(root)` first, or pass --root DIR")
        }
        try WorkspaceCheck.verify(ws)
        if create { try ws.ensureLayout() }
        return ws
    }

    /// Creates every folder of the contract that is missing, one level at a time and never
    /// through a link (an entry that appears as anything but a directory stops with 78); output
    /// folders follow the umask, .optout/ is 0700 and tightened to 0700 (its files to 0600)
    /// when looser.
    package func ensureLayout() throws(OptoutError) {
        for (path, isState) in WorkspaceCheck.folders(self) {
            var st = stat()
            if lstat(path, &st) != 0 {
                if mkdir(path, isState ? 0o700 : 0o777) != 0 && errno != EEXIST {
                    throw .cannotCreate(path: path, reason: errnoText())
                }
                if lstat(path, &st) != 0 { throw .cannotCreate(path: path, reason: errnoText()) }
                if isState && st.st_mode & S_IFMT == S_IFDIR { _ = chmod(path, 0o700) }
            }
            if st.st_mode & S_IFMT != S_IFDIR {
                try WorkspaceCheck.verify(self)
                throw .configuration(SourceLocation(file: display(path)), "is not a directory")
            }
        }
        try tightenState()
    }

    /// .optout/ to 0700 and its regular files to 0600 when looser (no state readable by others).
    func tightenState() throws(OptoutError) {
        var st = stat()
        guard lstat(state, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return }
        if st.st_mode & 0o077 != 0 && chmod(state, 0o700) != 0 {
            throw .cannotCreate(path: state, reason: "cannot make it private (chmod 0700): \(errnoText())")
        }
        guard let dir = opendir(state) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = "\(state)/\(name)"
            var fst = stat()
            guard lstat(path, &fst) == 0, fst.st_mode & S_IFMT == S_IFREG || fst.st_mode & S_IFMT == S_IFDIR,
                  fst.st_mode & 0o077 != 0 else { continue }
            _ = chmod(path, fst.st_mode & S_IFMT == S_IFDIR ? 0o700 : fst.st_mode & 0o700)
        }
    }
}
