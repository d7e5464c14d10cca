// `optout status`: usage, options, arguments and the job it runs. Input: argv after "status". Output: the
// workspace's state as text or JSON (StatusJob collects it). Failures: `OptoutError` from
// StatusJob, mapped to an exit code by CommandRunner.

import OptoutBase

package enum StatusCommand {
    static let json = OptionSpec(["--json"], "print JSON for scripts")

    static let usage = """
    usage: optout status [--root DIR] [--json]

    Prints the number of opted-out numbers, files waiting in each inbox folder, webhook payloads
    pending, and when the last run finished and how.
    """

    package static let spec = CommandSpec("status", summary: "suppressions, files waiting, webhook payloads pending, last run",
                                         usage: usage, options: [json]) { args throws(OptoutError) in
        .status(root: args.root, json: args.has(json))
    }

    static func run(root: String) throws(OptoutError) -> WorkspaceStatus { try StatusJob.collect(root: root, now: try FixedClock.now()) }
}
