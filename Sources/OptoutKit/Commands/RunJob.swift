// The run: everything waiting in the inbox, processed once (`optout run`, and each pass of watch).
// Order (PRODUCT.md "Rules"): settings → ledger and journal → every opt-out input (STOP logs) into
// the ledger, fsynced → webhook payload files → list reports → campaigns → suppressions.csv.
// Input: a workspace. Output: `RunReport` (what was done, diagnostics for people). Failures:
// `OptoutError` for what stops the whole run (no workspace, bad settings, lock held, I/O); a bad
// input file never stops the run: it is rejected and counted.

import OptoutBase
import Foundation

public struct RunOptions: Sendable {
    /// Overrides settings' settle_seconds (tests use 0).
    public var settleSeconds: Double?
    /// Wait for the lock instead of failing with `.locked`.
    public var waitForLock = false
    public var now: Timestamp?
    /// Options for the webhook delivery at the end of the run (nil: bounded defaults).
    public var delivery: DeliveryOptions?
    /// Receives a progress line now and then during long work (the CLI shows it on a terminal).
    public var progress: (@Sendable (String) -> Void)?

    public init(settleSeconds: Double? = nil, waitForLock: Bool = false, now: Timestamp? = nil) {
        self.settleSeconds = settleSeconds
        self.waitForLock = waitForLock
        self.now = now
    }
}

public struct RunReport: Sendable {
    public var diagnostics: [Diagnostic] = []
    public var rejectedInputs = 0
    public var messagesRead = 0
    public var newOptOuts = 0
    public var resubscribed = 0
    public var webhooksWritten = 0
    public var listReports: [String] = []
    public var campaigns: [CampaignSummary] = []
    public var waiting: [String] = []
    public var suppressions = 0
    /// Requests for opt-out links in the page logs read, and the report about them.
    public var clickRequests = 0
    public var clickReport: String?
    /// Numbers read from suppression imports (inbox/suppressions/).
    public var importRows = 0
    /// The unsubscription report and notification files written this run.
    public var unsubscriptionFiles: [String] = []
    /// The webhook delivery at the end of the run, when a callback URL is set.
    public var delivery: DeliveryReport?
    /// Campaigns left in the inbox this run, each with its cause and exit code (75: an opt-out
    /// input still arriving or rejected; 78: settings or state that must be fixed first).
    public var held: [HeldCampaign] = []
    /// Rows of opt-out inputs that could not be read (the rest of each file was applied): 65.
    public var unreadableOptOutRows = 0
    /// Damaged (not torn-final) ledger records found while opening the ledger: 74.
    public var damagedLedgerRecords = 0
    /// Review items opened this run (they reach a person: stderr line, review report, status).
    public var reviewItemsOpened = 0
    /// The review report written this run, if any.
    public var reviewReport: String?
    /// Allowed but unwise settings (an opt-out list without STOP): on stderr at every run.
    public var settingsWarnings: [Diagnostic] = []
    /// Lines about review items that a person must see (printed even under cron).
    public var reviewNotices: [String] = []
    /// Review items open after this run (`optout status` counts them too).
    public var reviewItemsOpen = 0
    /// Rows of decision files (inbox/reviews/) that could not be used: 65.
    public var unusableDecisionRows = 0
    /// Why the lease probe could not tell whether a writer holds a file open (the settle rule
    /// alone applied), nil when it answered for every file.
    public var leaseProbeUnavailable: String?
}

public enum RunJob {
    public static func run(root: String, options: RunOptions = RunOptions()) throws(OptoutError) -> RunReport {
        // Root resolved once; every folder a real directory (78 before anything is read or moved).
        let ws = try Workspace.open(root: root)
        let lock = try WorkspaceLock(path: ws.lockFile, wait: options.waitForLock)
        defer { lock.release() }
        let settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        let ledger = try Ledger(path: ws.ledgerFile)
        let journal = try Journal(path: ws.journalFile)
        let reviewLog = try ReviewLog(path: ws.reviewsFile)
        let now = options.now ?? .now()
        let context = RunContext(workspace: ws, settings: settings, ledger: ledger, journal: journal, now: now)
        context.progress = options.progress
        for problem in ledger.problems + journal.problems + reviewLog.problems { context.diagnostics.append(Diagnostic(.warning, nil, problem)) }
        for path in StaleTemps.sweep(ws) { context.diagnostics.append(Diagnostic(.note, nil, "\(path): removed (left by an interrupted run)")) }
        let settle = options.settleSeconds ?? settings.settleSeconds
        var report = RunReport()
        report.settingsWarnings = settings.warnings
        // Which dropped files are ready: decided once, with one settle wait (FileReadiness.swift).
        let wallClock = Date().timeIntervalSince1970
        var rereads: [InputKind: [DroppedFile]] = [:]
        for kind in CampaignHolds.optOutKinds { rereads[kind] = CampaignHolds.processedToReread(kind, ws: ws, journal: journal, now: wallClock) }
        let readiness = RunReadiness(files: InputKind.allCases.flatMap { DropFolder.scan(ws.folder($0), settle: 0).ready } + rereads.values.flatMap { $0 },
                                     settle: settle, snapshotFolder: ws.state)
        defer { readiness.cleanUp() }
        if let first = readiness.probeUnavailable.first {
            report.leaseProbeUnavailable = first.reason
            context.diagnostics.append(Diagnostic(.note, SourceLocation(file: ws.display(first.path)), "lease probe unavailable (\(first.reason)) for \(readiness.probeUnavailable.count) file(s): settle rule only"))
        }

        func scan(_ kind: InputKind) throws(OptoutError) -> [DroppedFile] {
            let found = DropFolder.scan(ws.folder(kind), settle: 0)
            let optOut = CampaignHolds.optOutKinds.contains(kind)
            let taken = readiness.split(found.ready, optOut: optOut)
            let again = readiness.split(optOut ? rereads[kind] ?? [] : [], optOut: true)
            for (file, reason) in taken.waiting + again.waiting {
                report.waiting.append(ws.display(file.path))
                context.diagnostics.append(Diagnostic(.note, SourceLocation(file: ws.display(file.path)), "\(reason); left for the next run"))
                // (One a writer keeps open with no complete line yet, unchanged: nothing to wait for.)
                if optOut && readiness.state(of: file) != .openStable { context.holds.holdCampaigns(cause: "\(ws.display(file.path)): \(reason)") }
            }
            for (name, reason) in found.unusable {
                let file = DroppedFile(path: "\(ws.folder(kind))/\(name)", name: RunContext.safeName(name), size: 0, modified: now)
                // A name that is not valid UTF-8 arrives here lossily decoded: no file has that
                // name, so it cannot be moved (and must not stop the run): it is left in place.
                if DropFolder.isSafeName(Array(name.utf8)) && Durable.exists(file.path) {
                    try context.reject(file, kind: kind, reasons: [reason])
                } else {
                    context.diagnostics.append(Diagnostic(.error, SourceLocation(file: ws.display(ws.folder(kind))), "\"\(RunContext.safeName(name))\": \(reason); left in place"))
                    context.rejectedInputs += 1
                }
            }
            var ready: [DroppedFile] = again.ready.map { var file = $0; file.leaveInPlace = true; return file }
            for file in taken.ready {
                if kind.accepts(file.name) { ready.append(file) } else if file.leaveInPlace { continue } else {
                    try context.reject(file, kind: kind, reasons: ["not a file this folder takes \(kind.acceptedDescription)"])
                }
            }
            return ready
        }
        // An opt-out input that cannot be read: rejected, unless it is read in place (a writer
        // keeps it open, or it is a processed/ file read again), which stays and is said.
        func refuse(_ file: DroppedFile, _ kind: InputKind, _ reason: String) throws(OptoutError) {
            guard file.leaveInPlace else { return try context.reject(file, kind: kind, reasons: [reason]) }
            context.diagnostics.append(Diagnostic(.error, SourceLocation(file: ws.display(file.path)), "\(reason); left in place, read again when it changes"))
            context.holds.holdCampaigns(cause: "\(ws.display(file.path)) could not be read")
            if file.path.hasPrefix(ws.processed(kind) + "/") {
                context.rejectedInputs += 1
                _ = try CampaignHolds.consume(file, kind: kind, ws: ws, journal: journal)
            }
        }

        // 1. Opt-out inputs, all of them, before any campaign. Each intake adds its events and
        //    the files it consumed; the files move to processed/ only after the ledger is fsynced.
        var events: [IncomingEvent] = []
        // Review items found by the readers; made durable with the events (see ReviewItem).
        var reviews: [ReviewItem] = []
        var consumed: [(file: DroppedFile, kind: InputKind)] = []
        // Opt-out inputs read in part: their unreadable rows (see PartialInput).
        var partial: [String: [UnreadableRow]] = [:]
        // 1a. STOP logs (replies to the toll-free number).
        let stopReader = StopLogReader(parser: context.parser, settings: settings, now: now)
        for file in try scan(.stops) {
            do {
                let contents = try stopReader.read(path: file.readPath, displayName: ws.display(file.path))
                events.append(contentsOf: contents.events)
                reviews.append(contentsOf: contents.reviews)
                report.messagesRead += contents.messages
                context.diagnostics.append(contentsOf: contents.rowProblems)
                if !contents.unreadableRows.isEmpty { partial[file.path] = contents.unreadableRows }
                report.unreadableOptOutRows += contents.unreadableSenders
                consumed.append((file, .stops))
            } catch {
                try refuse(file, .stops, error.description)
            }
        }
        // 1b. Suppression imports (opt-outs from other systems; they only add). An import whose
        //     bytes were imported before is only moved (its numbers are in the ledger already).
        var importKeys: [String] = []
        for file in try scan(.suppressions) {
            let key = try RunContext.contentKey(file.readPath)
            if journal.wasDone(kind: "suppressions", key: key) {
                context.diagnostics.append(Diagnostic(.note, SourceLocation(file: ws.display(file.path)), "imported before (same content); moved to processed/ without recording again"))
                consumed.append((file, .suppressions))
                continue
            }
            do {
                let contents = try SuppressionImport.read(path: file.readPath, displayName: ws.display(file.path), inputHash: String(key.prefix(16)),
                                                          parser: context.parser, settings: settings, now: now)
                events.append(contentsOf: contents.events)
                reviews.append(contentsOf: contents.reviews)
                report.importRows += contents.rows
                context.diagnostics.append(contentsOf: contents.rowProblems)
                if !contents.unreadableRows.isEmpty { partial[file.path] = contents.unreadableRows }
                report.unreadableOptOutRows += contents.unreadableSenders
                consumed.append((file, .suppressions))
                importKeys.append(key)
            } catch {
                try refuse(file, .suppressions, error.description)
            }
        }
        // 1c. Opt-out page logs: confirmations on the opt-out page (ClickIntake).
        var clicks: ClickIntake? = nil
        let clickFiles = try scan(.clicks)
        if !clickFiles.isEmpty {
            let intake = try ClickIntake(workspace: ws, settings: settings, now: now)
            for file in clickFiles {
                let key = try RunContext.contentKey(file.readPath)
                do {
                    try intake.read(path: file.readPath, displayName: ws.display(file.path), inputHash: String(key.prefix(16)), contentKey: key)
                    consumed.append((file, .clicks))
                } catch {
                    try refuse(file, .clicks, error.description)
                }
            }
            try intake.finish()
            events.append(contentsOf: intake.events)
            reviews.append(contentsOf: intake.reviews)
            context.diagnostics.append(contentsOf: intake.diagnostics)
            report.clickRequests = intake.requests
            clicks = intake
        }

        // 1d. Decisions on review items (inbox/reviews/): closings, and events for applied items.
        let decisions = try ReviewDecisions.read(try scan(.reviews),
                                                 log: reviewLog, context: context)
        events.append(contentsOf: decisions.events)

        // 2. Into the ledger, time-ordered and fsynced, before anything depends on them; then the
        //    review items and decisions into the review log (fsynced), and the review report.
        let written = try ledger.record(events, at: now)
        CrashPoints.step("run: ledger synced, review log not yet")
        let reviewed = try ReviewStep.afterLedger(log: reviewLog, items: reviews, decisions: decisions, ledger: ledger, journal: journal, settings: settings,
                                                  workspace: ws, now: now, lastRunFinished: LastRun.finished(path: ws.lastRunFile))
        (report.reviewItemsOpened, report.reviewReport, report.reviewNotices) = (reviewed.opened, reviewed.report, reviewed.notices)
        (report.damagedLedgerRecords, report.reviewItemsOpen, report.unusableDecisionRows) = (reviewed.damagedOpen, reviewed.openItems, decisions.rowErrors)
        context.diagnostics.append(contentsOf: reviewed.diagnostics)
        for record in written where record.effect == .applied {
            if record.kind == .optOut { report.newOptOuts += 1 }
            if record.kind == .optIn { report.resubscribed += 1 }
        }
        // 2a. Webhook payloads for every applied opt-out not yet covered (also after a crash).
        let uncovered = ledger.appliedOptOuts.filter { $0.seq > journal.webhookWatermark }
        report.webhooksWritten = try WebhookPayloads.write(uncovered, workspace: ws)
        try journal.setWebhookWatermark(ledger.lastSeq)
        for key in importKeys { try journal.markDone(kind: "suppressions", key: key, fingerprint: "imported") }
        // 2b. Unsubscription report and notifications for opt-outs not yet reported (also after a crash).
        if let outputs = try UnsubscriptionReport.writePending(ledger: ledger, journal: journal, settings: settings, workspace: ws) {
            report.unsubscriptionFiles = outputs.files
        }
        let clicksReport = try clicks.flatMap { intake throws(OptoutError) in intake.files.isEmpty ? nil : try intake.writeReport(ledger: ledger, journal: journal) }
        report.clickReport = clicksReport.map { ws.display($0.path) }
        // A file read in part moves with its .error.txt beside it, and holds campaigns for this
        // run; every other consumed file is checked against its identity before it moves.
        for (file, kind) in consumed {
            if let rows = partial[file.path] {
                report.unreadableOptOutRows += rows.count
                context.diagnostics += PartialInput.diagnostics(file: ws.display(file.path), rows: rows)
                // A file left in place (a writer keeps it open; a processed/ file read again) is
                // not moved: the rows are named on stderr and read again with the file.
                let errorFile = file.leaveInPlace ? "stderr" : ws.display(try PartialInput.markProcessed(file, into: ws.processed(kind), rows: rows)) + ".error.txt"
                context.holds.holdCampaigns(cause: PartialInput.holdCause(file: ws.display(file.path), rows: rows.count, errorFile: errorFile))
            } else if try CampaignHolds.consume(file, kind: kind, ws: ws, journal: journal) == .changed {
                context.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(file.path)), "changed while it was read; left in place and read again next run"))
                context.holds.holdCampaigns(cause: "\(ws.display(file.path)) changed while it was read")
            }
        }
        try decisions.finish(workspace: ws)
        if let clicksReport { try journal.markDone(kind: "clicks", key: clicksReport.key, fingerprint: "") }

        // 3. Lists: a report for each new or changed list. A list that a waiting campaign uses is
        //    checked by that campaign's pass (one pass over the list instead of two).
        let usedLists = Set(DropFolder.scan(ws.folder(.campaigns), settle: settle).ready.compactMap { file -> String? in
            guard InputKind.campaigns.accepts(file.name), file.size < 1 << 20,
                  let bytes = try? Durable.readFile(file.path),
                  let list = try? CampaignTemplate.parse(String(decoding: bytes, as: UTF8.self)).list else { return nil }
            return ListFiles.path(of: list, in: ws)
        })
        for file in try scan(.lists) {
            if usedLists.contains(file.path) && ListReportJob.isDue(file, context: context) {
                context.deferredListReports[file.path] = file
                continue
            }
            if let outcome = try ListReportJob.run(file, context: context) {
                report.listReports.append(ws.display(outcome.reportPath))
            }
        }

        // 4. Campaigns, unless an opt-out may still be missing (CampaignHolds): they wait in the inbox.
        let readInPlace = consumed.map(\.file).filter(\.leaveInPlace)
        func optOutChanges() -> [String] { CampaignHolds.changedSinceAssessed(ws, readiness: readiness, readInPlace: readInPlace) }
        for cause in CampaignHolds.standing(ws, now: Date().timeIntervalSince1970).holding + optOutChanges() {
            context.holds.holdCampaigns(cause: cause)
        }
        for file in try scan(.campaigns) {
            let key = try RunContext.contentKey(file.path)
            let fingerprint = RunContext.fingerprint(file)
            if journal.isDone(kind: "campaign", key: key, fingerprint: fingerprint) {
                try DropFolder.markProcessed(file, into: ws.processed(.campaigns))
                continue
            }
            if let cause = ExampleLinks.holdCause(templatePath: file.path, settings: settings, settingsDisplay: ws.display(ws.settingsFile)) {
                report.held.append(HeldCampaign(file: ws.display(file.path), cause: cause, exitCode: ExitCode.config))
                continue
            }
            // A lost or wrong link key: {optout} campaigns wait (78), the key is never remade here.
            if let cause = try LinkKeyCheck.holdCause(template: file.path, context: context) {
                report.held.append(HeldCampaign(file: ws.display(file.path), cause: cause, exitCode: ExitCode.config))
                continue
            }
            if let cause = context.holds.isHolding ? context.holds.summary : CampaignHolds.listCause(template: file, ws: ws, readiness: readiness) {
                report.held.append(HeldCampaign(file: ws.display(file.path), cause: cause, exitCode: 75))
                continue
            }
            let inputsChanged = CampaignHolds.inputsCheck(template: file, ws: ws)
            context.publishCheck = { inputsChanged() ?? optOutChanges().first }
            let stem = CampaignJobNames.stem(file.name)
            // Names checked before anything is claimed (OutputNames, ListFiles).
            if try CampaignNameCheck.refuse(file, stem: stem, context: context, held: &report.held) { continue }
            let name = try journal.claimName(kind: "campaign", key: key, preferred: stem) { candidate in
                Durable.exists("\(ws.sendFolder)/\(candidate).csv") || Durable.exists("\(ws.reportsFolder)/\(candidate).txt")
            }
            do {
                let summary = try CampaignJob.build(templatePath: file.path, outputName: name, context: context)
                report.campaigns.append(summary)
                for warning in summary.warnings {
                    context.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(file.path)), warning))
                }
                try journal.markDone(kind: "campaign", key: key, fingerprint: fingerprint)
                try DropFolder.markProcessed(file, into: ws.processed(.campaigns))
            } catch let rejection as CampaignRejection {
                for path in try InterruptedCampaign.removeOutputs(name, workspace: ws) {
                    context.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(file.path)), "\(path) removed: written by an interrupted earlier attempt of this campaign, which is now rejected"))
                }
                try journal.markDone(kind: "campaign", key: key, fingerprint: fingerprint)
                try context.reject(file, kind: .campaigns, reasons: rejection.reasons)
            } catch let changed as CampaignInputChanged {
                report.held.append(HeldCampaign(file: ws.display(file.path), cause: changed.reason, exitCode: 75))
            } catch let error as OptoutError {
                throw error
            } catch {
                throw .internalError("\(ws.display(file.path)): \(error)")
            }
        }
        context.publishCheck = nil

        // 4b. Lists whose campaign did not check them (rejected before its pass): their own pass.
        for file in context.deferredListReports.values.sorted(by: { $0.name < $1.name }) {
            if let outcome = try ListReportJob.run(file, context: context) {
                report.listReports.append(ws.display(outcome.reportPath))
            }
        }
        report.listReports.append(contentsOf: context.listReportsWritten)
        report.listReports.sort()

        // 5. The suppression list as it stands.
        // (webhook delivery at the end of a run goes after this)
        try SuppressionExport.write(ledger.state, to: ws.suppressionsFile)
        report.suppressions = ledger.state.optedOutCount
        report.diagnostics = context.diagnostics
        report.rejectedInputs = context.rejectedInputs
        try LastRun.write(report, path: ws.lastRunFile, at: now)
        // 6. Webhook delivery, after everything else is durable: bounded in time, and its
        //    problems are diagnostics (a slow or failing receiver never fails the intake).
        if settings.optoutCallbackURL != nil {
            let delivery = DeliveryJob.afterRun(workspace: ws, settings: settings, options: options.delivery ?? .forRun(now: options.now))
            report.delivery = delivery
            report.diagnostics += delivery.diagnostics.map { Diagnostic($0.severity == .error ? .warning : $0.severity, $0.location, $0.message) }
        }
        return report
    }
}

/// .optout/last-run.json: when the last run ended and how, for `optout status`.
public enum LastRun {
    public static func write(_ report: RunReport, path: String, at time: Timestamp) throws(OptoutError) {
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
    public static func finished(path: String) -> Timestamp? {
        (read(path: path)?["finished"] as? String).flatMap { Timestamp.parse($0, zone: .gmt) }
    }

    public static func read(path: String) -> [String: Any]? {
        guard let bytes = try? Durable.readFile(path) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }
}
