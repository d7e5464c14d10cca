// `optout watch`: usage, options, arguments and the job it runs. Input: argv after "watch". Output: a
// summary per pass (streamed) and "stopped" at the end (WatchJob does the work). Failures:
// `OptoutError` from the first pass or the watcher, mapped to an exit code by CommandRunner.

import OptoutBase

package enum WatchCommand {
    static let usage = """
    usage: optout watch [--root DIR] [--verbose] [--mail-command CMD]

    Runs once, then waits for files in inbox/ (inotify, with a rescan every 30 s as a safety
    net) and processes each as soon as it is complete: its size and mtime unchanged for
    settle_seconds. Waits its turn when another run holds the lock. SIGTERM or SIGINT: the
    pass in hand finishes, the lock is released, exit 0. Prints errors always, and a line per
    pass with --verbose or on a terminal. --mail-command CMD: each pass pipes e-mail
    notifications to CMD (see optout deliver).
    """

    package static let spec = CommandSpec("watch", summary: "run once, then keep processing files as they arrive, until stopped",
                                         usage: usage, options: [RunCommand.verbose, RunCommand.mailCommand]) { args throws(OptoutError) in
        .watch(root: args.root, verbose: args.has(RunCommand.verbose), mailCommand: try RunCommand.mailArgv(args))
    }

    static func run(root: String, mailCommand: [String]? = nil, stopFD: Int32, each: (Result<RunReport, OptoutError>) -> Void) throws(OptoutError) {
        var options = WatchOptions()
        options.mailCommand = mailCommand
        try WatchJob.run(root: root, options: options, stopFD: stopFD, onPass: each)
    }
}
