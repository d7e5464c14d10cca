// Notifications go out (issue 15 item 3), through the real executable: `--mail-command` pipes
// each .eml byte for byte to a command (a script that records its input), moves it to
// notifications/sent/ on exit 0, leaves it pending with its attempt record otherwise, kills a
// hanging command at the pass bound; `deliver` exits 78 only with neither a callback URL nor a
// mail command; the SMS summary names no server path.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
import OptoutTestSupport

@Suite(.serialized) struct MailCommandTests {
    static let settings = """
    { "default_country": "GB", "settle_seconds": 0, "email_from": "optout@acme.example",
      "unsubscription_reports": { "email": ["compliance@acme.example"], "sms": ["+447911000001"] } }
    """

    /// An executable shell script in the workspace's parent folder.
    static func script(_ t: TempWorkspace, _ name: String, _ body: String) throws -> String {
        let path = Durable.parent(of: t.root) + "/\(name)-\(UUID().uuidString).sh"
        try Tree.write(path, "#!/bin/sh\n" + body + "\n")
        chmod(path, 0o755)
        return path
    }

    /// A workspace whose run wrote one .eml and one SMS summary.
    static func workspaceWithNotifications() throws -> (TempWorkspace, String) {
        let t = try TempWorkspace(settings: settings)
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900002,2026-11-25T18:02:11Z,STOP\n")
        let run = try OptoutCLI.runWorkspace(t.root)
        #expect(run.status == 0, "\(run.stderr)")
        let eml = try #require(t.list("outbox/notifications").first { $0.hasSuffix(".eml") })
        return (t, eml)
    }

    @Test func aRecordingCommandReceivesTheEmlByteForByteAndItMovesToSent() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let (t, eml) = try Self.workspaceWithNotifications()
        let original = try #require(FileManager.default.contents(atPath: t.root + "/outbox/notifications/" + eml))
        let received = Durable.parent(of: t.root) + "/received-\(UUID().uuidString).eml"
        let recorder = try Self.script(t, "record", "cat > \"$2\"; echo \"$1\" > \"$2.arg\"")
        let result = try OptoutCLI.run(["deliver", "--root", t.root, "--mail-command", "\(recorder) 'one word' \(received)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: received) == original)
        #expect(Tree.read(received + ".arg") == "one word\n")  // quoted word kept whole, no shell
        #expect(t.exists("outbox/notifications/sent/\(eml)") && !t.exists("outbox/notifications/\(eml)"))
        #expect(t.exists("outbox/notifications/sent/\(eml).attempts"))
        // The SMS summary stays listed in status until moved; its text has no server path.
        let sms = try #require(t.list("outbox/notifications").first { $0.hasSuffix("-sms.csv") })
        let smsText = try #require(t.read("outbox/notifications/\(sms)"))
        #expect(!smsText.contains("outbox/") && !smsText.contains("/srv") && smsText.contains("+447911000001"))
        let status = try OptoutCLI.run(["status", "--json", "--root", t.root])
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(json?["notifications_unsent"] as? [String] == ["outbox/notifications/\(sms)"])
    }

    @Test func aFailingCommandLeavesItPendingAndDeliverNowRetriesIt() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let (t, eml) = try Self.workspaceWithNotifications()
        let failing = try Self.script(t, "fail", "cat > /dev/null; echo 'relay refused' >&2; exit 1")
        let first = try OptoutCLI.run(["deliver", "--root", t.root, "--mail-command", failing])
        #expect(first.status == 75)
        #expect(first.stderr.contains("outbox/notifications/\(eml)") && first.stderr.contains("exited 1: relay refused"))
        #expect(t.exists("outbox/notifications/\(eml)") && !t.exists("outbox/notifications/sent/\(eml)"))
        let record = try #require(t.read("outbox/notifications/\(eml).attempts"))
        #expect(record.contains("\"attempts\": 1") && record.contains("next_attempt"))
        // Not due yet: left alone without --now (the command is not run again).
        let received = Durable.parent(of: t.root) + "/received-\(UUID().uuidString).eml"
        let recorder = try Self.script(t, "record", "cat > \"$1\"")
        let notDue = try OptoutCLI.run(["deliver", "--root", t.root, "--mail-command", "\(recorder) \(received)"])
        #expect(notDue.status == 0 && !Durable.exists(received) && t.exists("outbox/notifications/\(eml)"))
        // --now retries mail too.
        let now = try OptoutCLI.run(["deliver", "--now", "--root", t.root, "--mail-command", "\(recorder) \(received)"])
        #expect(now.status == 0, "\(now.stderr)")
        #expect(Durable.exists(received) && t.exists("outbox/notifications/sent/\(eml)"))
        #expect(t.read("outbox/notifications/sent/\(eml).attempts")?.contains("\"attempts\": 2") == true)
    }

    @Test func aHangingCommandIsKilledAtThePassBound() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let (t, eml) = try Self.workspaceWithNotifications()
        let hanging = try Self.script(t, "hang", "exec sleep 60")
        let started = Date()
        let result = try OptoutCLI.run(["deliver", "--root", t.root, "--max-seconds", "1", "--mail-command", hanging])
        let took = Date().timeIntervalSince(started)
        #expect(took < 8, "took \(took) s")
        #expect(result.status == 75)
        #expect(result.stderr.contains("killed"))
        #expect(t.exists("outbox/notifications/\(eml)"))
    }

    @Test func runPipesNotificationsAtItsEnd() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let t = try TempWorkspace(settings: Self.settings)
        try t.write("inbox/stops/log.csv", "from,timestamp,text\n+447700900002,2026-11-25T18:02:11Z,STOP\n")
        let received = Durable.parent(of: t.root) + "/received-\(UUID().uuidString).eml"
        let recorder = try Self.script(t, "record", "cat > \"$1\"")
        let run = try OptoutCLI.run(["run", "--root", t.root, "--mail-command", "\(recorder) \(received)"], environment: ["OPTOUT_NOW": "2026-11-26T12:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let sent = t.list("outbox/notifications/sent").filter { $0.hasSuffix(".eml") }
        #expect(sent.count == 1)
        #expect(FileManager.default.contents(atPath: received) == FileManager.default.contents(atPath: t.root + "/outbox/notifications/sent/" + sent[0]))
    }

    @Test func deliverExits78OnlyWithNeitherACallbackURLNorAMailCommand() throws {
        if let reason = OptoutCLI.missingReason { print(reason); return }
        let t = try TempWorkspace(settings: "{ \"default_country\": \"GB\" }")
        let neither = try OptoutCLI.run(["deliver", "--root", t.root])
        #expect(neither.status == 78 && neither.stderr.contains("--mail-command"))
        let mailOnly = try OptoutCLI.run(["deliver", "--root", t.root, "--mail-command", "/bin/true"])
        #expect(mailOnly.status == 0, "\(mailOnly.stderr)")
        let relative = try OptoutCLI.run(["deliver", "--root", t.root, "--mail-command", "sendmail -t -i"])
        #expect(relative.status == 64 && relative.stderr.contains("absolute path"))
    }

    @Test func theCommandIsSplitLikeAShellWithoutOne() throws {
        #expect(try MailCommand.split("/usr/sbin/sendmail -t -i") == ["/usr/sbin/sendmail", "-t", "-i"])
        #expect(try MailCommand.split("/x 'a b' \"c \\\"d\" e\\ f ''") == ["/x", "a b", "c \"d", "e f", ""])
        #expect(try MailCommand.split("/x $HOME;rm") == ["/x", "$HOME;rm"])
        #expect(throws: OptoutError.self) { try MailCommand.split("/x 'open") }
        #expect(throws: OptoutError.self) { try MailCommand.split("   ") }
    }
}
