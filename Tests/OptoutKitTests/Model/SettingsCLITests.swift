// Settings through the real `optout` binary, as a user meets them (issue 11 items 2, 3, 6 and
// issue 10 class 10): a FIFO, a link to /dev/zero, an empty or 2 MiB settings.json, duplicate keys,
// a syntax error, what `init` writes, an example link base holding an {optout} campaign while the
// shipped sample still builds, e-mail header and nginx.conf injection, keyword lists that would
// switch opt-outs off.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

@Suite(.serialized) struct SettingsCLITests {
    /// nil when the binary is missing (and that is not allowed under CI=true).
    func binaryMissing() -> Bool {
        guard let reason = OptoutCLI.missingReason else { return false }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record(Comment(rawValue: reason)) } else { print(reason) }
        return true
    }

    /// A workspace made by `optout init` with `settings` (nil: leave what init wrote) and a STOP log.
    func workspace(settings: String?) throws -> String {
        let root = NSTemporaryDirectory() + "optout-settings-" + UUID().uuidString
        let made = try OptoutCLI.run(["init", root])
        #expect(made.status == 0, "\(made.stderr)")
        if let settings { try Tree.write("\(root)/inbox/settings.json", settings) }
        try Tree.write("\(root)/inbox/stops/tollfree.csv", "from,timestamp,text\n+447700900321,2026-11-25T18:02:11Z,STOP\n")
        return root
    }

    /// `optout run` (fixed clock), killed by its pid after `seconds` if still running; returns the
    /// result and the time taken.
    func runBounded(_ root: String, seconds: Double = 10) throws -> (OptoutCLI.Result, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(OptoutCLI.path))
        process.arguments = ["run", "--root", root]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPTOUT_") }
        environment["OPTOUT_NOW"] = "2026-11-26T12:00:00Z"
        process.environment = environment
        let scratch = NSTemporaryDirectory() + "optout-settings-cli-" + UUID().uuidString
        defer { unlink(scratch + ".out"); unlink(scratch + ".err") }
        _ = FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let started = Date()
        try process.run()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            Issue.record("optout run was still running after \(seconds) s: killed")
        }
        let elapsed = Date().timeIntervalSince(started)
        let result = OptoutCLI.Result(status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal,
                                      stdout: Tree.read(scratch + ".out") ?? "", stderr: Tree.read(scratch + ".err") ?? "")
        return (result, elapsed)
    }

    @Test func aFIFOSettingsFileEndsTheRunAtOnceWith78() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: nil)
        defer { Tree.remove(root) }
        unlink("\(root)/inbox/settings.json")
        #expect(mkfifo("\(root)/inbox/settings.json", 0o600) == 0)
        let (result, seconds) = try runBounded(root)
        #expect(result.status == 78, "\(result.stderr)")
        #expect(seconds < 5, "took \(seconds) s")
        #expect(result.stderr.contains("inbox/settings.json: is a FIFO (named pipe)"), "\(result.stderr)")
        // Nothing was processed: the STOP log is still in the inbox.
        #expect(Durable.exists("\(root)/inbox/stops/tollfree.csv"))
    }

    @Test func aLinkToDevZeroAnEmptyAndA2MiBFileAreRefusedWith78() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: nil)
        defer { Tree.remove(root) }
        let path = "\(root)/inbox/settings.json"
        unlink(path)
        #expect(symlink("/dev/zero", path) == 0)
        var (result, seconds) = try runBounded(root)
        #expect(result.status == 78 && seconds < 5 && result.stderr.contains("is a symbolic link"), "\(result.stderr)")
        unlink(path)
        try Tree.write(path, "")
        (result, _) = try runBounded(root)
        #expect(result.status == 78 && result.stderr.contains("inbox/settings.json: the file is empty"), "\(result.stderr)")
        // 2 MiB of otherwise valid JSON (a long comment).
        try Tree.write(path, "{}\n//" + String(repeating: "x", count: 2 << 20) + "\n")
        (result, _) = try runBounded(root)
        #expect(result.status == 78 && result.stderr.contains("larger than 1 MiB"), "\(result.stderr)")
        #expect(Durable.exists("\(root)/inbox/stops/tollfree.csv"))
    }

    @Test func duplicateKeysAndSyntaxErrorsAreNamedByLineAndColumn() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: "{\n  \"default_country\": \"GB\",\n  \"settle_seconds\": 0,\n  \"default_country\": \"FR\"\n}\n")
        defer { Tree.remove(root) }
        var (result, _) = try runBounded(root)
        #expect(result.status == 78)
        #expect(result.stderr.contains("inbox/settings.json:4: not valid JSON at line 4, column 3: duplicate key \"default_country\" (lines 2 and 4)"), "\(result.stderr)")
        try Tree.write("\(root)/inbox/settings.json", "{\n  \"default_country\": \"GB\"\n  \"settle_seconds\": 0\n}\n")
        (result, _) = try runBounded(root)
        #expect(result.status == 78)
        #expect(result.stderr.contains("inbox/settings.json:3: not valid JSON at line 3, column 3: expected ',' or '}' after the value of \"default_country\""), "\(result.stderr)")
    }

    @Test func initWritesAPrivateFileThatParsesToTheDefaults() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: nil)
        defer { Tree.remove(root) }
        var st = stat()
        #expect(lstat("\(root)/inbox/settings.json", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600, "mode \(String(st.st_mode & 0o777, radix: 8))")
        let s = try Settings.load(path: "\(root)/inbox/settings.json", displayName: "inbox/settings.json")
        #expect(s.defaultCountry == nil && s.optoutLinkBase == nil && s.maxSegments == nil && s.pricePerSegment == nil && s.currency == "")
        let text = try #require(Tree.read("\(root)/inbox/settings.json"))
        #expect(text.contains("// \"default_country\": \"GB\","))
        // With all defaults a national number cannot be read, so the STOP row is reported, not lost.
        let (result, _) = try runBounded(root)
        #expect(result.status != 78, "\(result.stderr)")
    }

    @Test func anExampleLinkBaseHoldsOptOutCampaignsUntilAllowed() throws {
        if binaryMissing() { return }
        let settings = "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"optout_link_base\": \"https://Links.Example.ORG/u/\"}"
        let root = try workspace(settings: settings)
        defer { Tree.remove(root) }
        try Tree.write("\(root)/inbox/lists/customers.csv", "name,phone\nAva,07700 900123\nHarry,07700 900321\n")
        try Tree.write("\(root)/inbox/campaigns/sale.txt", "list: customers\n\nHi {name}, 20% off. Opt out: {optout}\n")
        try Tree.write("\(root)/inbox/campaigns/plain.txt", "list: customers\n\nHi {name}, 20% off. Reply STOP to opt out\n")
        var (result, _) = try runBounded(root)
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("inbox/campaigns/sale.txt: held: inbox/settings.json: \"optout_link_base\" \"https://Links.Example.ORG/u/\" is on Links.Example.ORG, a reserved example domain"), "\(result.stderr)")
        // The campaign waits; everything else was done.
        #expect(Durable.exists("\(root)/inbox/campaigns/sale.txt"))
        #expect(!Durable.exists("\(root)/outbox/send/sale.csv"))
        #expect(Durable.exists("\(root)/outbox/send/plain.csv"))
        #expect(Durable.exists("\(root)/inbox/stops/processed/tollfree.csv"))
        #expect(Tree.read("\(root)/outbox/suppressions.csv")?.contains("+447700900321") == true)

        try Tree.write("\(root)/inbox/settings.json", String(settings.dropLast()) + ", \"allow_example_links\": true}")
        (result, _) = try runBounded(root)
        #expect(result.status == 0, "\(result.stderr)")
        let send = try #require(Tree.read("\(root)/outbox/send/sale.csv"))
        #expect(send.contains("https://links.example.org/u/") || send.contains("https://Links.Example.ORG/u/"))
        #expect(!send.contains("+447700900321"))
    }

    /// The README's first command on the shipped sample (its settings allow example links).
    @Test func theShippedSampleStillBuildsWithExit0() throws {
        if binaryMissing() { return }
        var repo = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { repo.deleteLastPathComponent() }
        let root = NSTemporaryDirectory() + "optout-sample-" + UUID().uuidString
        defer { Tree.remove(root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Tree.copy(repo.path + "/inbox", to: root + "/inbox")
        for kind in ["campaigns", "stops", "suppressions", "lists", "clicks"] {
            for sub in ["processed", "rejected"] { Tree.remove("\(root)/inbox/\(kind)/\(sub)") }
        }
        // Only what git ships: drop outputs of a local run (processed/rejected removed above).
        let settings = try #require(Tree.read(root + "/inbox/settings.json"))
        #expect(settings.contains("\"allow_example_links\": true"))
        #expect(settings.contains("go nowhere"))
        let result = try OptoutCLI.run(["run", "--root", root, "--verbose"], environment: ["OPTOUT_NOW": "2026-11-26T12:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Durable.exists(root + "/outbox/send/weekend-sale.csv"), "\(result.stdout)\(result.stderr)")
        #expect(Tree.read(root + "/outbox/links/weekend-sale.csv")?.contains("https://example.com/u/") == true)
    }

    @Test func eMailHeaderInjectionIsRefusedWith78() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"unsubscription_reports\": {\"email\": [\"ops@acme.example\"]},\n \"email_from\": \"Zoë <optout@acme.example\\rBcc: evil@attacker.example>\"}")
        defer { Tree.remove(root) }
        var (result, _) = try runBounded(root)
        #expect(result.status == 78)
        #expect(result.stderr.contains("inbox/settings.json:2: \"email_from\": contains a control character (CR at character 25)"), "\(result.stderr)")
        #expect(Tree.files(under: root + "/outbox/notifications").isEmpty)
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"unsubscription_reports\": {\"email\": [\"ops@acme.example\\nBcc: evil@attacker.example\"]}}")
        (result, _) = try runBounded(root)
        #expect(result.status == 78 && result.stderr.contains("\"unsubscription_reports.email\": \"ops@acme.example\\u{A}Bcc"), "\(result.stderr)")
        // Clean values: the e-mail is written and has exactly the headers we put there.
        try Tree.write("\(root)/inbox/settings.json", "{\"default_country\": \"GB\", \"settle_seconds\": 0, \"unsubscription_reports\": {\"email\": [\"ops@acme.example\"]}, \"email_from\": \"Zoë <optout@acme.example>\"}")
        (result, _) = try runBounded(root)
        #expect(result.status == 0, "\(result.stderr)")
        let emls = Tree.files(under: root + "/outbox/notifications").filter { $0.hasSuffix(".eml") }
        #expect(emls.count == 1)
        let eml = try #require(emls.first.flatMap { Tree.read(root + "/outbox/notifications/" + $0) })
        #expect(!eml.contains("\r") && !eml.lowercased().contains("bcc"))
    }

    @Test func nginxConfInjectionIsRefusedWith64() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: "{\"optout_link_base\": \"https://links.acme.co.uk/u/\"}")
        defer { Tree.remove(root) }
        for (option, value, reason) in [("--listen", "80; include /etc/shadow", "contains ';'"),
                                        ("--server-name", "a.example { }", "contains whitespace"),
                                        ("--access-log", "/tmp/x.log\nroot /", "control character")] {
            let result = try OptoutCLI.run(["site", "--root", root, option, value])
            #expect(result.status == 64, "\(option): \(result.stderr)")
            #expect(result.stderr.contains("optout site: \(option)") && result.stderr.contains(reason), "\(result.stderr)")
            #expect(!Durable.exists(root + "/outbox/site/nginx.conf"))
        }
        let spaced = NSTemporaryDirectory() + "optout site;" + UUID().uuidString
        defer { Tree.remove(spaced) }
        #expect(try OptoutCLI.run(["init", spaced]).status == 0)
        try Tree.write(spaced + "/inbox/settings.json", "{\"optout_link_base\": \"https://links.acme.co.uk/u/\"}")
        let result = try OptoutCLI.run(["site", "--root", spaced])
        #expect(result.status == 64 && result.stderr.contains("the workspace path") && result.stderr.contains("contains whitespace"), "\(result.stderr)")
        let good = try OptoutCLI.run(["site", "--root", root, "--listen", "127.0.0.1:8080"])
        #expect(good.status == 0 && Tree.read(root + "/outbox/site/nginx.conf")?.contains("listen 127.0.0.1:8080;") == true, "\(good.stderr)")
    }

    @Test(arguments: [("[\"!!!\"]", "entry 1 \"!!!\" has no letter or digit"), ("[\"\"]", "entry 1 \"\" has no letter or digit"),
                      ("[]", "must not be empty")])
    func keywordListsThatSwitchOptOutsOffAreRefusedWith78(list: String, reason: String) throws {
        if binaryMissing() { return }
        let root = try workspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0,\n \"optout_keywords\": \(list)}")
        defer { Tree.remove(root) }
        let (result, _) = try runBounded(root)
        #expect(result.status == 78)
        #expect(result.stderr.contains("inbox/settings.json:2: \"optout_keywords\": \(reason)"), "\(result.stderr)")
        #expect(Durable.exists("\(root)/inbox/stops/tollfree.csv"), "nothing is processed under settings that are refused")
    }

    @Test func anOptOutListWithoutStopWarnsOnEveryRunEvenUnderCron() throws {
        if binaryMissing() { return }
        let root = try workspace(settings: "{\"default_country\": \"GB\", \"settle_seconds\": 0,\n \"optout_keywords\": [\"UNSUBSCRIBE\", \"END\"]}")
        defer { Tree.remove(root) }
        for _ in 0..<2 {
            let (result, _) = try runBounded(root)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("inbox/settings.json:2: warning: \"optout_keywords\": has no \"STOP\""), "\(result.stderr)")
        }
    }
}
