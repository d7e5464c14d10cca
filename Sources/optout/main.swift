// The optout executable: the process handed to the library, and its exit code.
// Everything else — signal wiring, parsing, jobs, wording, exit codes — lives in OptoutKit
// (CLI/ProcessWiring.swift, CLI/CommandRunner.swift).

#if canImport(Glibc)
import Glibc
#endif
import OptoutKit

exit(ProcessWiring.run(Array(CommandLine.arguments.dropFirst())))
