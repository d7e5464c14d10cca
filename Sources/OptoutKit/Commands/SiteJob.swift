// Site job (`optout site`): the static opt-out pages and a ready nginx server block.
// Input: the workspace's settings (`optout_link_base` gives the host and the link path) and
// options (listen address, server name, access log path, the sender's name for the page text).
// Output, in outbox/site/ (each file written atomically):
//   confirm.html  what GET <link> shows: a small, accessible, mobile-friendly page whose Confirm
//                 button POSTs to the same URL (no script, no token in the page)
//   done.html     "you're unsubscribed", what nginx answers to that POST
//   nginx.conf    a server block to `include` in http { }: only URLs of the token's shape under the
//                 link path are served (GET/HEAD → confirm.html; POST → done.html through
//                 `error_page 405 =200`, since nginx's static module refuses POST with 405; other
//                 methods → 403), and every request under the link path is logged in "combined"
//                 format, the log optout reads back from inbox/clicks/.
// No server code of ours runs: the web server is stock nginx. Failures: `OptoutError.configuration`
// without a usable `optout_link_base`, `.usage` for an option value nginx could not take,
// `.cannotCreate`/`.io` when a file cannot be written.

import OptoutBase
import Foundation

package struct SiteOptions: Sendable, Equatable {
    /// nginx `listen` value ("80", "127.0.0.1:8080").
    package var listen: String = "80"
    /// nginx `server_name`; default: the link base's host.
    package var serverName: String?
    /// Where nginx writes the click log.
    package var accessLog: String = "/var/log/nginx/optout-clicks.log"
    /// Who the messages come from ("ACME"), named in the page text.
    package var senderName: String?

    package init(listen: String = "80", serverName: String? = nil, accessLog: String = "/var/log/nginx/optout-clicks.log", senderName: String? = nil) {
        self.listen = listen
        self.serverName = serverName
        self.accessLog = accessLog
        self.senderName = senderName
    }
}

package struct SiteOutcome: Sendable, Equatable {
    /// The files written, as displayed (relative to the workspace).
    package var files: [String]
    /// The nginx regex that matches an opt-out link ("^/u/[0-9A-Za-z]{10}$").
    package var linkPattern: String
    package var accessLog: String
}

package enum SiteJob {
    package static let folderName = "site"

    /// Writes the pages and the server block for the workspace at `root`.
    package static func run(root: String, options: SiteOptions = SiteOptions(), now: Timestamp = .now()) throws(OptoutError) -> SiteOutcome {
        let ws = try Workspace.open(root: root)
        let settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        guard let base = settings.optoutLinkBase else {
            throw .configuration(SourceLocation(file: ws.display(ws.settingsFile)), "\"optout_link_base\" is not set; the site serves links of the form <optout_link_base><token>, e.g. \"https://example.com/u/\"")
        }
        guard let host = host(ofLinkBase: base), let prefix = ClickIntake.pathPrefix(ofLinkBase: base),
              prefix.utf8.allSatisfy(isPlainPathByte) else {
            throw .configuration(SourceLocation(file: ws.display(ws.settingsFile)), "\"optout_link_base\" \"\(base)\" must be a URL with a plain path and no query, e.g. \"https://example.com/u/\"")
        }
        let siteFolder = "\(ws.outbox)/\(folderName)"
        let absoluteSite = absolutePath(ws.outbox) + "/\(folderName)"
        for (name, value) in [("--listen", options.listen), ("--server-name", options.serverName ?? host), ("--access-log", options.accessLog),
                              ("the workspace path", absoluteSite), ("the link path of \"optout_link_base\"", prefix)] {
            if let why = nginxProblem(value) {
                throw .usage("optout site: \(name) \"\(HeaderText.printable(value))\" \(why); nginx.conf not written")
            }
        }
        try Durable.makeDirectory(siteFolder)
        let pattern = "^" + regexEscaped(prefix) + "[0-9A-Za-z]{\(LinkTokens.length)}$"
        let files: [(String, String)] = [
            ("confirm.html", confirmPage(sender: options.senderName)),
            ("done.html", donePage(sender: options.senderName)),
            ("nginx.conf", nginxConf(base: base, host: host, prefix: prefix, pattern: pattern, site: absoluteSite,
                                     options: options, now: now)),
        ]
        var written: [String] = []
        for (name, text) in files {
            let path = "\(siteFolder)/\(name)"
            try Durable.writeFile(path, text)
            written.append(ws.display(path))
        }
        return SiteOutcome(files: written, linkPattern: pattern, accessLog: options.accessLog)
    }

    static func host(ofLinkBase base: String) -> String? {
        guard let scheme = base.range(of: "://") else { return nil }
        var rest = base[scheme.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("[") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }

    /// Why `value` cannot be written into nginx.conf as one token, or nil. nginx would split it at
    /// whitespace, end the directive at `;`, open or close a block at a brace, start a comment at
    /// `#`, read quotes and backslashes as quoting and `$` as a variable: each lets a value add
    /// directives of its own.
    static func nginxProblem(_ value: String) -> String? {
        if value.isEmpty { return "is empty" }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (v >= 0x80 && v <= 0x9F) { return "contains a control character (U+\(String(v, radix: 16, uppercase: true)))" }
            if scalar.properties.isWhitespace { return "contains whitespace" }
            if ";{}\"'`#\\$".unicodeScalars.contains(scalar) { return "contains '\(scalar)', which nginx would read as syntax" }
        }
        return nil
    }

    static func isPlainPathByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == 0x2F || c == 0x2E || c == 0x5F || c == 0x7E || c == 0x2D
    }

    static func regexEscaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            if ".+*?()[]{}|^$\\".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    static func absolutePath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func htmlEscaped(_ text: String) -> String { HTMLText.escape(text) }

    static let style = """
    <style>
    body{margin:0;padding:1.25rem;font:1.125rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
    main{max-width:30rem;margin:2rem auto}
    h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
    button{font:inherit;font-weight:600;width:100%;min-height:3rem;margin:.5rem 0 1rem;padding:.75rem 1rem;border:0;border-radius:.5rem;background:#0b57d0;color:#fff;cursor:pointer}
    button:hover{background:#0842a0}
    button:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
    .small{font-size:1rem;color:#444}
    @media (prefers-color-scheme:dark){body{background:#121212;color:#eee}.small{color:#bbb}button:focus-visible{outline-color:#eee}}
    </style>
    """

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <meta name="referrer" content="no-referrer">
        <title>\(title)</title>
        \(style)
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// The page a GET shows: one question, one button that POSTs to the same URL.
    package static func confirmPage(sender: String?) -> String {
        let from = sender.map { " from \(htmlEscaped($0))" } ?? ""
        return page(title: "Unsubscribe from text messages", body: """
        <h1>Stop text messages\(from)?</h1>
        <p>Press the button to unsubscribe this phone number from our text messages.</p>
        <form method="post">
        <button type="submit" name="confirm" value="yes">Confirm: unsubscribe me</button>
        </form>
        <p class="small">Changed your mind? Close this page: nothing changes unless you press the button.</p>
        """)
    }

    /// The page the POST answers with.
    package static func donePage(sender: String?) -> String {
        let who = sender.map { htmlEscaped($0) } ?? "we"
        return page(title: "You're unsubscribed", body: """
        <h1 role="status">You're unsubscribed</h1>
        <p>We have your request: \(who) will send no more text messages to this phone number.</p>
        <p class="small">It can take up to 24 hours to take effect. You can close this page.</p>
        """)
    }

    /// The server block.
    static func nginxConf(base: String, host: String, prefix: String, pattern: String, site: String,
                          options: SiteOptions, now: Timestamp) -> String {
        let headers = [
            "add_header Cache-Control \"no-store\" always;",
            "add_header Referrer-Policy \"no-referrer\" always;",
            "add_header X-Content-Type-Options \"nosniff\" always;",
            "add_header X-Frame-Options \"DENY\" always;",
            "add_header X-Robots-Tag \"noindex, nofollow\" always;",
            "add_header Content-Security-Policy \"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'\" always;",
        ].map { "            " + $0 }.joined(separator: "\n")
        // Everything outside the link path is 404 (the folder also holds this file).
        let catchAll = prefix == "/" ? "" : "\n    location / {\n        return 404;\n    }\n"
        return """
        # optout opt-out link pages, written by `optout site` at \(now.iso8601). Regenerate rather than edit.
        # Links: \(base)<\(LinkTokens.length)-character token>
        #
        # Use: include this file inside the http { } block of nginx.conf. On Debian:
        #   ln -s \(site)/nginx.conf /etc/nginx/sites-enabled/optout.conf
        #   nginx -t && systemctl reload nginx
        # For https:// links (the usual case) add your TLS lines to the server block below
        # (listen 443 ssl; ssl_certificate ...; ssl_certificate_key ...;) or run certbot --nginx.
        # nginx must be able to read \(site).
        #
        # GET/HEAD <link> shows confirm.html; its button POSTs to the same URL, which nginx answers with
        # done.html (its static module refuses POST with 405; error_page 405 =200 turns that into the page).
        # Every request under \(prefix) is logged in "combined" format to \(options.accessLog):
        # copy that log (or its rotated copy, e.g. optout-clicks.log.1) into inbox/clicks/ before `optout run`.
        server {
            listen \(options.listen);
            server_name \(options.serverName ?? host);
            root \(site);
            charset utf-8;
            types { text/html html; }
            default_type text/html;
            server_tokens off;
            access_log off;
            client_max_body_size 4k;
        \(catchAll)
            location \(prefix) {
                access_log \(options.accessLog) combined;
                location ~ "\(pattern)" {
                    limit_except GET POST { deny all; }
        \(headers)
                    try_files /confirm.html =404;
                    error_page 405 =200 /.optout/done;
                }
                return 404;
            }

            location = /.optout/done {
                internal;
                access_log \(options.accessLog) combined;
        \(headers)
                try_files /done.html =404;
            }
        }

        """
    }
}
