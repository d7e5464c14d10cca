// Process wiring: the executable's process turned into a call of `CommandRunner.main`.
// Input: argv, whether stdout/stderr are terminals. Output: stdout/stderr written whole, and the
// exit code returned for main.swift to exit with. For `watch` only, SIGTERM/SIGINT become a byte
// on a stop pipe (so the pass in hand finishes and the command exits 0); other commands keep the
// default signal behaviour (they are crash-safe, and a killed run is finished by the next one).
// Failures: none of its own (a pipe that cannot be made leaves the default signal behaviour).

#if canImport(Glibc)
import Glibc
#endif
import OptoutBase

/// The write end of the stop pipe, for the signal handler (set once, before handlers exist).
nonisolated(unsafe) private var stopPipeWrite: Int32 = -1

package enum ProcessWiring {
    /// Runs the command named by `arguments` (argv without the program name); returns its exit code.
    package static func run(_ arguments: [String]) -> Int32 {
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
