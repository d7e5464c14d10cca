// The optout executable: wires the process to the library and exits with its code.
// Everything else — parsing, jobs, wording, exit codes — lives in OptoutKit. The wiring here:
// stdout/stderr, whether stdout is a terminal, and SIGTERM/SIGINT turned into a readable pipe
// (so `watch` finishes the pass in hand and exits 0).

#if canImport(Glibc)
import Glibc
#endif
import OptoutKit

/// Writes all of text to a file descriptor.
func emit(_ text: String, to fd: Int32) { StandardStreams.write(text, to: fd) }

/// The write end of the stop pipe, for the signal handler (set once before handlers exist).
nonisolated(unsafe) var stopPipeWrite: Int32 = -1

var stopPipe: [Int32] = [-1, -1]
// Only `watch` turns signals into a graceful stop; other commands keep the default (they are
// crash-safe, and a killed run is finished by the next one).
if CommandLine.arguments.dropFirst().first == "watch", pipe(&stopPipe) == 0 {
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
}

let interactive = isatty(STDOUT_FILENO) == 1
// A progress line on stderr, rewritten in place, only when a person is watching stderr.
let showProgress: @Sendable (String) -> Void = { @Sendable line in emit("\r\u{1B}[K" + line, to: STDERR_FILENO) }
let progress: (@Sendable (String) -> Void)? = isatty(STDERR_FILENO) == 1 ? showProgress : nil
let outcome = CommandRunner.main(Array(CommandLine.arguments.dropFirst()), interactive: interactive, stopFD: stopPipe[0],
                                 progress: progress) { part in
    emit(part.stdout, to: STDOUT_FILENO)
    emit(part.stderr, to: STDERR_FILENO)
}
if progress != nil { emit("\r\u{1B}[K", to: STDERR_FILENO) }
emit(outcome.stdout, to: STDOUT_FILENO)
emit(outcome.stderr, to: STDERR_FILENO)
exit(outcome.exitCode)
