// `optout init`: usage, options, arguments and the job it runs. Input: argv after "init". Output: the
// folders and files created, or the new link key's note (InitJob does the work). Failures:
// `OptoutError` from InitJob, mapped to an exit code by CommandRunner.

import OptoutBase

package enum InitCommand {
    static let newLinkKey = OptionSpec(["--new-link-key"], "a new .optout/link.key, only when the old one is truly lost")

    static let usage = """
    usage: optout init [DIR]
           optout init --new-link-key [DIR]

    Creates inbox/ (lists, campaigns, stops, clicks, suppressions, reviews), outbox/ and .optout/ in DIR
    (default: the current directory) and a commented inbox/settings.json if there is none.
    --new-link-key: only when .optout/link.key is truly lost (restore it from backup if you
    can): makes a new key; the link index is set aside so links already sent keep working.
    """

    package static let spec = CommandSpec("init", synopsis: "init [DIR]", summary: "create the folder layout and a commented inbox/settings.json",
                                         usage: usage, options: [newLinkKey], maxPositional: 1) { args throws(OptoutError) in
        let dir = args.positional.first ?? args.root
        return args.has(newLinkKey) ? .newLinkKey(dir: dir) : .initialize(dir: dir)
    }

    static func run(dir: String) throws(OptoutError) -> String { try InitJob.run(dir: dir) }

    static func runNewLinkKey(dir: String) throws(OptoutError) -> String {
        try InitJob.newLinkKey(dir: dir, now: try FixedClock.now() ?? .now())
    }
}
