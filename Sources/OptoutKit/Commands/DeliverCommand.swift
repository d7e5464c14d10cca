// `optout deliver`: usage, options, arguments and the job it runs. Input: argv after "deliver". Output: the
// delivery summary and its exit code (DeliveryJob does the work; CommandRunner words the report).
// Failures: `OptoutError` (a bad --max-seconds is a usage error), mapped by CommandRunner.

import OptoutBase

package enum DeliverCommand {
    static let maxSeconds = OptionSpec(["--max-seconds"], value: "N", "start no attempt after N seconds (default 300)")
    static let now = OptionSpec(["--now"], "try every pending payload at once, whatever its next attempt time")

    static let usage = """
    usage: optout deliver [--root DIR] [--verbose] [--max-seconds N] [--now] [--mail-command CMD]

    POSTs each payload in outbox/webhooks/pending/ to "optout_callback_url" (settings), with
    the headers X-Optout-Event-Id and, when "webhook_secret" is set, X-Optout-Signature.
    2xx → outbox/webhooks/delivered/. Timeout, connection error, 429 or 5xx → retried later
    (1 minute, doubling up to 1 hour, Retry-After honoured; attempts in <file>.attempts).
    Other answers, or 48 hours without success → outbox/webhooks/failed/ with <file>.error.txt.
    Payloads not yet due are skipped; a later payload for a number waits for the earlier one.
    Bounded: 4 connections; each attempt, headers and body, ends within
    "callback_timeout_seconds"; at most 64 KiB of an answer is read. No attempt starts after
    --max-seconds (default 300; those in flight end within one timeout): the rest stay in
    pending/ for the next pass. --now tries every pending payload at once, whatever its next
    attempt time (after the receiver is fixed); the 48-hour limit still applies.
    `optout run` does the same at the end of each run, for at most about 10 seconds.
    --mail-command CMD pipes each e-mail notification (outbox/notifications/*.eml) to CMD, run
    without a shell (e.g. '/usr/sbin/sendmail -t -i'): exit 0 → notifications/sent/; else
    retried with the same backoff, within the same bound (a command still running is killed).
    Exit: 0 nothing failed; 75 some payloads will be retried or were left by --max-seconds;
    65 some moved to failed/; 78 a bad callback URL, or neither a callback URL nor --mail-command; 75 also when another deliver is running.
    """

    package static let spec = CommandSpec("deliver", summary: "POST pending webhook payloads to the callback URL, with retries",
                                         usage: usage, options: [RunCommand.verbose, now, maxSeconds, RunCommand.mailCommand]) { args throws(OptoutError) in
        var seconds = DeliveryJob.deliverBudgetSeconds
        if let text = args.value(maxSeconds) {
            guard let value = Double(text), value.isFinite, value >= 0, value <= 86_400 else {
                throw .usage("--max-seconds needs a number of seconds from 0 to 86400, not \"\(text)\": optout deliver --max-seconds 300")
            }
            seconds = value
        }
        return .deliver(root: args.root, verbose: args.has(RunCommand.verbose), maxSeconds: seconds, now: args.has(now), mailCommand: try RunCommand.mailArgv(args))
    }

    static func run(root: String, maxSeconds: Double, now: Bool, mailCommand: [String]? = nil) throws(OptoutError) -> DeliveryReport {
        try DeliveryJob.deliver(root: root, options: .forDeliver(maxSeconds: maxSeconds, retryNow: now), mailCommand: mailCommand)
    }
}
