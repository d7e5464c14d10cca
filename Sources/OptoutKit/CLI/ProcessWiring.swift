// Process wiring: the executable's process turned into a call of `CommandRunner.main`.
// Input: argv, whether stdout/stderr are terminals. Output: stdout/stderr written whole, and the
// exit code returned for main.swift to exit with. For `watch` only, SIGTERM/SIGINT become a byte
// on a stop pipe (so the pass in hand finishes and the command exits 0); other commands keep the
// default signal behaviour (they are crash-safe, and a killed run is finished by the next one).
// Blocks of 1 MiB or more are allocated apart and given back when freed (`boundHeap`).
// Failures: none of its own (a pipe that cannot be made leaves the default signal behaviour).

#if canImport(Glibc)
import Glibc
#endif
import OptoutBase

/// mallopt(3) (glibc): malloc.h is not in Glibc's module, so it is bound by its C symbol name.
@_silgen_name("mallopt")
private func linuxMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// M_MMAP_THRESHOLD and M_TRIM_THRESHOLD.
private let linuxMMmapThreshold: Int32 = -3
private let linuxMTrimThreshold: Int32 = -1

/// The write end of the stop pipe, for the signal handler (set once, before handlers exist).
nonisolated(unsafe) private var stopPipeWrite: Int32 = -1

package enum ProcessWiring {
    /// Runs the command named by `arguments` (argv without the program name); returns its exit code.
    package static func run(_ arguments: [String]) -> Int32 {
        boundHeap()
        let stopFD = arguments.first == "watch" ? installStopPipe() : -1
        let interactive = isatty(STDOUT_FILENO) == 1
        // A progress line on stderr, rewritten in place, only when a person is watching stderr.
        let showProgress: @Sendable (String) -> Void = { @Sendable line in
            StandardStreams.write("\r\u{1B}[K" + line, to: STDERR_FILENO)
        }
        let progress: (@Sendable (String) -> Void)? = isatty(STDERR_FILENO) == 1 ? showProgress : nil
        let outcome = CommandRunner.main(arguments, interactive: interactive, stopFD: stopFD, progress: progress) { part in
            emit(part)
        }
        if progress != nil { StandardStreams.write("\r\u{1B}[K", to: STDERR_FILENO) }
        emit(outcome)
        return outcome.exitCode
    }

    /// Allocations of 1 MiB or more are mapped on their own and given back when freed (issue 13).
    /// glibc otherwise raises that bound to the largest block freed so far (up to 32 MB), after
    /// which big blocks come from the heap and stay resident once freed: a campaign after 1,000
    /// STOPs over a ledger of a million numbers peaked at 148 MiB that way, 117 MiB with this.
    static func boundHeap() {
        _ = linuxMallopt(linuxMMmapThreshold, 1 << 20)
        _ = linuxMallopt(linuxMTrimThreshold, 1 << 20)  // the free top of the heap is given back too
    }

    static func emit(_ outcome: CommandOutcome) {
        StandardStreams.write(outcome.stdout, to: STDOUT_FILENO)
        StandardStreams.write(outcome.stderr, to: STDERR_FILENO)
    }

    /// SIGTERM and SIGINT write a byte to a pipe; returns its read end (-1 when no pipe).
    static func installStopPipe() -> Int32 {
        var stopPipe: [Int32] = [-1, -1]
        guard pipe(&stopPipe) == 0 else { return -1 }
        stopPipeWrite = stopPipe[1]
        // A parent may have blocked these (test runners do); unblock them for this process.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        let handler: @convention(c) (Int32) -> Void = { _ in
            var byte: UInt8 = 1
            _ = write(stopPipeWrite, &byte, 1)
        }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        return stopPipe[0]
    }
}
