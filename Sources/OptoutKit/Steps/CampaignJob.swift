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

public struct CampaignRejection: Error, Sendable {
    public var reasons: [String]
}

/// An input of the campaign changed while it was built: nothing published, built again later.
public struct CampaignInputChanged: Error, Sendable {
    public var reason: String
}

/// Figures of one built campaign, also used by the benchmark.
public struct CampaignSummary: Sendable {
    public var name: String
    public var rowsRead = 0
    public var toSend = 0
    public var skipped: [String: Int] = [:]
    public var segments = 0
    public var gsmMessages = 0
    public var ucsMessages = 0
    public var sampleLink: String?
    public var warnings: [String] = []
    public var outputs: [String] = []
}

public enum CampaignJob {
    static let skipBlank = "blank row"
    static let skipDuplicate = "duplicate"
    static let skipOptedOut = "opted out"
    static let skipTooLong = "message too long"

    /// Builds one campaign; the caller moves the template afterwards.
    public static func build(templatePath: String, outputName: String, context: RunContext) throws -> CampaignSummary {
        let ws = context.workspace
        let settings = context.settings
        let templateBytes = try Durable.readFile(templatePath)
        let text = String(validating: templateBytes, as: UTF8.self)
            ?? String(data: Data(templateBytes), encoding: .windowsCP1252) ?? ""
        let template: CampaignTemplate
        do { template = try CampaignTemplate.parse(text) } catch {
            throw CampaignRejection(reasons: [error.description])
        }
        var summary = CampaignSummary(name: outputName)
        let maxSegments = template.maxSegments ?? settings.maxSegments
        if template.usesOptOutLink && settings.optoutLinkBase == nil {
            throw CampaignRejection(reasons: ["line \(template.bodyLine): the message uses {optout} but settings.json has no \"optout_link_base\""])
        }

        // Resolve the recipients.
        var list: ContactListReader?
        var single: PhoneNumber?
        var listDisplay = ""
        var listPath = ""
        if let listName = template.list {
            // x.csv, x.CSV, x.tsv or x.txt (ListFiles); names sharing a report were held before.
            guard let path = ListFiles.path(of: listName, in: ws), Durable.exists(path) else {
                let available = availableLists(ws)
                let rejected = Durable.exists("\(ws.rejected(.lists))/\(listName).csv")
                    ? " (a list of that name was rejected: see inbox/lists/rejected/\(listName).csv.error.txt)" : ""
                throw CampaignRejection(reasons: ["line 1: list \"\(listName)\" not found\(rejected); lists available: \(available.isEmpty ? "none" : available.joined(separator: ", "))"])
            }
            do { list = try ContactListReader(path: path, parser: context.parser) } catch {
                throw CampaignRejection(reasons: ["list \"\(listName)\" cannot be used: \(context.display(path)): \(error.description)"])
            }
            listDisplay = context.display(path)
            listPath = path
        } else if let to = template.to {
            switch context.parser.parse(to) {
            case .success(let number): single = number
            case .failure(let rejection):
                throw CampaignRejection(reasons: ["line \(template.toLine ?? 1): \"to: \(to)\" is not a valid number: \(rejection.reason)"])
            }
        }

        // Resolve placeholders to columns, as plain values over one byte buffer (literal text and
        // fallbacks): rendering a row then does no reference counting.
        struct Piece { enum Kind { case bytes, column, link }; var kind: Kind; var start = 0; var end = 0; var column = 0; var hasFallback = false }
        var literals: [UInt8] = []
        var pieces: [Piece] = []
        var unknown: [String] = []
        for part in template.parts {
            switch part {
            case .text(let t):
                pieces.append(Piece(kind: .bytes, start: literals.count, end: literals.count + t.utf8.count))
                literals.append(contentsOf: t.utf8)
            case .optOutLink:
                pieces.append(Piece(kind: .link))
            case .field(let name, let fallback):
                if let index = list?.columnIndex(name) {
                    let f = Array((fallback ?? "").utf8)
                    pieces.append(Piece(kind: .column, start: literals.count, end: literals.count + f.count, column: index, hasFallback: fallback != nil))
                    literals.append(contentsOf: f)
                } else {
                    unknown.append(name)
                }
            }
        }
        if !unknown.isEmpty, let list {
            let names = Diagnostics.list(unknown.map { "{\($0)}" }, noun: "placeholders")
            throw CampaignRejection(reasons: ["line \(template.bodyLine): unknown placeholder \(names); columns of list \"\(template.list ?? "")\": \(Diagnostics.list(list.columns)) (and {optout})"])
        }
        if template.list != nil && !template.hasOptOutInstruction(keywords: settings.optoutKeywords) {
            summary.warnings.append("no opt-out instruction: the message has neither {optout} nor a keyword such as STOP; recipients must be told how to opt out")
        }

        // Outputs.
        let sendPath = "\(ws.sendFolder)/\(outputName).csv"
        let linksPath = "\(ws.linksFolder)/\(outputName).csv"
        let skippedPath = "\(ws.reportsFolder)/\(outputName)-skipped.csv"
        let reportPath = "\(ws.reportsFolder)/\(outputName).txt"
        let sendFile = try AtomicFile(path: sendPath)
        let linksFile = template.usesOptOutLink ? try AtomicFile(path: linksPath) : nil
        let skippedFile = try AtomicFile(path: skippedPath)
        let machine = CSVWriter(audience: .machine)
        let people = CSVWriter(audience: .people)
        try sendFile.write("phone,message,segments,encoding\n")
        try linksFile?.write("phone,token,url\n")
        try skippedFile.write(CSVWriter.utf8BOM)
        try skippedFile.write("line,phone,reason\r\n")

        let linkBase = Array((settings.optoutLinkBase ?? "").utf8)
        var links: (LinkTokens, LinkIndex)? = nil
        if template.usesOptOutLink { links = try context.links() }
        // Duplicates (and numbers new to the link index) in bounded memory, before the main pass.
        var duplicates: DuplicateLines?
        if list != nil {
            var scratch: [UInt8] = []
            do {
                duplicates = try DuplicateFinder.find(
                    listPath: listPath, parser: context.parser, tempRoot: "\(ws.state)/tmp",
                    linkIndexPath: links != nil ? ws.linkIndexFile : nil
                ) { (number: PhoneNumber) throws(OptoutError) in
                    guard let links else { return }
                    scratch.removeAll(keepingCapacity: true)
                    links.0.appendToken(for: number, to: &scratch)
                    try links.1.append(number, token: scratch)
                }
            } catch let error as InputError {
                throw CampaignRejection(reasons: ["list \"\(template.list ?? "")\" cannot be used: \(listDisplay): \(error.description)"])
            }
            // The link index holds every token before any send file that uses it can appear.
            if let links { try links.1.sync() }
        }
        var message: [UInt8] = []
        message.reserveCapacity(1024)
        var row: [UInt8] = []
        row.reserveCapacity(2048)

        func skip(_ line: Int, _ phone: String, _ category: String, _ reason: String) throws(OptoutError) {
            summary.skipped[category, default: 0] += 1
            row.removeAll(keepingCapacity: true)
            people.appendRow([String(line), phone, reason], to: &row)
            try skippedFile.write(row)
        }

        var token: [UInt8] = []
        token.reserveCapacity(LinkTokens.length)
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        let gsmName = Array("GSM-7".utf8), ucsName = Array("UCS-2".utf8)

        /// Renders one recipient's message and writes its send row (and link row): bytes only.
        func emit(_ number: PhoneNumber, line: Int, fields: (Int) -> UnsafeBufferPointer<UInt8>) throws(OptoutError) {
            message.removeAll(keepingCapacity: true)
            token.removeAll(keepingCapacity: true)
            if let links { links.0.appendToken(for: number, to: &token) }
            literals.withUnsafeBufferPointer { lit in
                for piece in pieces {
                    switch piece.kind {
                    case .bytes:
                        message.append(contentsOf: UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]))
                    case .column:
                        let value = fields(piece.column)
                        if value.isEmpty && piece.hasFallback {
                            message.append(contentsOf: UnsafeBufferPointer(rebasing: lit[piece.start..<piece.end]))
                        } else {
                            message.append(contentsOf: value)
                        }
                    case .link:
                        message.append(contentsOf: linkBase)
                        message.append(contentsOf: token)
                    }
                }
            }
            let count = message.withUnsafeBytes { Segments.count(utf8: $0) }
            if let maxSegments, count.segments > maxSegments {
                try skip(line, number.e164, skipTooLong, "message too long: \(count.segments) segments (max_segments is \(maxSegments))")
                return
            }
            if links != nil {
                if summary.sampleLink == nil { summary.sampleLink = String(decoding: linkBase + token, as: UTF8.self) }
                row.removeAll(keepingCapacity: true)
                number.appendE164(to: &row)
                row.append(comma)
                row.append(contentsOf: token)
                let url = linkBase + token  // appendField writes the delimiter before it
                url.withUnsafeBufferPointer { machine.appendField($0, to: &row) }
                row.append(newline)
                try linksFile?.write(row)
            }
            summary.toSend += 1
            summary.segments += count.segments
            if count.encoding == .gsm7 { summary.gsmMessages += 1 } else { summary.ucsMessages += 1 }
            row.removeAll(keepingCapacity: true)
            number.appendE164(to: &row)
            message.withUnsafeBufferPointer { machine.appendField($0, to: &row) }  // writes its delimiter
            row.append(comma)
            appendDecimal(count.segments, to: &row)
            row.append(comma)
            row.append(contentsOf: count.encoding == .gsm7 ? gsmName : ucsName)
            row.append(newline)
            try sendFile.write(row)
        }

        func optedOutReason(_ number: PhoneNumber) -> String {
            guard let state = context.ledger.state.state(of: number) else { return "opted out" }
            let source = state.source.webhookName ?? "import"
            return "opted out on \(state.since.iso8601) (\(source))"
        }

        // This run's report of the list, from this pass, when it is due.
        let deferredList = list != nil ? context.deferredListReports[listPath] : nil
        var check = ListCheck()
        let listBytes = list != nil ? ((try? FileSize.of(listPath)) ?? 0) : 0
        if let list {
            while true {
                let more: Bool
                do { more = try list.next() } catch {
                    throw CampaignRejection(reasons: ["list \"\(template.list ?? "")\" cannot be used: \(listDisplay): \(error.description)"])
                }
                if !more { break }
                summary.rowsRead += 1
                if summary.rowsRead & 0xFFFF == 0, let progress = context.progress {
                    let percent = listBytes > 0 ? min(99, list.bytesRead * 100 / listBytes) : 0
                    progress("campaign \(outputName): \(summary.rowsRead) rows read (\(percent)%), \(summary.toSend) to send")
                }
                let line = list.line
                switch list.number() {
                case .blank:
                    if deferredList != nil { check.blank(line) }
                    try skip(line, "", skipBlank, "blank row")
                case .invalid(let rejection):
                    let raw = list.rawPhone()
                    if deferredList != nil { check.invalid(line, raw: raw, rejection) }
                    try skip(line, raw, "invalid number", rejection.reason)
                case .number(let number):
                    if let first = try duplicates?.firstLine(ifDuplicate: line) {
                        if deferredList != nil { check.duplicate(line, number, of: first) }
                        try skip(line, number.e164, skipDuplicate, "duplicate of line \(first)")
                        continue
                    }
                    if context.ledger.isOptedOut(number) {
                        if deferredList != nil { check.optedOut(line, number) }
                        try skip(line, number.e164, skipOptedOut, optedOutReason(number))
                        continue
                    }
                    if deferredList != nil { check.textable() }
                    try emit(number, line: line, fields: { list.trimmed($0) })
                }
            }
        } else if let single {
            summary.rowsRead = 1
            if context.ledger.isOptedOut(single) {
                try skip(template.toLine ?? 1, single.e164, skipOptedOut, optedOutReason(single))
            } else {
                try emit(single, line: template.toLine ?? 1, fields: { _ in UnsafeBufferPointer(start: nil, count: 0) })
            }
        }
        if summary.toSend == 0 && summary.rowsRead > 0 {
            summary.warnings.append("nobody to send to: every row was skipped")
        }

        // Nothing is published from a template or list that changed since it was read.
        if let reason = context.publishCheck?() { throw CampaignInputChanged(reason: reason) }
        if let deferredList, let list {
            let outcome = try ListReportJob.write(deferredList, reader: list, check: check, context: context)
            context.deferredListReports[listPath] = nil
            context.listReportsWritten.append(context.display(outcome.reportPath))
        }
        // Publish: link index durable first; the send file, which a gateway uploader takes, last.
        if let links { try links.1.sync() }
        summary.outputs.append(context.display(sendPath))
        if linksFile != nil { summary.outputs.append(context.display(linksPath)) }
        summary.outputs.append(context.display(skippedPath))
        summary.outputs.append(context.display(reportPath))
        try skippedFile.commit()
        let report = renderReport(summary, template: template, templatePath: context.display(templatePath),
                                  list: list, listDisplay: listDisplay, settings: settings, maxSegments: maxSegments, now: context.now)
        try Durable.writeFile(reportPath, report)
        try linksFile?.commit()
        try sendFile.commit()
        return summary
    }

    static func availableLists(_ ws: Workspace) -> [String] {
        ListFiles.names(ws).map { DropFolder.splitExtension($0).0 }
    }

    /// What the link costs in SMS length: GSM-7 septets and the share of a segment they take.
    static func linkCost(_ link: String) -> String {
        var septets = 0
        for scalar in link.unicodeScalars {
            let cost = Int(Segments.gsmCost(scalar.value))
            if cost == 0 {
                return "\(link.utf16.count) UCS-2 characters (the link is not GSM-7: every message becomes UCS-2, \(Segments.ucs2SingleLimit) characters a segment)"
            }
            septets += cost
        }
        func share(_ limit: Int) -> String { String(format: "%.0f%%", Double(septets) * 100 / Double(limit)) }
        return "\(septets) GSM-7 characters = \(share(Segments.gsm7SingleLimit)) of a single \(Segments.gsm7SingleLimit)-character segment, \(share(Segments.gsm7PartLimit)) of a \(Segments.gsm7PartLimit)-character part"
    }

    static func renderReport(_ s: CampaignSummary, template: CampaignTemplate, templatePath: String, list: ContactListReader?,
                             listDisplay: String, settings: Settings, maxSegments: Int?, now: Timestamp) -> String {
        func line(_ label: String, _ value: String) -> String {
            label.padding(toLength: 22, withPad: " ", startingAt: 0) + value + "\n"
        }
        var out = "Campaign \(s.name)\n"
        out += String(repeating: "=", count: 9 + s.name.count) + "\n\n"
        out += line("Template:", templatePath)
        if let list {
            let delimiter = list.delimiter == 0x09 ? "tab" : "'\(String(UnicodeScalar(list.delimiter)))'"
            out += line("List:", "\(template.list ?? "") (\(listDisplay); \(list.encoding.rawValue), delimiter \(delimiter), phone column \"\(list.columns[list.phoneColumn])\"\(list.hasHeader ? "" : ", no header row"))")
        } else if let to = template.to {
            out += line("To:", to)
        }
        if let sender = template.sender { out += line("Sender:", sender) }
        out += line("Built:", now.iso8601)
        out += "\n"
        out += line("Rows read:", String(s.rowsRead))
        out += line("To send:", String(s.toSend))
        let skippedTotal = s.skipped.values.reduce(0, +)
        out += line("Skipped:", String(skippedTotal))
        for (reason, count) in s.skipped.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            out += line("  \(reason):", String(count))
        }
        out += line("Segments:", "\(s.segments) (GSM-7: \(s.gsmMessages) messages, UCS-2: \(s.ucsMessages) messages)")
        if let maxSegments { out += line("Max segments:", String(maxSegments)) }
        if let price = settings.pricePerSegment {
            let cost = String(format: "%.2f", Double(s.segments) * price)
            out += line("Cost:", "\(cost)\(settings.currency.isEmpty ? "" : " " + settings.currency) at \(price) per segment")
        }
        if let link = s.sampleLink {
            let base = settings.optoutLinkBase ?? ""
            out += line("Opt-out link:", "\(base) + \(LinkTokens.length)-character token = \(link.count) characters in every message")
            out += line("Link cost:", linkCost(link))
        }
        out += "\nWarnings:\n"
        if s.warnings.isEmpty { out += "  none\n" }
        for warning in s.warnings { out += "  - \(warning)\n" }
        out += "\nFiles:\n"
        for file in s.outputs { out += "  \(file)\n" }
        return out
    }
}
