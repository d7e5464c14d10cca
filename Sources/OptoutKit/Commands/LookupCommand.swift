// `optout lookup`: usage, options, arguments and the job it runs. Input: argv after "lookup": one
// number in any format (read with default_country) and --json. Output: the number's history
// (LookupJob collects it, LookupText words it). Failures: a missing number is a usage error (64, when run);
// `OptoutError` from LookupJob, mapped to an exit code by CommandRunner.

import OptoutBase

package enum LookupCommand {
    static let json = OptionSpec(["--json"], "print JSON for scripts")

    static let usage = """
    usage: optout lookup [--root DIR] [--json] NUMBER

    Proof for one number, from the ledger (read only; no run lock): every event with its time,
    source, raw text, rule, file and line (and user agent for the opt-out page), whether it is
    opted out now, and every campaign built since its first opt-out with whether it was skipped
    (it must have been) or SENT AFTER OPT-OUT (said first and last, and on stderr). NUMBER in any
    format, read with default_country ("07700 900321", "+44 7700 900321"). The lookup is kept in
    .optout/lookups.tsv. A CSV of numbers dropped into inbox/lookups/ gets outbox/lookups/<name>.csv.
      --json  print JSON for scripts
    """

    package static let spec = CommandSpec("lookup", synopsis: "lookup NUMBER", summary: "the history of one number: events, status, campaigns since its opt-out",
                                         usage: usage, options: [json], maxPositional: 1) { args throws(OptoutError) in
        .lookup(root: args.root, number: args.positional.first ?? "", json: args.has(json))
    }

    static func run(root: String, number: String) throws(OptoutError) -> LookupOutcome {
        guard !number.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .usage("optout lookup: which number? optout lookup [--json] NUMBER\nsee: optout lookup --help")
        }
        return try LookupJob.run(root: root, number: number, now: try FixedClock.now() ?? .now())
    }
}
