// Preview job (issue 14 item 3): each campaign template in inbox/previews/ built as it would be
// sent now — the same recipients, duplicates, opt-outs (the ledger as this run left it), message
// rendering, segments and skip reasons as CampaignJob, through its pieces (CampaignRecipients,
// MessagePieces, CampaignJob.findDuplicates and .pass: the campaign pipeline, its ordered writer
// handing each chunk's first rows and histogram to `PreviewRows` instead of files) — but
// nothing is consumed (the template stays), no send file, link index, link key or journal claim is
// written: link tokens are computed with the account's key (a throwaway one when there is none yet;
// tokens have one length, so segments agree).
// Input: the run plan (inbox/previews/ as listed once), the run state, the hold causes found so
// far. Output: outbox/previews/<name>.txt and <name>.html (OutputNames.previewTable), overwritten
// whole; .optout/previews.tsv, what each preview was built from (template bytes, list, settings,
// ledger, link key, holds): a preview is rebuilt only when that changed or an output is missing.
// Failures: none that stop the run: a preview that cannot be made or written is an error
// diagnostic (stderr, also under cron); a template that would be rejected gets a preview saying
// why (it stays in place); one that cannot be read is a warning.

import OptoutPhone
import OptoutBase
import Foundation

/// One rendered message as a preview shows it.
package struct PreviewMessage: Sendable, Equatable {
    package var line: Int
    package var phone: String
    package var text: String
    package var segments: Int
    package var encoding: MessageEncoding
}

/// A preview's rows: the segments histogram, the first messages and the first skipped rows.
package final class PreviewRows {
    package static let shown = 20
    /// Segments per message → messages.
    package var histogram: [Int: Int] = [:]
    package var messages: [PreviewMessage] = []
    package var skips: [(line: Int, phone: String, reason: String)] = []

    init() {}

    /// Adds the next rows (a chunk of the pass, in list order: CampaignOrderedWriter).
    func add(_ rows: PreviewCollected) {
        for (segments, count) in rows.histogram { histogram[segments, default: 0] += count }
        messages.append(contentsOf: rows.messages.prefix(max(0, Self.shown - messages.count)))
        skips.append(contentsOf: rows.skips.prefix(max(0, Self.shown - skips.count)))
    }
}

/// A built preview, for PreviewPage and the text.
package struct Preview: Sendable {
    package var name: String
    package var templateDisplay: String
    package var built: Timestamp
    /// Why the template would be rejected if dropped into inbox/campaigns/ (nothing built then).
    package var rejection: [String] = []
    /// Why a real send would be held now (it is built anyway).
    package var held: [String] = []
    package var summary: CampaignSummary
    package var histogram: [Int: Int] = [:]
    package var messages: [PreviewMessage] = []
    package var skips: [(line: Int, phone: String, reason: String)] = []
    package var maxSegments: Int?
    package var pricePerSegment: Double?
    package var currency = ""
    /// The campaign report's text as the real send would write it (nil when rejected).
    package var reportText: String?
}

package struct PreviewsResult {
    /// Previews written this run (workspace-relative .html paths) and a line each for people.
    package var written: [String] = []
    package var lines: [String] = []
    package var log = StepLog()
}

package enum PreviewJob {
    /// Bumped when the preview's content changes, so that old previews are rebuilt.
    static let version = "preview-1"

    package static func run(plan: RunPlan, state: RunState, holdCauses: [String]) -> PreviewsResult {
        let ws = state.workspace
        var out = PreviewsResult()
        let found = plan.scans[.previews] ?? DropScan()
        let split = plan.readiness.split(found.ready, optOut: false)
        for (file, reason) in split.waiting {
            out.log.add(.note, SourceLocation(file: ws.display(file.path)), "\(reason); previewed at the next run")
        }
        let files = split.ready.filter { InputKind.previews.accepts($0.name) }
        for file in split.ready where !InputKind.previews.accepts(file.name) {
            out.log.add(.note, SourceLocation(file: ws.display(file.path)), "not a preview template \(InputKind.previews.acceptedDescription); left in place")
        }
        guard !files.isEmpty else { return out }
        var stored = PreviewFingerprints.read(ws.previewsStateFile)
        let before = stored
        let holds = CampaignHolds()
        for cause in holdCauses + CampaignHolds.standing(ws, now: Date().timeIntervalSince1970).holding { holds.holdCampaigns(cause: cause) }
        var taken: [String: String] = [:]
        for file in files.sorted(by: { $0.name < $1.name }) {
            let name = CampaignJobNames.stem(file.name)
            // "a b.txt" and "a_b.txt" would share outputs: the first (by name) has them.
            if let other = taken[name.lowercased()] {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), "not previewed: \(other) has the preview name \"\(name)\" already; rename one of them")
                continue
            }
            taken[name.lowercased()] = file.name
            guard name.utf8.count <= OutputNames.longestPreviewName else {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), "not previewed: the name is \(name.utf8.count) bytes long, at most \(OutputNames.longestPreviewName) fit; shorten the file name")
                continue
            }
            let planned = PlannedTemplate(file: file)
            if case .failure(let error) = planned.bytes {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), "not previewed: \(error.description)")
                continue
            }
            let paths = OutputNames.previewTable.map { "\(ws.root)/\($0.folder)/\($0.fileName(name))" }
            let preview: Preview
            // A preview that cannot be made is an error on stderr, never a stop: the run's own
            // work (suppressions.csv, the run record) still follows.
            do throws(OptoutError) {
                let held = try heldCauses(planned, plan: plan, state: state, holds: holds)
                let fingerprint = PreviewFingerprints.of(planned, held: held, ws: ws)
                if stored[name] == fingerprint && paths.allSatisfy(Durable.exists) { continue }
                preview = try build(planned, name: name, held: held, state: state)
                try Durable.makeDirectory(ws.previewsFolder)
                try Durable.writeFile(paths[0], PreviewPage.text(preview))
                try Durable.writeFile(paths[1], PreviewPage.html(preview))
                stored[name] = fingerprint
            } catch {
                out.log.add(.error, SourceLocation(file: ws.display(file.path)), "not previewed: \(error.description)")
                continue
            }
            out.written.append(ws.display(paths[1]))
            let s = preview.summary
            out.lines.append(preview.rejection.isEmpty
                ? "preview \(name): \(s.toSend) to send, \(s.skipped.values.reduce(0, +)) skipped, \(s.segments) segments → \(ws.display(paths[1]))"
                : "preview \(name): would be rejected → \(ws.display(paths[1]))")
            for warning in preview.rejection.map({ "dropped into inbox/campaigns/, it would be rejected: \($0)" }) + s.warnings {
                out.log.add(.warning, SourceLocation(file: ws.display(file.path)), warning)
            }
        }
        if stored != before {
            do throws(OptoutError) { try PreviewFingerprints.write(stored, to: ws.previewsStateFile) } catch {
                out.log.add(.error, SourceLocation(file: ws.display(ws.previewsStateFile)), "not written (previews are rebuilt at the next run): \(error.description)")
            }
        }
        return out
    }

    /// Why a real send of this template would be held now (Campaigns.holdCause, and the names
    /// CampaignNameCheck would refuse).
    static func heldCauses(_ planned: PlannedTemplate, plan: RunPlan, state: RunState, holds: CampaignHolds) throws(OptoutError) -> [String] {
        var causes: [String] = []
        if let (cause, _) = try Campaigns.holdCause(planned, plan: plan, state: state, holds: holds) { causes.append(cause) }
        return causes
    }

    /// The preview of one template, built like CampaignJob.build but into a `PreviewRows` sink.
    static func build(_ planned: PlannedTemplate, name: String, held: [String], state: RunState) throws(OptoutError) -> Preview {
        let settings = state.settings
        var preview = Preview(name: name, templateDisplay: state.display(planned.file.path), built: state.now, held: held,
                              summary: CampaignSummary(name: name), pricePerSegment: settings.pricePerSegment, currency: settings.currency)
        preview.rejection = OutputNames.campaignProblems(name: name, fileName: planned.file.name)
        do {
            let template = try CampaignJob.parsedTemplate(planned)
            var summary = CampaignSummary(name: name)
            let maxSegments = template.maxSegments ?? settings.maxSegments
            preview.maxSegments = maxSegments
            if template.usesOptOutLink && settings.optoutLinkBase == nil {
                throw CampaignRejection(reasons: ["line \(template.bodyLine): the message uses {optout} but settings.json has no \"optout_link_base\""])
            }
            var recipients = try CampaignRecipients.resolve(template, state: state)
            let message = try MessagePieces(template, list: recipients.list)
            if let note = recipients.list?.countryNote { summary.warnings.append(note) }
            if template.list != nil && !template.hasOptOutInstruction(keywords: settings.optoutKeywords) {
                summary.warnings.append("no opt-out instruction: the message has neither {optout} nor a keyword such as STOP; recipients must be told how to opt out")
            }
            var tokens: LinkTokens?
            if template.usesOptOutLink {
                let ws = state.workspace
                if Durable.exists(ws.linkKeyFile), let key = try? Durable.readFile(ws.linkKeyFile), key.count == 32 {
                    tokens = LinkTokens(key: key)
                } else {
                    tokens = LinkTokens(key: Durable.randomBytes(32))
                    summary.warnings.append("no usable link key yet: the links shown are examples (the first real send makes the key); their length, and so the segments, are the same")
                }
            }
            let duplicates = try CampaignJob.findDuplicates(&recipients, template: template, state: state, links: nil)
            // The same pass as a send (CampaignPipeline); tokens computed, never recorded.
            let sink = PreviewRows()
            let context = CampaignRowContext(message: message, tokens: tokens, linkBase: Array((settings.optoutLinkBase ?? "").utf8),
                                             maxSegments: maxSegments, ledger: state.ledger, parser: state.parser, checksList: false)
            context.country = recipients.list?.country
            context.collectsPreview = true
            var writer = CampaignOrderedWriter(outputs: nil)
            writer.preview = sink
            try CampaignJob.pass(recipients, template: template, duplicates: duplicates, context: context,
                                 outputName: name, state: state, writer: &writer)
            writer.tally.apply(to: &summary)
            if let warning = summary.ucs2.warning(recipients: summary.toSend + (summary.skipped[CampaignJob.skipTooLong] ?? 0)) { summary.warnings.append(warning) }
            if summary.toSend == 0 && summary.rowsRead > 0 {
                summary.warnings.append("nobody to send to: every row was skipped")
            }
            summary.outputs = OutputNames.previewTable.map { "\($0.folder)/\($0.fileName(name))" }
            preview.summary = summary
            (preview.histogram, preview.messages, preview.skips) = (sink.histogram, sink.messages, sink.skips)
            if preview.rejection.isEmpty {
                preview.reportText = CampaignReportText.render(summary, template: template, templatePath: preview.templateDisplay,
                                                               list: recipients.list.map(ListFormat.init), listDisplay: recipients.listDisplay,
                                                               settings: settings, maxSegments: maxSegments, now: state.now)
            }
        } catch let rejection as CampaignRejection {
            preview.rejection += rejection.reasons
        } catch let error as OptoutError {
            throw error
        } catch {
            throw .internalError("\(preview.templateDisplay): \(error)")
        }
        return preview
    }
}

/// .optout/previews.tsv: `name<TAB>fingerprint` per preview last built.
enum PreviewFingerprints {
    static func read(_ path: String) -> [String: String] {
        guard let bytes = try? Durable.readFile(path) else { return [:] }
        var out: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    static func write(_ entries: [String: String], to path: String) throws(OptoutError) {
        let text = entries.keys.sorted().map { "\($0)\t\(entries[$0]!)\n" }.joined()
        try Durable.writeFile(path, text, mode: 0o600)
    }

    /// What a preview depends on: the template's bytes, its list, settings, the ledger, the link
    /// key (files by identity: device, inode, size, mtime), why a send would be held now.
    static func of(_ planned: PlannedTemplate, held: [String], ws: Workspace) -> String {
        let listPath = planned.builtList.flatMap { ListFiles.path(of: $0, in: ws) }
        var parts = [PreviewJob.version, planned.key ?? "unread"]
        for path in [listPath, ws.settingsFile, ws.ledgerFile, ws.linkKeyFile] {
            parts.append(path.flatMap { FileIdentity.of($0)?.description } ?? "absent")
        }
        parts += held
        return RunState.contentKey(bytes: Array(parts.joined(separator: "\u{0}").utf8))
    }
}
