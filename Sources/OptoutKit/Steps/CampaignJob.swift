// Campaign job: a campaign template plus its contact list → the filtered send file.
// Input: inbox/campaigns/<name>.txt, the list it names, the ledger (opt-outs applied before this
// job runs), settings. Output (each whole or not at all):
//   outbox/send/<name>.csv          phone,message,segments,encoding — one row per textable recipient
//   outbox/links/<name>.csv         phone,token,url — every opt-out link inserted
//   outbox/reports/<name>.txt       the summary for people
//   outbox/reports/<name>-skipped.csv line,phone,reason (UTF-8 BOM, formula-safe)
// then the template moves to inbox/campaigns/processed/. The link index is fsynced before the send
// file appears. Failures: a `CampaignRejection` (unknown placeholder, missing or rejected list...)
// sends the template to rejected/; `OptoutError` for I/O.

import OptoutPhone
import OptoutBase
import Foundation

package struct CampaignRejection: Error, Sendable {
    package var reasons: [String]
}

/// An input of the campaign changed while it was built: nothing published, built again later.
package struct CampaignInputChanged: Error, Sendable {
    package var reason: String
}

/// A built campaign: its figures, and the list report written from its pass (if due).
package struct CampaignBuild {
    package var summary: CampaignSummary
    package var listReport: String?
    /// False when the report was for a workbook sheet other than the list's default (issue 14):
    /// the default sheet still gets its own report this run.
    package var listReportIsDefault = true
}

package enum CampaignJob {
    static let skipBlank = "blank row"
    static let skipDuplicate = "duplicate"
    static let skipOptedOut = "opted out"
    static let skipTooLong = "message too long"

    /// Builds one campaign from a template the run plan read; the caller moves the template
    /// afterwards. `deferredList`: the list's report is due and written from this pass.
    /// `publishCheck`: a reason when an input changed since read (nothing is published then).
    /// Problems of the link index, when this build opens it, go to `log`.
    package static func build(_ planned: PlannedTemplate, outputName: String, state: RunState, deferredList: DroppedFile?,
                             publishCheck: () -> String?, log: inout StepLog) throws -> CampaignBuild {
        let settings = state.settings
        let template = try parsedTemplate(planned)
        var summary = CampaignSummary(name: outputName)
        let maxSegments = template.maxSegments ?? settings.maxSegments
        if template.usesOptOutLink && settings.optoutLinkBase == nil {
            throw CampaignRejection(reasons: ["line \(template.bodyLine): the message uses {optout} but settings.json has no \"optout_link_base\""])
        }
        var recipients = try CampaignRecipients.resolve(template, state: state)
        let message = try MessagePieces(template, list: recipients.list)
        if let note = recipients.list?.countryNote { summary.warnings.append(note) }  // country column (issue 14)
        if template.list != nil && !template.hasOptOutInstruction(keywords: settings.optoutKeywords) {
            summary.warnings.append("no opt-out instruction: the message has neither {optout} nor a keyword such as STOP; recipients must be told how to opt out")
        }
        let outputs = try CampaignOutputs(name: outputName, workspace: state.workspace, links: template.usesOptOutLink)
        var links: (LinkTokens, LinkIndex)? = nil
        if template.usesOptOutLink {
            let opened = try state.links.open()
            links = opened.links
            log.diagnostics += opened.problems
        }
        // The list parsed once: the duplicates pass keeps the cells the campaign's pass needs
        // (the state column for quiet hours, when the list has one; OPTOUT_CAMPAIGN_SPOOL=0: parse again).
        // A row's phone cell is spooled only when its number was not parsed, or the message shows it.
        let spoolShape = recipients.list.flatMap { list -> SpoolShape? in
            guard ProcessInfo.processInfo.environment["OPTOUT_CAMPAIGN_SPOOL"] != "0" else { return nil }
            let extra = [list.columnIndex(ScheduledSend.stateColumnName), list.country?.index]
            return SpoolShape(columns: CampaignPipeline.columns(phone: list.phoneColumn, message: message, extra: extra),
                              keepsKnownPhones: extra.contains(list.phoneColumn)
                                  || message.pieces.contains { $0.kind == .column && $0.column == list.phoneColumn })
        }
        var duplicates = try findDuplicates(&recipients, template: template, state: state, links: links, spoolShape: spoolShape)
        let context = CampaignRowContext(message: message, tokens: links?.0, linkBase: Array((settings.optoutLinkBase ?? "").utf8),
                                         maxSegments: maxSegments, ledger: state.ledger, parser: state.parser,
                                         checksList: deferredList != nil)
        context.country = recipients.list?.country  // country column hook (issue 14)
        var writer = CampaignOrderedWriter(outputs: outputs)
        // issue 17 hook: the numbers sent, kept as .optout/campaigns/<name>.keys (finished in publish).
        writer.keys = CampaignKeys(path: state.workspace.campaignKeysFile(outputName), tempRoot: state.workspace.tempFolder)
        context.recordsKeys = true
        // Quiet hours hook (issue 16): a scheduled campaign's rows go to send/later/ or the held report.
        writer.scheduled = try ScheduledSend.forCampaign(template, name: outputName, state: state, list: recipients.list)
        context.router = writer.scheduled?.router
        // The link index's new entries are made durable on a thread of their own while the pass
        // runs (the pass only reads the link key); publish syncs it again before any output.
        let indexSync = links.map { links in OutputThread.start { () throws(OptoutError) in try links.1.sync() } }
        defer { indexSync?.close() }
        try pass(recipients, template: template, duplicates: duplicates, context: context,
                 outputName: outputName, state: state, writer: &writer)
        try indexSync?.finish()
        // Issue 13: the duplicates' spool (an unlinked temp file as large as the list) is released on
        // a thread of its own: closing it drops its cached pages, which takes a while; publish goes on.
        let spoolRelease = duplicates.map { done in OutputThread.start { () throws(OptoutError) in withExtendedLifetime(done) {} } }
        duplicates = nil
        defer { spoolRelease?.close() }
        writer.tally.apply(to: &summary)
        // A list with no row, or no row with a valid number, is not sent to: rejected (ListUsability).
        if let list = recipients.list, let reason = ListUsability.unusableReason(
            rows: writer.tally.rows, blank: writer.tally.skipped[CampaignSkip.blank.rawValue], invalid: writer.tally.skipped[CampaignSkip.invalid.rawValue],
            phoneColumn: ListFormat(list).phoneColumnName, problems: writer.check.problems) {
            throw CampaignRejection(reasons: ["list \"\(template.list ?? "")\" cannot be used: \(recipients.listDisplay): \(reason)"])
        }
        let check = writer.check
        writer.scheduled?.fill(&summary)  // quiet hours hook
        if let warning = summary.ucs2.warning(recipients: summary.toSend + (summary.skipped[skipTooLong] ?? 0)) { summary.warnings.append(warning) }  // UCS-2 culprits (issue 14)
        if summary.toSend == 0 && summary.rowsRead > 0 {
            summary.warnings.append("nobody to send to: every row was skipped")
        }
        // Nothing is published from a template or list that changed since it was read.
        if let reason = publishCheck() { throw CampaignInputChanged(reason: reason) }
        var listReport: String?
        if let deferredList, let list = recipients.list {
            listReport = try ListReportJob.write(deferredList, reader: list, check: check, state: state, sheet: recipients.sheetFile)
                .map { state.display($0.reportPath) }  // nil: this workbook sheet's report was written before (issue 14)
        }
        try publish(outputs, summary: &summary, links: links, template: template, templatePath: state.display(planned.file.path),
                    recipients: recipients, maxSegments: maxSegments, state: state, keys: writer.keys, scheduled: writer.scheduled)
        return CampaignBuild(summary: summary, listReport: listReport, listReportIsDefault: recipients.sheetFile?.isDefaultSheet ?? true)
    }

    /// The template as the plan parsed it; one that cannot be parsed is rejected.
    static func parsedTemplate(_ planned: PlannedTemplate) throws -> CampaignTemplate {
        if case .failure(let error) = planned.bytes { throw error }
        switch planned.parsed {
        case .success(let template)?: return template
        case .failure(let error)?: throw CampaignRejection(reasons: [error.description])
        case nil: throw OptoutError.internalError("\(planned.file.path): template not read")
        }
    }

    /// The cells the duplicates pass spools for the campaign's pass (CampaignRowSpool).
    struct SpoolShape {
        var columns: [Int]
        var keepsKnownPhones: Bool
    }

    /// Duplicates (and numbers new to the link index) in bounded memory, before the main pass;
    /// the list is then read again from its start, through the same open file.
    static func findDuplicates(_ recipients: inout CampaignRecipients, template: CampaignTemplate, state: RunState,
                               links: (LinkTokens, LinkIndex)?, spoolShape: SpoolShape? = nil) throws -> DuplicateLines? {
        guard let list = recipients.list else { return nil }
        let ws = state.workspace
        let duplicates: DuplicateLines
        do {
            let spool = try spoolShape.map { shape throws(OptoutError) in
                try CampaignRowSpool(columns: shape.columns, keepsKnownPhones: shape.keepsKnownPhones, tempRoot: ws.tempFolder)
            }
            // New numbers' index entries are made on the worker threads, appended in order here.
            let newEntries = links.map { (tokens, index) in NewLinkEntries(
                encode: { number, out in LinkIndex.encodeEntry(number, tokens: tokens, into: &out) },
                write: { (encoded: [UInt8], count: Int) throws(OptoutError) in try index.append(encoded: encoded, count: count) }) }
            duplicates = try DuplicateFinder.find(list: list, tempRoot: ws.tempFolder, linkIndexPath: links == nil ? nil : ws.linkIndexFile,
                                                  newEntries: newEntries, spool: spool)
            recipients.list = try list.rewound()
        } catch let error as InputError {
            throw CampaignRejection(reasons: ["list \"\(template.list ?? "")\" cannot be used: \(recipients.listDisplay): \(error.description)"])
        }
        // The link index holds every token before any send file that uses it can appear: synced
        // during the pass (build) and again in publish.
        return duplicates
    }

    /// The pass over the recipients (CampaignPipeline for a list): every row rendered or skipped,
    /// written in order through `writer`; its check filled when the list report is due.
    static func pass(_ recipients: CampaignRecipients, template: CampaignTemplate, duplicates: DuplicateLines?,
                     context: CampaignRowContext, outputName: String, state: RunState, writer: inout CampaignOrderedWriter) throws {
        if let single = recipients.single {
            var rows = CampaignRowOutput(context)  // the campaign's routing (quiet hours) too
            rows.tally.rows = 1
            let line = template.toLine ?? 1
            if state.ledger.isOptedOut(single) {
                rows.skip(line, single.e164, .optedOut, context.optedOutReason(single))
            } else {
                rows.recipient(single, line: line, context: context, rendering: context.rendering, fields: { _ in UnsafeBufferPointer(start: nil, count: 0) })
            }
            try writer.publish(rows)
            return
        }
        guard let list = recipients.list else { return }
        let listBytes = (try? FileSize.of(recipients.listPath)) ?? 0
        let spool = duplicates?.spool
        let progress = state.progress.map { report in
            { (rowsRead: Int, toSend: Int) in
                let percent = if let spool, spool.readOffset > 0 { spool.percentRead } else { listBytes > 0 ? min(99, list.bytesRead * 100 / listBytes) : 0 }
                report("campaign \(outputName): \(rowsRead) rows read (\(percent)%), \(toSend) to send")
            }
        }
        do {
            try CampaignPipeline.run(list: list, duplicates: duplicates, context: context, writer: &writer,
                                     options: .current, progress: progress)
        } catch let error as InputError {
            throw CampaignRejection(reasons: ["list \"\(template.list ?? "")\" cannot be used: \(recipients.listDisplay): \(error.description)"])
        }
    }

    /// Publish: link index durable first; then each file in `OutputNames.campaignTable` order
    /// (links, report, skipped rows, their twin, and the send file, which a gateway uploader takes, last).
    /// Issue 13: the tail runs on threads: the skipped rows' .xlsx twin is built from the skipped
    /// temp file (its bytes are final once the pass ended) and synced at a hidden name, the keys
    /// file is merged and made durable, and the links, skipped and send temp files are fsynced,
    /// while this thread renders the report. Nothing is published before the keys file is durable;
    /// each file is left alone here until its thread is done, and its commit still fsyncs before
    /// the rename, in table order. A failure of any of them stops the publish at that file: nothing
    /// after it appears (the twin's build: neither the skipped rows, read until then, nor the send
    /// file; its rename: the send file).
    static func publish(_ outputs: CampaignOutputs, summary: inout CampaignSummary, links: (LinkTokens, LinkIndex)?,
                        template: CampaignTemplate, templatePath: String, recipients: CampaignRecipients,
                        maxSegments: Int?, state: RunState, keys: CampaignKeys? = nil, scheduled: ScheduledSend? = nil) throws(OptoutError) {
        try outputs.skippedFile.flush()   // every skipped row in the temp file: the twin reads it
        let twin = TwinBuild()
        let skippedRows = summary.skipped.values.reduce(0, +)
        let measured = try outputs.skippedMeasure.layout(dataRows: skippedRows)  // measured while written
        let twinBuild = OutputThread.start { [csvPath = outputs.skippedPath, readPath = outputs.skippedFile.tempPath,
                                              rows = skippedRows, now = state.now] () throws(OptoutError) in
            PauseHook.at("campaign twin")  // testing aid (OPTOUT_PAUSE_AT): CampaignTailTests breaks the build here
            twin.staged = try PeopleWorkbookTwin.stage(csvPath: csvPath, readPath: readPath, modified: now, sheetName: "skipped",
                                                       dataRows: rows, measured: measured)
        }
        // issue 17 hook: the record of numbers sent is merged on a thread of its own; durable before any output appears.
        let facts = CampaignKeysFacts(name: summary.name, builtAt: state.now, template: templatePath, rowsSent: summary.toSend, ledgerSeq: state.ledger.lastSeq)
        let keysFinish = keys.map { keys in OutputThread.start { () throws(OptoutError) in try keys.finish(facts) } }
        let linksSync = outputs.linksFile.map { file in OutputThread.start { () throws(OptoutError) in try file.syncTemp() } }
        let skippedSync = OutputThread.start { () throws(OptoutError) in try outputs.skippedFile.syncTemp() }
        let sendSync = scheduled == nil ? OutputThread.start { () throws(OptoutError) in try outputs.sendFile.syncTemp() } : nil
        defer { for thread in [twinBuild, keysFinish, linksSync, skippedSync, sendSync] { thread?.close() } }
        if let scheduled {  // quiet hours hook: the timed send files and the held report instead of the send file
            summary.outputs += scheduled.groups.map(\.path) + [scheduled.heldPath, scheduled.heldWorkbookPath].compactMap { $0 }
        } else {
            summary.outputs.append(state.display(outputs.sendPath))
        }
        if outputs.linksFile != nil { summary.outputs.append(state.display(outputs.linksPath)) }
        summary.outputs.append(state.display(outputs.skippedPath))
        summary.outputs.append(state.display(PeopleWorkbookTwin.path(for: outputs.skippedPath)))  // F14 hook: skipped rows' .xlsx twin
        if let w = PeopleWorkbookTwin.overLimitWarning(rows: summary.skipped.values.reduce(0, +), csvName: Durable.baseName(outputs.skippedPath)) { summary.warnings.append(w) }  // F14 hook
        summary.outputs.append(state.display(outputs.reportPath))
        let report = CampaignReportText.render(summary, template: template, templatePath: templatePath,
                                               list: recipients.list.map(ListFormat.init), listDisplay: recipients.listDisplay,
                                               settings: state.settings, maxSegments: maxSegments, now: state.now)
        if let links { try links.1.sync() }
        try keysFinish?.finish()
        for entry in OutputNames.campaignTable {
            switch entry.kind {
            case .links: try linksSync?.finish(); try outputs.linksFile?.commit()
            case .report: try Durable.writeFile(outputs.reportPath, report)
            // The twin reads the skipped temp file by its name until it is built: renamed only then.
            case .skipped: try skippedSync.finish(); try twinBuild.finish(); try outputs.skippedFile.commit()
            // F14 hook: the skipped rows' .xlsx twin, built from the CSV's bytes while the rest was done.
            case .skippedWorkbook: try twin.staged?.commit()
            case .send: if scheduled == nil { try sendSync?.finish(); try outputs.sendFile.commit() }
            case .held: try scheduled?.commitHeld()  // quiet hours hook (ScheduledSend)
            case .heldWorkbook: break  // written by commitHeld, right after the held report
            case .later: try scheduled?.commitLater()
            }
        }
    }

    /// The skipped rows' twin, once its thread built it (read after that thread's `finish`).
    private final class TwinBuild: @unchecked Sendable {
        var staged: PeopleWorkbookTwin.StagedTwin?
    }

    static func availableLists(_ ws: Workspace) -> [String] {
        ListFiles.names(ws).map { DropFolder.splitExtension($0).0 }
    }
}
