// Click intake: what the opt-out page logs of one run mean, and the report about them.
// Input: the page logs in inbox/clicks/ (read by ClickLogReader), the link index (.optout/links.tsv,
// through TokenResolver), the link base from settings (its path prefix says which requests are
// opt-out links), and outbox/links/*.csv (which campaign sent a token). Output:
//   - an opt-out event (source `link`) for each confirmation (POST, or a CSV row marked confirm)
//     of a known token from a person, with its evidence (token, campaign, time, user agent, ip,
//     status; file and line) — these go into the run's single ledger write;
//   - counts: views (GET/HEAD), confirmations, bot-flagged requests, unknown and malformed tokens
//     (listed, never guessed), and per campaign the confirm rate;
//   - the report outbox/reports/clicks-<time>.txt (named through the journal, so a rerun after a
//     crash rewrites the same file instead of adding a second one).
// A confirmation is applied unless its user agent names a known link preview or scanner: those are
// held and become review items (`apply` opts the number out); one with an empty (where the log
// records agents) or scripted user agent (curl, python-requests...) is applied and flagged for
// review. A CSV without user agents is a person's. Views by any of these are not counted as people's.
// Failures: `OptoutError` reading the index or writing the report; a bad log is the caller's to reject.

import OptoutPhone
import OptoutBase
import Foundation

/// A confirmation from a known token, waiting for its campaign before it becomes an event.
struct PendingConfirmation {
    var token: UInt64
    var tokenText: String
    var number: PhoneNumber
    var request: ClickRequest
    var file: String
    var inputHash: String
    var sender: BotAgents.Sender
}

package final class ClickIntake: OptOutInputReader {
    package let workspace: Workspace
    let settings: Settings
    let now: Timestamp
    /// Loaded in `finish()` with only the tokens the logs ask for.
    var resolver = TokenResolver(capacity: 16)
    /// Requests for link paths from the files read, waiting for `finish()`.
    private var linkRequests: [(request: ClickRequest, file: String, inputHash: String)] = []
    /// The link base's path ("/u/"), or nil when no link base is set (then the last path segment is the token).
    package let pathPrefix: String?

    package private(set) var files: [(name: String, format: ClickLogFormat, lines: Int)] = []
    package private(set) var diagnostics: [Diagnostic] = []
    package private(set) var requests = 0
    package private(set) var views = 0
    package private(set) var confirmations = 0
    package private(set) var botFlagged = 0
    package private(set) var otherMethods = 0
    package private(set) var ignored = 0
    package private(set) var unknown: [UnresolvedClick] = []
    package private(set) var unknownCount = 0
    package private(set) var malformed: [UnresolvedClick] = []
    package private(set) var malformedCount = 0
    package private(set) var botConfirmations: [UnresolvedClick] = []
    package private(set) var perCampaign: [String: CampaignClicks] = [:]
    package private(set) var events: [IncomingEvent] = []
    /// Confirmations a person must look at (link previews and scanners held; scripts flagged).
    package private(set) var reviews: [ReviewItem] = []
    /// Content keys of the files read (names the report through the journal).
    private var inputKeys: [String] = []
    private var pending: [PendingConfirmation] = []
    /// Views of known tokens: (token, time, bot).
    private var viewed: [(token: UInt64, time: Timestamp, bot: Bool)] = []
    private var botCache: [String: BotAgents.Sender] = [:]
    /// Confirmations applied but flagged (an empty or scripted user agent).
    package private(set) var flaggedConfirmations = 0
    private static let listLimit = 200
    static let noCampaign = "(no campaign found)"

    package init(workspace: Workspace, settings: Settings, now: Timestamp) throws(OptoutError) {
        self.workspace = workspace
        self.settings = settings
        self.now = now
        self.pathPrefix = settings.optoutLinkBase.flatMap(ClickIntake.pathPrefix(ofLinkBase:))
    }

    /// The path part of a link base: "https://example.com/u/" → "/u/"; nil when it has none or a query.
    package static func pathPrefix(ofLinkBase base: String) -> String? {
        guard let scheme = base.range(of: "://") else { return nil }
        let rest = base[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let path = String(rest[slash...])
        if path.contains("?") || path.contains("#") { return nil }
        return path
    }

    /// The token candidate in a logged target, or nil when the target is not an opt-out link at all.
    func tokenCandidate(_ target: String) -> Substring? {
        var path = Substring(target)
        if !path.hasPrefix("/"), let colon = path.utf8.firstIndex(of: 0x3A), path.utf8[colon...].starts(with: "://".utf8) {
            let rest = path[path.utf8.index(colon, offsetBy: 3)...]
            path = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
        }
        if let cut = path.utf8.firstIndex(where: { $0 == 0x3F || $0 == 0x23 }) { path = path[..<cut] }
        if !target.utf8.contains(0x2F) { return path }      // a bare token (CSV token column)
        if let prefix = pathPrefix {
            guard path.hasPrefix(prefix) else { return nil }
            return path.dropFirst(prefix.count)
        }
        return path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
    }

    /// Reads one page log; on a thrown error nothing from it has been kept. The contents hold its
    /// line count only: its events, review items and row problems come from `finish()`, once every
    /// log of the run is read and its tokens resolved.
    package func read(path: String, displayName: String, contentKey: String) throws(InputError) -> OptOutContents {
        let inputHash = Self.inputHash(contentKey)
        let reader = ClickLogReader(timezone: settings.timezone, dateOrder: settings.dateOrder)
        // Only requests for opt-out links are kept until the file is known to be good (a big
        // site log is mostly other traffic, counted and dropped here).
        var local: [ClickRequest] = []
        var otherTraffic = 0
        let summary = try reader.read(path: path, displayName: displayName) { request in
            if tokenCandidate(request.target) == nil { otherTraffic += 1 } else { local.append(request) }
        }
        files.append((displayName, summary.format, summary.lines))
        diagnostics.append(contentsOf: summary.rowProblems)
        inputKeys.append(contentKey)
        ignored += otherTraffic
        for request in local { linkRequests.append((request, displayName, inputHash)) }
        var contents = OptOutContents()
        contents.rows = summary.lines
        return contents
    }

    private func take(_ request: ClickRequest, file: String, inputHash: String) {
        guard let candidate = tokenCandidate(request.target) else { return }
        requests += 1
        let location = UnresolvedClick(file: file, line: request.line, target: request.target)
        guard let value = TokenResolver.value(ofToken: candidate.utf8) else {
            malformedCount += 1
            if malformed.count < ClickIntake.listLimit { malformed.append(location) }
            return
        }
        guard let number = resolver.resolve(value: value) else {
            unknownCount += 1
            if unknown.count < ClickIntake.listLimit { unknown.append(location) }
            return
        }
        let sender: BotAgents.Sender
        let cacheKey = request.agentLogged ? request.userAgent : "\u{0}" + request.userAgent
        if let known = botCache[cacheKey] { sender = known } else {
            sender = BotAgents.sender(request.userAgent, logged: request.agentLogged)
            if botCache.count < 100_000 { botCache[cacheKey] = sender }
        }
        switch request.action {
        case .view:
            let bot = sender != .person
            if bot { botFlagged += 1 } else { views += 1 }
            viewed.append((value, request.time ?? now, bot))
        case .confirm:
            switch sender {
            case .person: confirmations += 1
            case .scripted: flaggedConfirmations += 1
            case .preview:
                botFlagged += 1
                if botConfirmations.count < ClickIntake.listLimit { botConfirmations.append(location) }
            }
            pending.append(PendingConfirmation(token: value, tokenText: String(candidate), number: number, request: request,
                                               file: file, inputHash: inputHash, sender: sender))
        case .other:
            if sender != .person { botFlagged += 1 }
            otherMethods += 1
        }
    }

    /// Attributes every known token to a campaign and builds the opt-out events. Call once, after
    /// every file was read.
    package func finish() throws(OptoutError) {
        // Resolve: one sequential pass over the index keeping only the tokens asked for.
        var wanted = Set<UInt64>()
        for item in linkRequests {
            if let candidate = tokenCandidate(item.request.target), let value = TokenResolver.value(ofToken: candidate.utf8) {
                wanted.insert(value)
            }
        }
        if !wanted.isEmpty { resolver = try TokenResolver.load(paths: [workspace.linkIndexFile] + workspace.retiredLinkIndexes(), only: wanted) }
        for item in linkRequests { take(item.request, file: item.file, inputHash: item.inputHash) }
        linkRequests = []

        var firstSeen: [UInt64: Timestamp] = [:]
        for v in viewed { firstSeen[v.token] = min(firstSeen[v.token] ?? v.time, v.time) }
        for p in pending { let t = p.request.time ?? now; firstSeen[p.token] = min(firstSeen[p.token] ?? t, t) }
        let campaigns = try ClickIntake.attribute(firstSeen, linksFolder: workspace.linksFolder)
        func campaign(_ token: UInt64) -> String { campaigns[token] ?? ClickIntake.noCampaign }

        var opened: [String: Set<UInt64>] = [:]
        var confirmedTokens: [String: Set<UInt64>] = [:]
        for v in viewed {
            let name = campaign(v.token)
            if v.bot { perCampaign[name, default: CampaignClicks()].botFlagged += 1; continue }
            perCampaign[name, default: CampaignClicks()].views += 1
            opened[name, default: []].insert(v.token)
        }
        for p in pending {
            let name = campaign(p.token)
            let r = p.request
            let agent = r.userAgent.isEmpty || r.userAgent == "-" ? "an empty user agent" : "user agent \"\(r.userAgent)\""
            if p.sender == .preview {
                perCampaign[name, default: CampaignClicks()].botFlagged += 1
                reviews.append(ReviewItem(kind: .botConfirmation, number: p.number.e164, eventTime: r.time, file: p.file, line: r.line,
                                          inputHash: p.inputHash, rawText: r.request, choice: "held: not applied",
                                          rule: "confirmation from \(agent), a known link preview or scanner (token \(p.tokenText), campaign \(name)); apply opts the number out", row: r.row))  // row: issue 14 item 5 hook (helper C)
                continue
            }
            if p.sender == .scripted {
                reviews.append(ReviewItem(kind: .scriptedConfirmation, number: p.number.e164, eventTime: r.time, file: p.file, line: r.line,
                                          inputHash: p.inputHash, rawText: r.request, choice: "opted out",
                                          rule: "confirmation (\(r.method)) from \(agent), a script rather than a browser (token \(p.tokenText), campaign \(name)); applied, as any opt-out request is", row: r.row))  // row: issue 14 item 5 hook (helper C)
            }
            if p.sender == .person {
                perCampaign[name, default: CampaignClicks()].confirmations += 1
                opened[name, default: []].insert(p.token)
                confirmedTokens[name, default: []].insert(p.token)
            } else {
                perCampaign[name, default: CampaignClicks()].botFlagged += 1
            }
            var rule = r.method == "POST" ? "confirmed on the opt-out page (POST)" : "page log row marked confirm (\(r.method))"
            if p.sender == .scripted { rule += "; flagged: \(agent)" }
            if r.time == nil {
                rule += "; time \(r.rawTime.isEmpty ? "missing" : "\"\(r.rawTime)\" unreadable"), processing time used"
                diagnostics.append(Diagnostic(.warning, SpreadsheetRow.location(file: p.file, line: r.line, row: r.row), "time \(r.rawTime.isEmpty ? "missing" : "\"\(r.rawTime)\"") could not be read; the processing time was used"))
            }
            var detail = "token=\(p.tokenText); campaign=\(name)"
            if let status = r.status { detail += "; status=\(status)" }
            if !r.ip.isEmpty { detail += "; ip=\(r.ip)" }
            detail += "; user_agent=\(r.userAgent)"
            var event = IncomingEvent(kind: .optOut, number: p.number, time: r.time ?? now, source: .link, rule: rule,
                                      file: p.file, line: r.line, inputHash: p.inputHash, text: r.request, detail: detail)
            event.row = SpreadsheetRow.distinct(r.row, line: r.line)  // issue 14 item 5 hook (helper C): the ledger keeps the row
            events.append(event)
        }
        for (name, set) in opened { perCampaign[name, default: CampaignClicks()].opened = set.count }
        for (name, set) in confirmedTokens { perCampaign[name, default: CampaignClicks()].confirmed = set.count }
    }

    /// Which campaign sent each token: the newest links file built no later than the token's first
    /// request, else the newest file that holds it. Reads outbox/links/*.csv newest first and stops
    /// as soon as every token is settled.
    static func attribute(_ firstSeen: [UInt64: Timestamp], linksFolder: String) throws(OptoutError) -> [UInt64: String] {
        guard !firstSeen.isEmpty else { return [:] }
        let found = DropFolder.scan(linksFolder, settle: 0, accept: { $0.hasSuffix(".csv") })
        let newestFirst = found.ready.sorted { $0.modified != $1.modified ? $0.modified > $1.modified : $0.name > $1.name }
        var result: [UInt64: String] = [:]
        var settled = Set<UInt64>()
        for file in newestFirst {
            if settled.count == firstSeen.count { break }
            let name = String(file.name.dropLast(4))
            let bytes = try Durable.readFile(file.path)
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                let n = b.count
                while i < n {
                    var end = i
                    while end < n && b[end] != 0x0A { end += 1 }
                    // phone,token,url — the token is the second field
                    var comma = i
                    while comma < end && b[comma] != 0x2C { comma += 1 }
                    if comma + 1 + LinkTokens.length <= end,
                       let value = TokenResolver.value(ofToken: UnsafeBufferPointer(rebasing: b[(comma + 1)..<(comma + 1 + LinkTokens.length)])),
                       let seen = firstSeen[value], !settled.contains(value) {
                        result[value] = name
                        if file.modified <= seen { settled.insert(value) }
                    }
                    i = end + 1
                }
            }
        }
        return result
    }

    // MARK: report

    /// Writes outbox/reports/clicks-<time>.txt; returns its path and the journal key to mark done.
    package func writeReport(ledger: Ledger, journal: Journal) throws(OptoutError) -> (path: String, key: String) {
        var hash = SHA256()
        for key in inputKeys.sorted() { hash.update(key) }
        let key = Hex.encode(Array(hash.finalize().prefix(16)))
        let reports = workspace.reportsFolder
        let name = try journal.claimName(kind: .clicks, key: key, preferred: "clicks-\(now.compact)") { candidate in
            Durable.exists("\(reports)/\(candidate).txt")
        }
        let path = "\(reports)/\(name).txt"
        try Durable.writeFile(path, ClicksReportText.render(figures(ledger: ledger)))
        return (path, key)
    }

    /// Confirmations whose number is now opted out by exactly that confirmation (this run or an
    /// interrupted one), and those of numbers already opted out before.
    func optOutOutcome(_ ledger: Ledger) -> (new: Int, already: Int) {
        var new = 0, already = 0
        var counted = Set<UInt64>()
        for event in events where counted.insert(event.number.value).inserted {
            if let state = ledger.state.state(of: event.number), state.source == .link, state.since == event.time {
                new += 1
            } else {
                already += 1
            }
        }
        return (new, already)
    }

    /// The report's figures, with the opt-out outcome of the confirmations as the ledger has it now.
    func figures(ledger: Ledger) -> ClickFigures {
        let outcome = optOutOutcome(ledger)
        return ClickFigures(now: now, files: files, pathPrefix: pathPrefix, requests: requests, views: views,
                            confirmations: confirmations, flaggedConfirmations: flaggedConfirmations, botFlagged: botFlagged,
                            unknown: unknown, unknownCount: unknownCount, malformed: malformed, malformedCount: malformedCount,
                            otherMethods: otherMethods, ignored: ignored, botConfirmations: botConfirmations,
                            perCampaign: perCampaign, optedOutNew: outcome.new, alreadyOptedOut: outcome.already)
    }
}
