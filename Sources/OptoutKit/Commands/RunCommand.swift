// `optout run`: usage, options, arguments and the job it runs. Input: argv after "run". Output:
// the run's report (RunJob does the work; CLI/CommandRunner words it). Failures: `OptoutError`
// from the run, mapped to an exit code by CommandRunner.

import OptoutBase

package enum RunCommand {
    static let verbose = OptionSpec(["--verbose", "-v"], "print the summary even when stdout is not a terminal")
    /// Sends outbox/notifications/*.eml (MailCommand); an option, never a settings key.
    static let mailCommand = OptionSpec(["--mail-command"], value: "CMD", "pipe each e-mail notification to CMD (run without a shell), e.g. '/usr/sbin/sendmail -t -i'")

    static func mailArgv(_ args: ParsedArguments) throws(OptoutError) -> [String]? {
        guard let text = args.value(mailCommand) else { return nil }
        return try MailCommand.split(text)
    }

    static let usage = """
    usage: optout run [--root DIR] [--verbose] [--mail-command CMD]

    Processes everything waiting in inbox/: STOP logs into the suppression ledger first, then
    list checks, then each campaign into outbox/send/, outbox/links/ and outbox/reports/;
    rewrites outbox/suppressions.csv. Quiet when all is well and stdout is not a terminal
    (cron mails any output); --verbose prints the summary anyway. --mail-command CMD pipes
    each e-mail notification in outbox/notifications/ to CMD at the end (see optout deliver).
    """

    package static let spec = CommandSpec("run", summary: "process everything waiting in inbox/ once, then exit (for cron)",
                                         usage: usage, options: [verbose, mailCommand]) { args throws(OptoutError) in
        .run(root: args.root, verbose: args.has(verbose), mailCommand: try mailArgv(args))
    }

    static func run(root: String, mailCommand: [String]? = nil, progress: (@Sendable (String) -> Void)?) throws(OptoutError) -> RunReport {
        var options = RunOptions(now: try FixedClock.now())
        options.mailCommand = mailCommand
        options.progress = progress
        return try RunJob.run(root: root, options: options)
    }
}
