// System calls: the one retry loop and the one errno text (the swift-system habit,
// `valueOrErrno(retryOnInterrupt:)` in Sources/System/Internals/Syscalls.swift).
// Input: a call returning -1 and setting errno on failure. Output: its value, or the errno it
// failed with; a call interrupted by a signal (EINTR) is made again. Failures: none of its own.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An errno value; `description` is the system's text for it.
package struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    package var code: Int32

    package init(_ code: Int32) { self.code = code }

    /// errno as it stands now.
    package static var current: Errno { Errno(errno) }

    package var description: String { errnoText(code) }
}

/// The system's text for an errno value (strerror(3)): the only place optout asks for one.
package func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Calls `body` until it returns something other than -1 or fails with an errno other than EINTR
/// (with `retryOnInterrupt` false, EINTR is returned like any other failure).
@inline(__always)
package func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> I) -> Result<I, Errno> {
    while true {
        let value = body()
        if value != -1 { return .success(value) }
        let code = errno
        if retryOnInterrupt && code == EINTR { continue }
        return .failure(Errno(code))
    }
}

/// Reads exactly `count` bytes of `fd` at `offset` (pread(2), short reads and EINTR retried).
/// Failures: `OptoutError.io` naming `path`, with `endedEarly` when the file has fewer bytes.
package func preadFully(_ fd: Int32, count: Int, at offset: Int, path: String, endedEarly: String) throws(OptoutError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
        let result = valueOrErrno { bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) } }
        switch result {
        case .success(let n) where n > 0: got += n
        case .success: throw .io(path: path, reason: endedEarly)
        case .failure(let failure): throw .io(path: path, reason: failure.description)
        }
    }
    return bytes
}
