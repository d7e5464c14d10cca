// Command line: parsing argv into a `Command`, and the help texts.
// Input: the arguments after the program name. Output: a `Command` value. Failures:
// `OptoutError.usage` with a message that says what was wrong and what is accepted (exit 64).

import OptoutBase

public enum Command: Equatable, Sendable {
    case run(root: String, verbose: Bool)
    case initialize(dir: String)
    /// `init --new-link-key [DIR]`: a new link key on purpose (InitJob.newLinkKey).
    case newLinkKey(dir: String)
    case status(root: String, json: Bool)
    case site(root: String, options: SiteOptions)
    case deliver(root: String, verbose: Bool, maxSeconds: Double = DeliveryJob.deliverBudgetSeconds, now: Bool = false)
    case watch(root: String, verbose: Bool)
    case help(String)
    case version
}

public enum CommandLineParser {
    public static let version = "optout \(OptoutVersion.number)"

    public static let overview = """
    optout — keeps SMS campaigns compliant with opt-outs.

    usage: optout <command> [--root DIR] [options]

    commands:
      run            process everything waiting in inbox/ once, then exit (for cron)
      watch          run once, then keep processing files as they arrive, until stopped
      init [DIR]     create the folder layout and a commented inbox/settings.json
      status         suppressions, files waiting, webhook payloads pending, last run
      site           write the opt-out confirmation pages and an nginx server block to outbox/site/
      deliver        POST pending webhook payloads to the callback URL, with retries

    options:
      --root DIR     the workspace (default: the current directory)
      --help, -h     help for a command
      --version      print the version

    exit codes: 0 done; 65 some input was rejected (the rest was processed); 64 usage;
    78 bad settings; 73 cannot write; 74 I/O error; 75 another run holds the lock; 70 internal error.
    """

    static let help: [String: String] = [
        "run": """
        usage: optout run [--root DIR] [--verbose]

        Processes everything waiting in inbox/: STOP logs into the suppression ledger first, then
        list checks, then each campaign into outbox/send/, outbox/links/ and outbox/reports/;
        rewrites outbox/suppressions.csv. Quiet when all is well and stdout is not a terminal
        (cron mails any output); --verbose prints the summary anyway.
        """,
        "watch": """
        usage: optout watch [--root DIR] [--verbose]

        Runs once, then waits for files in inbox/ (inotify, with a rescan every 30 s as a safety
        net) and processes each as soon as it is complete: its size and mtime unchanged for
        settle_seconds. Waits its turn when another run holds the lock. SIGTERM or SIGINT: the
        pass in hand finishes, the lock is released, exit 0. Prints errors always, and a line per
        pass with --verbose or on a terminal.
        """,
        "init": """
        usage: optout init [DIR]
               optout init --new-link-key [DIR]

        Creates inbox/ (lists, campaigns, stops, clicks, suppressions, reviews), outbox/ and .optout/ in DIR
        (default: the current directory) and a commented inbox/settings.json if there is none.
        --new-link-key: only when .optout/link.key is truly lost (restore it from backup if you
        can): makes a new key; the link index is set aside so links already sent keep working.
        """,
        "site": """
        usage: optout site [--root DIR] [--listen ADDR] [--server-name NAME] [--access-log PATH] [--name TEXT]

        Writes outbox/site/confirm.html (what an opt-out link shows: a Confirm button that POSTs to
        the same URL), outbox/site/done.html ("you're unsubscribed") and outbox/site/nginx.conf, a
        server block to include in nginx's http { } block. It serves only links of the token's shape
        under optout_link_base's path and logs them in "combined" format; copy that log into
        inbox/clicks/ and `optout run` opts out every confirmed number (GET/HEAD are only views).
          --listen ADDR       nginx listen value (default 80; add TLS lines for https links)
          --server-name NAME  nginx server_name (default: optout_link_base's host)
          --access-log PATH   where nginx logs the clicks (default /var/log/nginx/optout-clicks.log)
          --name TEXT         who the messages come from, named on the pages
        """,
        "status": """
        usage: optout status [--root DIR] [--json]

        Prints the number of opted-out numbers, files waiting in each inbox folder, webhook payloads
        pending, and when the last run finished and how.
        """,
        "deliver": """
        usage: optout deliver [--root DIR] [--verbose] [--max-seconds N] [--now]

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
        Exit: 0 nothing failed; 75 some payloads will be retried or were left by --max-seconds;
        65 some moved to failed/; 78 no or bad callback URL; 75 also when another deliver is running.
        """,
    ]

    public static func parse(_ args: [String]) throws(OptoutError) -> Command {
        guard let first = args.first else { return .help(overview) }
        if first == "--help" || first == "-h" || first == "help" {
            if args.count > 1, let text = help[args[1]] { return .help(text) }
            return .help(overview)
        }
        if first == "--version" { return .version }
        var rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            guard let text = help[first] else { throw unknown(first) }
            return .help(text)
        }
        var root = "."
        var flags = Set<String>()
        var values: [String: String] = [:]
        let valueOptions: Set<String> = first == "site" ? ["--listen", "--server-name", "--access-log", "--name"]
            : first == "deliver" ? ["--max-seconds"] : []
        var positional: [String] = []
        while !rest.isEmpty {
            let arg = rest.removeFirst()
            if arg == "--root" {
                guard let value = rest.first, !value.hasPrefix("--") else { throw .usage("--root needs a directory: optout \(first) --root DIR") }
                root = value
                rest.removeFirst()
            } else if arg.hasPrefix("--root=") {
                root = String(arg.dropFirst(7))
            } else if valueOptions.contains(arg) {
                guard let value = rest.first, !value.hasPrefix("--") else { throw .usage("\(arg) needs a value: optout \(first) \(arg) VALUE") }
                values[arg] = value
                rest.removeFirst()
            } else if let eq = arg.firstIndex(of: "="), valueOptions.contains(String(arg[..<eq])) {
                values[String(arg[..<eq])] = String(arg[arg.index(after: eq)...])
            } else if arg.hasPrefix("-") {
                flags.insert(arg)
            } else {
                positional.append(arg)
            }
        }
        func allow(_ allowed: Set<String>, positional max: Int) throws(OptoutError) {
            if let bad = flags.subtracting(allowed).sorted().first {
                throw .usage("optout \(first): unknown option \(bad)\(allowed.isEmpty ? "" : " (accepted: \(allowed.sorted().joined(separator: ", ")))")\nsee: optout \(first) --help")
            }
            if positional.count > max {
                throw .usage("optout \(first): unexpected argument \"\(positional[max])\"\nsee: optout \(first) --help")
            }
        }
        switch first {
        case "run":
            try allow(["--verbose", "-v"], positional: 0)
            return .run(root: root, verbose: !flags.isDisjoint(with: ["--verbose", "-v"]))
        case "init":
            try allow(["--new-link-key"], positional: 1)
            if flags.contains("--new-link-key") { return .newLinkKey(dir: positional.first ?? root) }
            return .initialize(dir: positional.first ?? root)
        case "status":
            try allow(["--json"], positional: 0)
            return .status(root: root, json: flags.contains("--json"))
        case "site":
            try allow([], positional: 0)
            var options = SiteOptions()
            if let listen = values["--listen"] { options.listen = listen }
            if let log = values["--access-log"] { options.accessLog = log }
            options.serverName = values["--server-name"]
            options.senderName = values["--name"]
            return .site(root: root, options: options)
        case "watch":
            try allow(["--verbose", "-v"], positional: 0)
            return .watch(root: root, verbose: !flags.isDisjoint(with: ["--verbose", "-v"]))
        case "deliver":
            try allow(["--verbose", "-v", "--now"], positional: 0)
            var maxSeconds = DeliveryJob.deliverBudgetSeconds
            if let text = values["--max-seconds"] {
                guard let value = Double(text), value.isFinite, value >= 0, value <= 86_400 else {
                    throw .usage("--max-seconds needs a number of seconds from 0 to 86400, not \"\(text)\": optout deliver --max-seconds 300")
                }
                maxSeconds = value
            }
            return .deliver(root: root, verbose: !flags.isDisjoint(with: ["--verbose", "-v"]), maxSeconds: maxSeconds, now: flags.contains("--now"))
        default:
            throw unknown(first)
        }
    }

    static func unknown(_ name: String) -> OptoutError {
        .usage("unknown command \"\(name)\" (commands: run, watch, init, status, deliver, site)\nsee: optout --help")
    }
}
