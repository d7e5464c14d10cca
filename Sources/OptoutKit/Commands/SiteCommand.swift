// `optout site`: usage, options, arguments and the job it runs. Input: argv after "site". Output: the files
// written and how to include them in nginx (SiteJob writes them). Failures: `OptoutError` from
// SiteJob (an option value nginx would read as syntax is a usage error), mapped by CommandRunner.

import OptoutBase

package enum SiteCommand {
    static let listen = OptionSpec(["--listen"], value: "ADDR", "nginx listen value (default 80; add TLS lines for https links)")
    static let serverName = OptionSpec(["--server-name"], value: "NAME", "nginx server_name (default: optout_link_base's host)")
    static let accessLog = OptionSpec(["--access-log"], value: "PATH", "where nginx logs the clicks (default /var/log/nginx/optout-clicks.log)")
    static let name = OptionSpec(["--name"], value: "TEXT", "who the messages come from, named on the pages")

    static let usage = """
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
    """

    package static let spec = CommandSpec("site", summary: "write the opt-out confirmation pages and an nginx server block to outbox/site/",
                                         usage: usage, options: [listen, serverName, accessLog, name]) { args throws(OptoutError) in
        var options = SiteOptions()
        if let value = args.value(listen) { options.listen = value }
        if let value = args.value(accessLog) { options.accessLog = value }
        options.serverName = args.value(serverName)
        options.senderName = args.value(name)
        return .site(root: args.root, options: options)
    }

    static func run(root: String, options: SiteOptions) throws(OptoutError) -> SiteOutcome {
        try SiteJob.run(root: root, options: options)
    }
}
