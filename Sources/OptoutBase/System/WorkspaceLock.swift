// Workspace lock: one run at a time per workspace (flock on .optout/lock).
// Input: the lock file path. Output: a held lock, released on `release()` or process exit.
// Failures: `OptoutError.locked` when another process holds it and waiting was not asked for.

#if canImport(Glibc)
import Glibc
#endif

package final class WorkspaceLock {
    private var fd: Int32

    /// Takes the lock; with `wait` false, fails at once when it is held.
    package init(path: String, wait: Bool) throws(OptoutError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw .cannotCreate(path: path, reason: errnoText()) }
        if case .failure(let failure) = valueOrErrno({ flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) }) {
            close(fd)
            fd = -1
            if failure.code == EWOULDBLOCK {
                throw .locked("another optout run holds the lock on this workspace (\(path)); try again later")
            }
            throw .io(path: path, reason: failure.description)
        }
    }

    package func release() {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
