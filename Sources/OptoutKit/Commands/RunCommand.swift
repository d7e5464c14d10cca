// `optout run`: usage, options, arguments and the job it runs. Input: argv after "run". Output:
// the run's report (RunJob does the work; CLI/CommandRunner words it). Failures: `OptoutError`
// from the run, mapped to an exit code by CommandRunner.

import OptoutBase

package enum RunCommand {
    static let verbose = OptionSpec(["--verbose", "-v"], "print the summary even when stdout is not a terminal")

    static let usage = """
    usage: optout run [--root DIR] [--verbose]

    Processes everything waiting in inbox/: STOP logs into the suppression ledger first, then
    list checks, then each campaign into outbox/send/, outbox/links/ and outbox/reports/;
    rewrites outbox/suppressions.csv. Quiet when all is well and stdout is not a terminal
    (cron mails any output); --verbose prints the summary anyway.
    """

    package static let spec = CommandSpec("run", summary: "process everything waiting in inbox/ once, then exit (for cron)",
                                         usage: usage, options: [verbose]) { args throws(OptoutError) in
        .run(root: args.root, verbose: args.has(verbose))
    }

    static func run(root: String, progress: (@Sendable (String) -> Void)?) throws(OptoutError) -> RunReport {
        var options = RunOptions(now: try FixedClock.now())
        options.progress = progress
        return try RunJob.run(root: root, options: options)
    }
}
