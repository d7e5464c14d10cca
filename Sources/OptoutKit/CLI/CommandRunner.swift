// Command runner: executes a `Command` and maps the library's results and errors to the text and
// exit code a person or cron sees. The only place that decides wording for the terminal and the
// sysexits codes; main.swift just prints what this returns and exits.

import OptoutBase
import Foundation

/// What the process should print and return.
package struct CommandOutcome: Sendable, Equatable {
    package var stdout: String = ""
    package var stderr: String = ""
    package var exitCode: Int32 = 0
}

package enum CommandRunner {
    /// Runs argv (without the program name). `interactive`: stdout is a terminal.
    /// `stream` receives output as it happens for long-running commands (watch); `stopFD` becomes
    /// readable when the process is asked to stop (SIGTERM/SIGINT).
    /// `progress`, when given (stderr is a terminal), receives progress lines for long runs.
    package static func main(_ args: [String], interactive: Bool, stopFD: Int32 = -1,
                            progress: (@Sendable (String) -> Void)? = nil,
                            stream: (CommandOutcome) -> Void = { _ in }) -> CommandOutcome {
        do {
            let command = try CommandLineParser.parse(args)
            if case .watch(let root, let verbose, let mail) = command {
                try WatchCommand.run(root: root, mailCommand: mail, stopFD: stopFD) { result in
                    switch result {
                    case .success(let report): stream(render(report, loud: interactive || verbose))
                    case .failure(let error): stream(CommandOutcome(stderr: "optout: \(error.description)\n", exitCode: code(for: error)))
                    }
                }
                return CommandOutcome(stdout: interactive || verbose ? "optout watch: stopped\n" : "")
            }
            return try execute(command, interactive: interactive, progress: progress)
        } catch {
            return CommandOutcome(stderr: "optout: \(error.description)\n", exitCode: code(for: error))
        }
    }

    package static func code(for error: OptoutError) -> Int32 {
        switch error {
        case .usage: return ExitCode.usage
        case .configuration: return ExitCode.config
        case .cannotCreate: return ExitCode.cannotCreate
        case .io: return ExitCode.ioError
        case .locked: return ExitCode.tempFail
        case .internalError: return ExitCode.software
        }
    }

    static func execute(_ command: Command, interactive: Bool, progress: (@Sendable (String) -> Void)? = nil) throws(OptoutError) -> CommandOutcome {
        switch command {
        case .help(let text):
            return CommandOutcome(stdout: text + "\n")
        case .version:
            return CommandOutcome(stdout: CommandLineParser.version + "\n")
        case .initialize(let dir):
            let created = try InitCommand.run(dir: dir)
            return CommandOutcome(stdout: created.isEmpty ? "" : "created \(created)\n")
        case .newLinkKey(let dir):
            return CommandOutcome(stdout: try InitCommand.runNewLinkKey(dir: dir) + "\n")
        case .status(let root, let json):
            let status = try StatusCommand.run(root: root)
            return CommandOutcome(stdout: json ? status.json() : status.text())
        case .lookup(let root, let number, let json):
            return renderLookup(try LookupCommand.run(root: root, number: number), json: json)
        case .site(let root, let options):
            let outcome = try SiteCommand.run(root: root, options: options)
            var text = outcome.files.map { "wrote \($0)" }.joined(separator: "\n") + "\n"
            text += "nginx: include \(outcome.files.last ?? "outbox/site/nginx.conf") in http { }; links matching \(outcome.linkPattern) are logged to \(outcome.accessLog): copy that log into inbox/clicks/ before `optout run`\n"
            return CommandOutcome(stdout: text)
        case .run(let root, let verbose, let mail):
            return render(try RunCommand.run(root: root, mailCommand: mail, progress: progress), loud: interactive || verbose)
        case .watch:
            throw .internalError("watch runs through CommandRunner.main")
        case .deliver(let root, let verbose, let maxSeconds, let now, let mail):
            let report = try DeliverCommand.run(root: root, maxSeconds: maxSeconds, now: now, mailCommand: mail)
            return renderDelivery(report, loud: interactive || verbose, maxSeconds: maxSeconds)
        }
    }

    /// A lookup: the history on stdout; a send after an opt-out and what makes it incomplete on
    /// stderr (74 for damaged ledger records or keys files not read).
    static func renderLookup(_ outcome: LookupOutcome, json: Bool) -> CommandOutcome {
        var out = CommandOutcome()
        out.stdout = json ? LookupText.json(outcome.history, asWritten: outcome.asWritten) : LookupText.text(outcome.history, asWritten: outcome.asWritten)
        for campaign in outcome.history.sentAfterOptOut {
            out.stderr += "optout lookup: \(outcome.history.number.e164) was SENT AFTER OPT-OUT in campaign \(campaign.campaign.name) (built \(campaign.campaign.builtAt.iso8601))\n"
        }
        for problem in outcome.problems { out.stderr += "optout lookup: \(problem) (this history may be incomplete)\n" }
        if outcome.damagedRecords > 0 || !outcome.problems.isEmpty { out.exitCode = ExitCode.ioError }
        return out
    }

    /// Failures and retries always go to stderr; the summary only when someone is watching.
    static func renderDelivery(_ report: DeliveryReport, loud: Bool, maxSeconds: Double = DeliveryJob.deliverBudgetSeconds) -> CommandOutcome {
        var out = CommandOutcome()
        for d in report.diagnostics where d.severity != .note || loud {
            out.stderr += d.description + "\n"
        }
        if report.leftForLater > 0 {
            out.stderr += "optout deliver: stopped starting attempts after \(DeliveryJob.formatSeconds(maxSeconds)) s (--max-seconds); \(report.leftForLater) payloads left in outbox/webhooks/pending/ for the next pass\n"
        }
        if loud {
            out.stdout = "webhooks delivered: \(report.delivered), to retry: \(report.retrying), failed: \(report.failed), not yet due: \(report.notDue), waiting for an earlier payload of the same number: \(report.waitingForEarlier)"
                + (report.leftForLater > 0 ? ", left for the next pass: \(report.leftForLater)" : "") + "\n"
        }
        if loud && report.mailed + report.mailRetrying + report.mailNotDue > 0 {
            out.stdout += "notifications mailed: \(report.mailed), to retry: \(report.mailRetrying), not yet due: \(report.mailNotDue)\n"
        }
        out.exitCode = report.failed > 0 ? ExitCode.dataError : (report.retrying + report.mailRetrying + report.leftForLater > 0 ? ExitCode.tempFail : ExitCode.ok)
        return out
    }

    /// The run's exit code: every condition it met, combined by `ExitCode.precedence`.
    static func exitCode(for report: RunReport) -> Int32 {
        var codes: [Int32] = []
        if report.damagedLedgerRecords > 0 { codes.append(ExitCode.ioError) }
        if report.rejectedInputs > 0 || report.unreadableOptOutRows > 0 || report.unusableDecisionRows > 0 { codes.append(ExitCode.dataError) }
        codes.append(contentsOf: report.held.map(\.exitCode))
        return ExitCode.combine(codes)
    }

    /// Errors always go to stderr; the summary and notes only when someone is watching.
    static func render(_ report: RunReport, loud: Bool) -> CommandOutcome {
        var out = CommandOutcome()
        // Settings that weaken opt-outs are named at every run, even under cron (exit code kept).
        for d in report.settingsWarnings { out.stderr += d.description + "\n" }
        for d in report.diagnostics where d.severity == .error || loud {
            out.stderr += d.description + "\n"
        }
        if loud {
            var lines: [String] = []
            lines.append("messages read: \(report.messagesRead), new opt-outs: \(report.newOptOuts), resubscribed: \(report.resubscribed), webhook payloads written: \(report.webhooksWritten)")
            if let m = report.mail { lines.append("notifications mailed: \(m.mailed), to retry: \(m.mailRetrying), not yet due: \(m.mailNotDue)") }
            if let d = report.delivery { lines.append("webhooks delivered: \(d.delivered), to retry: \(d.retrying), failed: \(d.failed), left for later: \(d.notDue + d.waitingForEarlier + d.leftForLater)") }
            for path in report.listReports { lines.append("list checked: \(path)") }
            if report.importRows > 0 { lines.append("suppression import rows read: \(report.importRows)") }
            for path in report.unsubscriptionFiles { lines.append("unsubscriptions: \(path)") }
            for path in report.complianceReports { lines.append("compliance report: \(path)") }
            for late in report.lateConfirmations { lines.append("confirmation left out (more than 5 minutes after the opt-out): \(late)") }
            for c in report.campaigns {
                let skipped = c.skipped.values.reduce(0, +)
                lines.append("campaign \(c.name): \(c.toSend) to send, \(skipped) skipped, \(c.segments) segments → \(c.outputs.first ?? "")")
            }
            for path in report.lookupFiles { lines.append("lookups: \(path)") }
            lines += report.previews  // PreviewJob
            if let clicks = report.clickReport { lines.append("opt-out page logs: \(report.clickRequests) link requests → \(clicks)") }
            lines.append("suppressions: \(report.suppressions) → outbox/suppressions.csv")
            if report.rejectedInputs > 0 { lines.append("\(report.rejectedInputs) input file(s) rejected: see the rejected/ folders") }
            out.stdout = lines.joined(separator: "\n") + "\n"
        }
        // Review items that need a person, even under cron.
        for notice in report.reviewNotices { out.stderr += "optout: \(notice)\n" }
        // Opt-outs near or past their deadline and not yet in force, even under cron (issue 17).
        for warning in report.deadlineWarnings { out.stderr += "optout: \(warning)\n" }
        // Held campaigns are named on stderr with their cause, even under cron.
        for held in report.held {
            out.stderr += "\(held.file): held: \(held.cause)\n"
        }
        out.exitCode = exitCode(for: report)
        return out
    }
}
