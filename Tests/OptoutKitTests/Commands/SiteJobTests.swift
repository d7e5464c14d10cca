// `optout site`: the pages, the server block nginx accepts for any link path, and its refusals.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite struct SiteJobTests {
    func settings(_ base: String) -> String { "{ \"default_country\": \"GB\", \"optout_link_base\": \"\(base)\" }" }

    @Test(arguments: [("https://example.com/u/", "^/u/[0-9A-Za-z]{10}$"),
                      ("https://example.com/", "^/[0-9A-Za-z]{10}$"),
                      ("https://optout.example.com:8443/opt-out/x.", "^/opt-out/x\\.[0-9A-Za-z]{10}$")])
    func serverBlockForEachLinkPathPassesNginxTest(_ base: String, _ pattern: String) throws {
        let t = try TempWorkspace(settings: settings(base))
        let outcome = try SiteJob.run(root: t.root, options: SiteOptions(listen: "127.0.0.1:8080", accessLog: t.root + "/clicks.log", senderName: "ACME & Co"))
        #expect(outcome.linkPattern == pattern)
        let conf = try #require(t.read("outbox/site/nginx.conf"))
        #expect(conf.contains("location ~ \"\(pattern)\""))
        #expect(conf.contains("server_name \(base.contains("optout.") ? "optout.example.com" : "example.com");"))
        #expect(conf.contains("access_log \(t.root)/clicks.log combined;"))
        #expect(conf.contains("error_page 405 =200 /.optout/done;"))
        let confirm = try #require(t.read("outbox/site/confirm.html"))
        #expect(confirm.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(confirm.contains("<html lang=\"en\">") && confirm.contains("<form method=\"post\">"))
        #expect(confirm.contains("Stop text messages from ACME &amp; Co?"))
        #expect(!confirm.contains("<script"))
        #expect(confirm.utf8.count < 4096)
        #expect(t.read("outbox/site/done.html")?.contains("You're unsubscribed") == true)

        guard let binary = nginxPath else {
            print("skipped nginx -t: nginx is not installed (apt-get install nginx-light)")
            return
        }
        let folder = t.root + "/nginx"
        try FileManager.default.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
        try """
        error_log \(folder)/error.log;
        events { }
        http { client_body_temp_path \(folder)/tmp; include \(t.root)/outbox/site/nginx.conf; }
        """.write(toFile: folder + "/main.conf", atomically: true, encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: binary)
        check.arguments = ["-t", "-q", "-p", folder, "-e", folder + "/error.log", "-c", folder + "/main.conf", "-g", "pid \(folder)/nginx.pid;"]
        let errors = Pipe()
        check.standardError = errors
        check.standardOutput = FileHandle.nullDevice
        try check.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "nginx -t: \(message)")
    }

    @Test(arguments: [("{}", "optout_link_base\" is not set"),
                      ("{ \"optout_link_base\": \"https://example.com/u%20x/\" }", "plain path")])
    func refusesWithoutAUsableLinkBase(_ settingsText: String, _ expected: String) throws {
        let t = try TempWorkspace(settings: settingsText)
        #expect(throws: OptoutError.self) { try SiteJob.run(root: t.root) }
        let outcome = CommandRunner.main(["site", "--root", t.root], interactive: false)
        #expect(outcome.exitCode == ExitCode.config)
        #expect(outcome.stderr.contains(expected))
    }

    @Test func commandLineTakesTheServerOptions() throws {
        let command = try CommandLineParser.parse(["site", "--root", "/w", "--listen", "127.0.0.1:9000", "--access-log=/tmp/c.log", "--name", "ACME"])
        #expect(command == .site(root: "/w", options: SiteOptions(listen: "127.0.0.1:9000", accessLog: "/tmp/c.log", senderName: "ACME")))
        #expect(throws: OptoutError.self) { try CommandLineParser.parse(["site", "--listen"]) }
        #expect(throws: OptoutError.self) { try CommandLineParser.parse(["run", "--listen", "80"]) }
        let t = try TempWorkspace(settings: "{ \"optout_link_base\": \"https://example.com/u/\" }")
        let bad = CommandRunner.main(["site", "--root", t.root, "--listen", "80; include /etc/passwd"], interactive: false)
        #expect(bad.exitCode == ExitCode.usage)
        #expect(CommandRunner.main(["site", "--help"], interactive: false).stdout.contains("usage: optout site"))
    }
}
