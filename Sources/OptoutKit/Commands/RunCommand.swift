// `optout run`: usage, arguments and what it prints. Input: argv after "run". Output: the run's
// summary and diagnostics as text and its exit code (RunJob does the work; CommandRunner words
// the report). Failures: `OptoutError` from the run, mapped to an exit code by CommandRunner.

import OptoutBase

public enum RunCommand {
    static let verbose = OptionSpec(["--verbose", "-v"], "print the summary even when stdout is not a terminal")

    static let usage = """
    usage: optout run [--root DIR] [--verbose]

    Processes everything waiting in inbox/: STOP logs into the suppression ledger first, then
    list checks, then each campaign into outbox/send/, outbox/links/ and outbox/reports/;
    rewrites outbox/suppressions.csv. Quiet when all is well and stdout is not a terminal
    (cron mails any output); --verbose prints the summary anyway.
    """

    public static let spec = CommandSpec("run", summary: "process everything waiting in inbox/ once, then exit (for cron)",
                                         usage: usage, options: [verbose]) { args throws(OptoutError) in
        .run(root: args.root, verbose: args.has(verbose))
    }

    static func run(root: String, verbose: Bool, interactive: Bool, progress: (@Sendable (String) -> Void)?) throws(OptoutError) -> CommandOutcome {
        var options = RunOptions(now: try CommandRunner.fixedNow())
        options.progress = progress
        let report = try RunJob.run(root: root, options: options)
        return CommandRunner.render(report, loud: interactive || verbose)
    }
}
