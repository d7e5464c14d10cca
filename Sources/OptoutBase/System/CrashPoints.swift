// Crash points: a fault-injection hook for proving crash safety (testing aid, off by default).
// Every durability step (temp file synced, renamed, directory synced; record appended, synced;
// input moved) calls `CrashPoints.step(_:)`. Environment, read once per process:
//   OPTOUT_CRASH_AT=N            the process kills itself with SIGKILL at the N-th step (1-based);
//                                at an append step it first writes half of the bytes (a torn record).
//   OPTOUT_CRASH_COUNT_FILE=path at exit (atexit), writes the number of steps reached, then one
//                                line per step with its label ("<n> <label>").
// With neither set, a step is one load of a once-initialised flag. Failures: none (a count file
// that cannot be written is ignored: it is a testing aid).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

package enum CrashPoints {
    struct Config: Sendable {
        var target: Int
        var countFile: String?
    }

    /// Read once, on the first step; nil when neither variable is set.
    static let config: Config? = {
        let target = getenv("OPTOUT_CRASH_AT").flatMap { Int(String(cString: $0)) } ?? 0
        let countFile = getenv("OPTOUT_CRASH_COUNT_FILE").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        if target <= 0 && countFile == nil { return nil }
        if countFile != nil { atexit { CrashPoints.writeCount() } }
        return Config(target: target, countFile: countFile)
    }()

    private static let reached = Atomic<Int>(0)
    private static let labels = Mutex<[String]>([])

    /// Marks one durability step; dies here when it is the configured one.
    @inline(__always)
    package static func step(_ label: StaticString) {
        guard let config else { return }
        hit(label, config, torn: nil)
    }

    /// A step before appending `bytes` to `fd`: when it is the configured one, half of the bytes
    /// are written first (a record torn by the crash), then the process dies.
    @inline(__always)
    static func append(_ label: StaticString, fd: Int32, bytes: UnsafeRawBufferPointer) {
        guard let config else { return }
        hit(label, config, torn: (fd, bytes))
    }

    @inline(never)
    private static func hit(_ label: StaticString, _ config: Config, torn: (Int32, UnsafeRawBufferPointer)?) {
        let n = reached.add(1, ordering: .sequentiallyConsistent).newValue
        if config.countFile != nil {
            labels.withLock { $0.append(label.description) }
        }
        guard n == config.target else { return }
        if let (fd, bytes) = torn, bytes.count > 1 {
            _ = write(fd, bytes.baseAddress!, bytes.count / 2)
        }
        kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// The count file: steps reached, then each step's label.
    static func writeCount() {
        guard let path = config?.countFile else { return }
        var text = "\(reached.load(ordering: .sequentiallyConsistent))\n"
        for (i, label) in labels.withLock({ $0 }).enumerated() { text += "\(i + 1) \(label)\n" }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { return }
        _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
        close(fd)
    }
}
