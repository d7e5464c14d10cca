// The run: everything waiting in the inbox, processed once (`optout run`, and each pass of watch).
// Order (PRODUCT.md "Rules"): settings → ledger and journal → every opt-out input (STOP logs) into
// the ledger, fsynced → webhook payload files → list reports → campaigns → suppressions.csv.
// The inbox is looked at once (RunPlan); each step (Steps/) takes the plan and the `RunState` and
// returns its result, merged here into the report in order.
// Input: a workspace. Output: `RunReport` (what was done, diagnostics for people). Failures:
// `OptoutError` for what stops the whole run (no workspace, bad settings, lock held, I/O); a bad
// input file never stops the run: it is rejected and counted.

import OptoutBase
import Foundation

package struct RunOptions: Sendable {
    /// Overrides settings' settle_seconds (tests use 0).
    package var settleSeconds: Double?
    /// Wait for the lock instead of failing with `.locked`.
    package var waitForLock = false
    package var now: Timestamp?
    /// Options for the webhook delivery at the end of the run (nil: bounded defaults).
    package var delivery: DeliveryOptions?
    /// `--mail-command`: e-mail notifications are piped to it at the end (MailCommand).
    package var mailCommand: [String]?
    /// Receives a progress line now and then during long work (the CLI shows it on a terminal).
    package var progress: (@Sendable (String) -> Void)?

    package init(settleSeconds: Double? = nil, waitForLock: Bool = false, now: Timestamp? = nil) {
        self.settleSeconds = settleSeconds
        self.waitForLock = waitForLock
        self.now = now
    }
}

package struct RunReport: Sendable {
    package var diagnostics: [Diagnostic] = []
    package var rejectedInputs = 0
    package var messagesRead = 0
    package var newOptOuts = 0
    package var resubscribed = 0
    package var webhooksWritten = 0
    package var listReports: [String] = []
    package var campaigns: [CampaignSummary] = []
    /// Previews written this run (PreviewJob), a line each for people.
    package var previews: [String] = []
    package var waiting: [String] = []
    package var suppressions = 0
    /// Requests for opt-out links in the page logs read, and the report about them.
    package var clickRequests = 0
    package var clickReport: String?
    /// Numbers read from suppression imports (inbox/suppressions/).
    package var importRows = 0
    /// The unsubscription report and notification files written this run.
    package var unsubscriptionFiles: [String] = []
    /// The webhook delivery at the end of the run, when a callback URL is set.
    package var delivery: DeliveryReport?
    /// The e-mail notifications piped to --mail-command at the end of the run.
    package var mail: DeliveryReport?
    /// Campaigns left in the inbox this run, each with its cause and exit code (75: an opt-out
    /// input still arriving or rejected; 78: settings or state that must be fixed first).
    package var held: [HeldCampaign] = []
    /// Rows of opt-out inputs that could not be read (the rest of each file was applied): 65.
    package var unreadableOptOutRows = 0
    /// Damaged (not torn-final) ledger records found while opening the ledger: 74.
    package var damagedLedgerRecords = 0
    /// Review items opened this run (they reach a person: stderr line, review report, status).
    package var reviewItemsOpened = 0
    /// The review report written this run, if any.
    package var reviewReport: String?
    /// Allowed but unwise settings (an opt-out list without STOP): on stderr at every run.
    package var settingsWarnings: [Diagnostic] = []
    /// Lines about review items that a person must see (printed even under cron).
    package var reviewNotices: [String] = []
    /// Review items open after this run (`optout status` counts them too).
    package var reviewItemsOpen = 0
    /// Rows of decision files (inbox/reviews/) that could not be used: 65.
    package var unusableDecisionRows = 0
    /// Why the lease probe could not tell whether a writer holds a file open (the settle rule
    /// alone applied), nil when it answered for every file.
    package var leaseProbeUnavailable: String?
    /// Confirmations left out of the confirmation send file: more than 5 minutes late (issue 17).
    package var lateConfirmations: [String] = []
    /// Opt-outs not yet in force within a day of their deadline, or past it (issue 17): on stderr
    /// at every run, even under cron; no exit code of their own.
    package var deadlineWarnings: [String] = []
    /// Compliance reports written by this run (issue 17 item 4).
    package var complianceReports: [String] = []
    /// Opt-out inputs read and left in place this run (a writer keeps them open): what they held
    /// is in force, so their deadlines count from now (FirstSeen).
    package var readInPlace: [String] = []
    /// Answers written for inbox/lookups/ (outbox/lookups/<name>.csv) and the numbers looked up.
    package var lookupFiles: [String] = []
    package var lookupNumbers = 0
}

package enum RunJob {
    package static func run(root: String, options: RunOptions = RunOptions()) throws(OptoutError) -> RunReport {
        // Root resolved once; every folder a real directory (78 before anything is read or moved).
        let ws = try Workspace.open(root: root)
        let lock = try WorkspaceLock(path: ws.lockFile, wait: options.waitForLock)
        defer { lock.release() }
        // .optout/last-attempt.json: started now, its outcome at the end, failures too (RunAttempt).
        let attempt = RunAttempt(path: ws.lastAttemptFile, started: options.now ?? .now())
        do {
            let report = try runLocked(ws, options: options, attempt: attempt)
            attempt.finish(report, at: options.now ?? .now())
            return report
        } catch {
            attempt.fail(error, at: options.now ?? .now())
            throw error
        }
    }

    static func runLocked(_ ws: Workspace, options: RunOptions, attempt: RunAttempt) throws(OptoutError) -> RunReport {
        attempt.step("settings")
        let settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        let ledger = try Ledger(path: ws.ledgerFile, checkpoint: ws.ledgerCheckpointFile)
        let journal = try Journal(path: ws.journalFile)
        let reviewLog = try ReviewLog(path: ws.reviewsFile)
        let now = options.now ?? .now()
        let state = RunState(workspace: ws, settings: settings, ledger: ledger, journal: journal, reviewLog: reviewLog,
                             now: now, progress: options.progress)
        var log = StepLog()
        for problem in ledger.problems + journal.problems + reviewLog.problems { log.add(.warning, nil, problem) }
        for path in StaleTemps.sweep(ws) { log.add(.note, nil, "\(path): removed (left by an interrupted run)") }
        var report = RunReport()
        report.settingsWarnings = settings.warnings
        // The inbox looked at once: files, readiness (one settle wait), templates read (RunPlan).
        let plan = RunPlan(workspace: ws, journal: journal, settle: options.settleSeconds ?? settings.settleSeconds, now: now)
        defer { plan.readiness.cleanUp() }
        if let first = plan.readiness.probeUnavailable.first {
            report.leaseProbeUnavailable = first.reason
            log.add(.note, SourceLocation(file: ws.display(first.path)), "lease probe unavailable (\(first.reason)) for \(plan.readiness.probeUnavailable.count) file(s): settle rule only")
        }
        // The run report page's name, claimed before anything changes (RunReportOutput).
        let page = try RunReportOutput.begin(ws, journal: journal, now: now)
        // Issue 13 hook: the export runs on a thread of its own once the opt-outs are recorded (runSteps), unless unchanged.
        let export = SuppressionExport.Background(ledger: ledger, to: ws.suppressionsFile, stampPath: ws.suppressionsStampFile)
        defer { export.close() }
        // LedgerCheckpoint: written on a thread of its own from the same final state.
        let checkpoint = LedgerCheckpoint.Background(ledger: ledger, to: ws.ledgerCheckpointFile)
        defer { checkpoint.close() }
        try runSteps(plan: plan, state: state, report: &report, log: &log, attempt: attempt, export: export, checkpoint: checkpoint)
        // 5. The suppression list as it stands.
        attempt.step("suppressions")
        // (webhook delivery at the end of a run goes after this)
        try export.finish()
        report.suppressions = ledger.state.optedOutCount
        // The state for the next run to start from (a cache: a failure only warns).
        do throws(OptoutError) { try checkpoint.finish() } catch {
            log.add(.warning, nil, "ledger checkpoint not written (the next run replays the whole ledger): \(error.description)")
        }
        // Issue 17 item 1: when each opt-out input was first seen; deadlines within a day (stderr).
        var pending: [PendingOptOut] = []
        do throws(OptoutError) {
            let firstSeen = try FirstSeen.update(ws, now: now, readNow: Set(report.readInPlace))
            pending = PendingDeadlines.collect(ws, settings: settings, firstSeen: firstSeen, openReviews: reviewLog.open)
            report.deadlineWarnings = PendingDeadlines.warnings(pending, now: now)
        } catch { log.add(.warning, nil, "opt-out deadlines not checked: \(error.description)") }
        // Issue 17 item 4: campaigns held, kept for the compliance report; the reports of months
        // ended since the previous run.
        try HoldLog.append(report.held, at: now, path: ws.holdsFile)
        report.complianceReports = try ComplianceReport.writeDue(state: state, previousRun: LastRun.finished(path: ws.lastRunFile), pending: pending)
        report.diagnostics = log.diagnostics
        report.rejectedInputs = log.rejectedInputs
        _ = try RunReportOutput.finish(page, report: report, state: state)
        try LastRun.write(report, path: ws.lastRunFile, at: now)
        // 6. Webhook delivery, after everything else is durable: bounded in time, and its
        //    problems are diagnostics (a slow or failing receiver never fails the intake).
        if settings.optoutCallbackURL != nil {
            attempt.step("delivery")
            let delivery = DeliveryJob.afterRun(workspace: ws, settings: settings, options: options.delivery ?? .forRun(now: options.now))
            report.delivery = delivery
            report.diagnostics += delivery.diagnostics.map { Diagnostic($0.severity == .error ? .warning : $0.severity, $0.location, $0.message) }
        }
        if let argv = options.mailCommand {
            attempt.step("mail")
            report.mail = MailCommand.afterRun(workspace: ws, argv: argv, options: options.delivery ?? .forRun(now: options.now))
            report.diagnostics += report.mail?.diagnostics ?? []
        }
        return report
    }

    /// Steps 1-4 of a run (PRODUCT.md "Rules"), each returning what it did.
    static func runSteps(plan: RunPlan, state: RunState, report: inout RunReport, log: inout StepLog,
                         attempt: RunAttempt? = nil, export: SuppressionExport.Background? = nil,
                         checkpoint: LedgerCheckpoint.Background? = nil) throws(OptoutError) {
        // 1. Opt-out inputs, all of them, before any campaign (OptOutIntake).
        attempt?.step("opt-out inputs")
        var intake = try OptOutIntake.run(plan: plan, state: state)
        report.waiting += intake.waiting
        (report.messagesRead, report.importRows, report.clickRequests) = (intake.messagesRead, intake.importRows, intake.clickRequests)
        // 2. Into the ledger and the review log, fsynced (RecordOptOuts); then what they produce.
        let recorded = try RecordOptOuts.run(&intake, state: state)
        export?.start()  // issue 13 hook: the ledger's state is final for this run: suppressions.csv on its own thread
        checkpoint?.start()  // and the ledger checkpoint on another
        // Imports are read while they are recorded (ImportStream): their figures and log only now.
        log.append(intake.log)
        report.importRows = intake.importRows
        report.unreadableOptOutRows += intake.unreadableOptOutRows
        let reviewed = recorded.reviewed
        (report.reviewItemsOpened, report.reviewReport, report.reviewNotices) = (reviewed.opened, reviewed.report, reviewed.notices)
        (report.damagedLedgerRecords, report.reviewItemsOpen, report.unusableDecisionRows) = (reviewed.damagedOpen, reviewed.openItems, intake.decisions.rowErrors)
        log.diagnostics += reviewed.diagnostics
        (report.newOptOuts, report.resubscribed) = (recorded.newOptOuts, recorded.resubscribed)
        let outputs = try OptOutOutputs.run(intake, state: state)
        (report.webhooksWritten, report.unsubscriptionFiles) = (outputs.webhooksWritten, outputs.unsubscriptionFiles)
        report.lateConfirmations = outputs.lateConfirmations   // issue 17 item 3
        report.clickReport = outputs.clickReport.map { state.display($0.path) }
        let consumed = try ConsumeInputs.run(intake, clickReport: outputs.clickReport, state: state)
        // Issue 17: opt-out inputs read and left in place (a writer keeps them open): in force up to now.
        report.readInPlace = intake.consumed.map(\.file).filter(\.leaveInPlace).map { state.workspace.display($0.path) }
        log.append(consumed.log)
        report.unreadableOptOutRows += consumed.unreadableRows
        // 2b. Quiet hours: scheduled send files whose time has not come lose the numbers opted out since (LaterRefilter).
        log.append(try LaterRefilter.run(state: state).log)
        // 3. Lists: a report for each new or changed list (those a campaign names: from its pass).
        attempt?.step("lists")
        let lists = try ListReports.run(plan: plan, state: state)
        log.append(lists.log)
        report.waiting += lists.waiting
        // 4. Campaigns, unless an opt-out may still be missing (CampaignHolds).
        attempt?.step("campaigns")
        let campaigns = try Campaigns.run(plan: plan, state: state, deferredLists: lists.deferred,
                                          readInPlace: intake.consumed.map(\.file).filter(\.leaveInPlace), holdCauses: log.holdCauses)
        log.append(campaigns.log)
        report.waiting += campaigns.waiting
        (report.campaigns, report.held) = (campaigns.campaigns, campaigns.held)
        // 4b. Lists whose campaign did not check them (held or rejected before its pass).
        let rest = try ListReports.finish(lists.deferred.filter { !campaigns.listsChecked.contains($0.key) }.map(\.value), state: state)
        log.append(rest.log)
        report.listReports = (lists.reports + rest.reports + campaigns.listReports).sorted()
        // 4c. Lookups dropped into inbox/lookups/, after the campaigns (issue 17: InboxLookups).
        let lookups = try InboxLookups.run(plan: plan, state: state)
        log.append(lookups.log)
        report.waiting += lookups.waiting
        (report.lookupFiles, report.lookupNumbers) = (lookups.outputs, lookups.numbers)
        // 4c. Previews (inbox/previews/): built against the opt-outs as they now stand, never consumed.
        let previews = PreviewJob.run(plan: plan, state: state, holdCauses: log.holdCauses)
        log.append(previews.log)
        report.previews = previews.lines
    }
}

/// .optout/last-run.json: when the last run ended and how, for `optout status`.
package enum LastRun {
    package static func write(_ report: RunReport, path: String, at time: Timestamp) throws(OptoutError) {
        let outcome = report.rejectedInputs > 0 ? "some input rejected" : "ok"
        // Held campaigns and the lease probe's answer, for `status` (CampaignHolds, FileReadiness).
        let extra: [String: Any] = ["held": report.held.map { ["file": $0.file, "cause": $0.cause] },
                                    "lease_probe": report.leaseProbeUnavailable ?? "ok"]
        let extraJSON = (try? JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys])).map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? ""
        let json = """
        {"finished": "\(time.iso8601)", "outcome": "\(outcome)", "new_optouts": \(report.newOptOuts), \
        "campaigns": \(report.campaigns.count), "rejected": \(report.rejectedInputs), "suppressions": \(report.suppressions), \(extraJSON)}

        """
        try Durable.writeFile(path, json, mode: 0o600)
    }

    /// When the last run finished, if it did.
    package static func finished(path: String) -> Timestamp? {
        (read(path: path)?["finished"] as? String).flatMap { Timestamp.parse($0, zone: .gmt) }
    }

    package static func read(path: String) -> [String: Any]? {
        guard let bytes = try? Durable.readFile(path) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }
}
