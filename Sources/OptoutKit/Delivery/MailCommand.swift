// Mail command: sends the e-mail notifications (outbox/notifications/*.eml) by piping each one,
// byte for byte, to a command given on the command line (`--mail-command '/usr/sbin/sendmail -t
// -i'` of deliver, run and watch; never a settings key, since other systems write settings). The
// command is split into words (quotes and backslashes as a shell reads them) and run without a
// shell. Exit 0 → the .eml moves to outbox/notifications/sent/ (its attempt record follows it);
// anything else → it stays, with `<name>.eml.attempts` (DeliveryAttempts: count, last error, next
// attempt after the webhooks' backoff). Bounded like webhooks: no command starts after the pass's
// time bound, and a command still running at the bound is killed (SIGTERM, then SIGKILL 1 s later).
// Input: workspace, argv, DeliveryOptions (clock, bound, --now). Output: counts and diagnostics in
// `DeliveryReport` (mailed, mailRetrying, mailNotDue, leftForLater). Failures: `OptoutError` for a
// command line that cannot be used (64) and for a move or state write that fails (73/74); a
// command's failure is a diagnostic, never an error.

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package enum MailCommand {
    /// `text` split into argv without a shell: spaces separate words, '…' and "…" quote, \ escapes.
    package static func split(_ text: String) throws(OptoutError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped { word.append(c); escaped = false; inWord = true; continue }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escaped = true } else { word.append(c) }
                continue
            }
            switch c {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = c; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(word); word = ""; inWord = false }
            default: word.append(c); inWord = true
            }
        }
        if quote != nil || escaped { throw .usage("--mail-command has an unclosed quote or a trailing backslash: \(text)") }
        if inWord { words.append(word) }
        guard let program = words.first else { throw .usage("--mail-command needs a command: --mail-command '/usr/sbin/sendmail -t -i'") }
        guard program.hasPrefix("/") else {
            throw .usage("--mail-command needs an absolute path (it is run without a shell or PATH): --mail-command '/usr/sbin/sendmail -t -i', not \"\(program)\"")
        }
        return words
    }

    /// The .eml files waiting in outbox/notifications/, oldest name first.
    static func pending(_ ws: Workspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: ws.notificationsFolder)) ?? [])
            .filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.sorted()
    }

    /// `deliver` and the end of `run`: one pass under the delivery lock (a deliver already
    /// running sends them instead: a note).
    package static func pass(workspace ws: Workspace, argv: [String], options: DeliveryOptions,
                             locked: Bool = false) throws(OptoutError) -> DeliveryReport {
        var report = DeliveryReport()
        let lock: WorkspaceLock?
        if locked { lock = nil } else {
            do { lock = try WorkspaceLock(path: ws.deliverLockFile, wait: false) } catch .locked {
                report.diagnostics.append(Diagnostic(.note, nil, "mail: `optout deliver` is already running; notifications are left to it"))
                return report
            }
        }
        defer { lock?.release() }
        let started = Date()
        let budget = options.timeBudget ?? .infinity
        for name in pending(ws) {
            let path = "\(ws.notificationsFolder)/\(name)"
            let sidecar = DeliveryAttempts.path(for: path)
            var (attempts, problem) = DeliveryAttempts.decode(try? Durable.readFile(sidecar, limit: 1 << 16))
            if let problem { report.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(sidecar)), problem)) }
            let now = options.now()
            if !options.retryNow, let next = attempts.nextAttempt, next.seconds > now.seconds {
                report.mailNotDue += 1
                continue
            }
            let remaining = budget - Date().timeIntervalSince(started)
            if remaining <= 0 {
                report.leftForLater += 1
                continue
            }
            let outcome = run(argv, input: path, seconds: remaining, scratch: ws.tempFolder)
            attempts.attempts += 1
            attempts.firstAttempt = attempts.firstAttempt ?? now
            attempts.lastAttempt = now
            if outcome == nil {
                attempts.deliveredAt = now
                attempts.nextAttempt = nil
                attempts.lastError = nil
                let sent = "\(ws.notificationsFolder)/sent"
                try Durable.makeDirectory(sent)
                try Durable.writeFile(sidecar, attempts.encode(eventId: name), mode: 0o600)
                try Durable.move(path, to: "\(sent)/\(name)")
                try Durable.move(sidecar, to: "\(sent)/\(name).attempts")
                report.mailed += 1
            } else {
                let delay = options.retrySchedule.delay(afterFailures: attempts.attempts)
                attempts.nextAttempt = Timestamp(seconds: now.seconds + Int64(delay.rounded(.up)))
                attempts.lastError = outcome
                try Durable.writeFile(sidecar, attempts.encode(eventId: name), mode: 0o600)
                report.mailRetrying += 1
                report.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(path)),
                                                     "mail command \(outcome!); left in outbox/notifications/, retried after \(attempts.nextAttempt!.iso8601) (attempt \(attempts.attempts))"))
            }
        }
        return report
    }

    /// Runs `argv` with the file at `input` as its stdin; nil on exit 0, else what went wrong.
    /// Killed when it runs past `seconds`.
    static func run(_ argv: [String], input: String, seconds: Double, scratch: String) -> String? {
        guard let stdin = FileHandle(forReadingAtPath: input) else { return "could not be given \(input): \(String(cString: strerror(errno)))" }
        defer { try? stdin.close() }
        let errPath = "\(scratch)/mail-\(getpid())-\(Hex.encode(Durable.randomBytes(4))).err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { unlink(errPath) }
        guard let err = FileHandle(forWritingAtPath: errPath) else { return "could not start: cannot write \(errPath)" }
        defer { try? err.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = stdin
        process.standardOutput = err
        process.standardError = err
        do { try process.run() } catch { return "\(argv[0]) could not start: \(error.localizedDescription)" }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            let grace = Date().addingTimeInterval(1)
            while process.isRunning && Date() < grace { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return "\(argv[0]) still running at the pass bound (\(DeliveryJob.formatSeconds(seconds)) s left): killed"
        }
        process.waitUntilExit()
        if process.terminationReason == .exit && process.terminationStatus == 0 { return nil }
        let said = (try? Durable.readFile(errPath, limit: 4096)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let line = said.split(separator: "\n").first.map { ": \($0)" } ?? ""
        let how = process.terminationReason == .exit ? "exited \(process.terminationStatus)" : "died of signal \(process.terminationStatus)"
        return "\(argv[0]) \(how)\(line)"
    }
}

extension MailCommand {
    /// The end of a run: one bounded pass whose problems are diagnostics (warnings), never failures.
    package static func afterRun(workspace ws: Workspace, argv: [String], options: DeliveryOptions) -> DeliveryReport {
        do {
            var report = try pass(workspace: ws, argv: argv, options: options)
            report.diagnostics = report.diagnostics.map { Diagnostic($0.severity == .error ? .warning : $0.severity, $0.location, $0.message) }
            return report
        } catch {
            var report = DeliveryReport()
            report.diagnostics.append(Diagnostic(.warning, nil, "mail: \(error.description)"))
            return report
        }
    }
}
