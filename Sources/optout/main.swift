// The optout executable: wires the process to the library and exits with its code.
// Everything else — parsing, jobs, wording, exit codes — lives in OptoutKit.

#if canImport(Glibc)
import Glibc
#endif
import OptoutKit

/// Writes all of text to a file descriptor.
func emit(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { if errno == EINTR { continue } else { return } }
        offset += n
    }
}

let outcome = CommandRunner.main(Array(CommandLine.arguments.dropFirst()), interactive: isatty(STDOUT_FILENO) == 1)
emit(outcome.stdout, to: STDOUT_FILENO)
emit(outcome.stderr, to: STDERR_FILENO)
exit(outcome.exitCode)
