// Inbox watcher: inotify on the inbox folders, as a hint that something may have arrived.
// Input: the workspace's input folders. Output: `wait(timeout:)` returns when a file was created,
// written, closed, moved in or touched in one of them, when `stopFD` becomes readable, or at the
// timeout. A watch event is only a hint: the caller always rescans (the scan is the truth).
// Failures: `OptoutError.io` when inotify cannot be set up (the caller falls back to polling).

#if canImport(Glibc)
import Glibc
#endif

package final class InboxWatcher {
    package enum Wake: Equatable { case changed, timeout, stop }

    private let fd: Int32
    private let stopFD: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    package init(folders: [String], stopFD: Int32) throws(OptoutError) {
        self.stopFD = stopFD
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 { throw .io(path: "inotify", reason: errnoText()) }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        for folder in folders where inotify_add_watch(fd, folder, mask) < 0 {
            let reason = errnoText()
            close(fd)
            throw .io(path: folder, reason: "cannot watch: \(reason)")
        }
    }

    deinit { close(fd) }

    /// Waits for a change, a stop request or the timeout (seconds).
    package func wait(timeout: Double) -> Wake {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
        let ms = Int32(max(0, min(timeout, 86_400)) * 1000)
        let n = poll(&fds, nfds_t(stopFD >= 0 ? 2 : 1), ms)
        if n <= 0 { return .timeout }
        if stopFD >= 0 && fds[1].revents != 0 { return .stop }
        // Drain the events: their content does not matter, the rescan decides.
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
        return .changed
    }
}
