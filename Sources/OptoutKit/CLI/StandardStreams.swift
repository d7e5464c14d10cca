// Standard streams: the executable's output, written whole.
// Input: text and a file descriptor (stdout, stderr). Output: every byte written (short writes
// and EINTR retried through `valueOrErrno`). Failures: a write that fails is given up silently
// (nothing is left to tell: the stream itself is gone).

#if canImport(Glibc)
import Glibc
#endif
import OptoutBase

package enum StandardStreams {
    /// Writes all of `text` to `fd`.
    package static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let result = valueOrErrno { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) } }
            guard case .success(let n) = result, n > 0 else { return }
            offset += n
        }
    }
}
