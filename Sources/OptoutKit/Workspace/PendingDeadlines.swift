// Pending deadlines (issue 17 item 1): the opt-outs not yet in force and by when they must be.
// Not in force: an opt-out input still in the inbox (stops/, clicks/, suppressions/: not read
// yet), one in its rejected/ folder, and an open review item that may be an opt-out
// (ambiguous-reply, unreadable-sender, bot-confirmation). "Received" is the event's time for a
// review item (else when it was found) and, for a file, when optout first saw it
// (.optout/first-seen.tsv, kept by `run` and each `watch` pass; the file's mtime when earlier or
// when no run saw it yet). The deadline is OptOutDeadlines' (a file's numbers are not known:
// `default_country`'s rule, else the earliest of the tracked rules).
// `FirstSeen.update` rewrites .optout/first-seen.tsv (0600, whole, only when it changed): one line
// per file present, `<workspace path>\t<ISO time>`; a file moved to rejected/ keeps the time it
// was first seen in the inbox; a file read and left in place (a writer keeps it open) counts from
// that read; entries of files gone are dropped.
// Input: a workspace, settings, the clock. Output: `PendingOptOut`s, nearest deadline first, and
// the warning lines of those within a day of their deadline (or past it). Failures: none for the
// look (what cannot be read is skipped); `update` throws `OptoutError` when the file cannot be written.

import OptoutBase
import OptoutPhone
import Foundation

/// One opt-out not yet in force.
package struct PendingOptOut: Sendable, Equatable {
    /// What it is: "inbox/stops/rejected/x.csv (rejected)", "review item R… (ambiguous-reply, +1…)".
    package var what: String
    package var received: Timestamp
    package var deadline: Deadline
}

package enum FirstSeen {
    /// The opt-out input files present now (inbox and rejected/), by workspace path, with mtimes.
    static func present(_ ws: Workspace) -> [(path: String, mtime: Timestamp, rejected: Bool, inboxPath: String)] {
        var out: [(String, Timestamp, Bool, String)] = []
        for kind in CampaignHolds.optOutKinds {
            let folder = ws.folder(kind)
            for (dir, rejected) in [(folder, false), (ws.rejected(kind), true)] {
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !DropFolder.isIgnoredName(name) {
                    var st = stat()
                    guard lstat("\(dir)/\(name)", &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                    out.append((ws.display("\(dir)/\(name)"), Timestamp(seconds: Int64(st.st_mtim.tv_sec)), rejected, ws.display("\(folder)/\(name)")))
                }
            }
        }
        return out
    }

    /// The recorded first-seen times (empty when none).
    package static func read(_ ws: Workspace) -> [String: Timestamp] {
        guard let bytes = try? Durable.readFile(ws.firstSeenFile) else { return [:] }
        var map: [String: Timestamp] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2, let t = Timestamp.parse(String(parts[1]), zone: .gmt) { map[String(parts[0])] = t }
        }
        return map
    }

    /// The first-seen times of the files present, recorded ones kept (a rejected file inherits
    /// its inbox entry), new ones at `now` or their mtime when earlier.
    package static func current(_ ws: Workspace, recorded: [String: Timestamp], now: Timestamp, readNow: Set<String> = []) -> [String: Timestamp] {
        var map: [String: Timestamp] = [:]
        for file in present(ws) {
            // Read this run and left in place (a writer keeps it open): what it held is in force;
            // what it gains counts from now.
            if readNow.contains(file.path) { map[file.path] = now; continue }
            map[file.path] = recorded[file.path] ?? (file.rejected ? recorded[file.inboxPath] : nil) ?? min(now, file.mtime)
        }
        return map
    }

    /// Records the files present now; returns the map.
    @discardableResult
    package static func update(_ ws: Workspace, now: Timestamp, readNow: Set<String> = []) throws(OptoutError) -> [String: Timestamp] {
        let recorded = read(ws)
        let map = current(ws, recorded: recorded, now: now, readNow: readNow)
        guard map != recorded else { return map }
        // A name with a tab or newline cannot be a line here; such a file is refused by the run anyway.
        let text = map.keys.sorted().filter { !$0.contains("\t") && !$0.contains("\n") }.map { "\($0)\t\(map[$0]!.iso8601)\n" }.joined()
        try Durable.writeFile(ws.firstSeenFile, Array(text.utf8), mode: 0o600)
        return map
    }
}

package enum PendingDeadlines {
    /// Review kinds whose item may be an opt-out not applied.
    static let reviewKinds: Set<ReviewKind> = [.ambiguousReply, .unreadableSender, .botConfirmation]

    /// Every opt-out not yet in force that a tracked jurisdiction gives a deadline, nearest first.
    package static func collect(_ ws: Workspace, settings: Settings, firstSeen: [String: Timestamp],
                                openReviews: [StoredReview]) -> [PendingOptOut] {
        let rules = settings.deadlines
        var out: [PendingOptOut] = []
        for file in FirstSeen.present(ws) {
            let received = firstSeen[file.path] ?? file.mtime
            guard let deadline = OptOutDeadlines.deadline(received: received, country: nil, settings: rules) else { continue }
            out.append(PendingOptOut(what: "\(file.path) (\(file.rejected ? "rejected, not applied" : "not read yet"))", received: received, deadline: deadline))
        }
        let parser = PhoneNumberParserBox.parser
        for review in openReviews where reviewKinds.contains(review.item.kind) {
            let received = review.item.eventTime ?? review.foundAt
            var country: String?
            if case .success(let number) = parser.parse(review.item.number) { country = OptOutDeadlines.country(of: number) }
            guard let deadline = OptOutDeadlines.deadline(received: received, country: country, settings: rules) else { continue }
            out.append(PendingOptOut(what: "review item \(review.id) (\(review.item.kind.rawValue), \(review.item.number), \(review.item.file):\(review.item.line))",
                                     received: received, deadline: deadline))
        }
        return out.sorted { ($0.deadline.due, $0.what) < ($1.deadline.due, $1.what) }
    }

    /// Lines for those due within a day of `now` or already past (printed at every run).
    package static func warnings(_ pending: [PendingOptOut], now: Timestamp) -> [String] {
        pending.filter { $0.deadline.due.seconds - now.seconds <= 86400 }.map { p in
            "opt-out deadline: \(p.what): received \(p.received.iso8601), not in force, \(describe(p.deadline, now: now))"
        }
    }

    /// For `watch`: the warnings not yet said for the same input and state (near, then missed),
    /// so a pass every 30 s does not repeat them; `shown` keeps what stands now.
    package static func newlyWarned(_ lines: [String], shown: inout Set<String>) -> [String] {
        func key(_ line: String) -> String {
            String(line.prefix { $0 != "," }) + (line.hasSuffix(": missed") ? "\u{0}missed" : "\u{0}near")
        }
        let fresh = lines.filter { !shown.contains(key($0)) }
        shown = Set(lines.map(key))
        return fresh
    }

    /// "due 2026-11-27T00:00:00Z (in 5 h, 10 business days (US))", or "... (11 h ago ...)".
    package static func describe(_ d: Deadline, now: Timestamp) -> String {
        let left = d.due.seconds - now.seconds
        let span = StatusFacts.age(Int(abs(left)))
        return left >= 0 ? "due \(d.due.iso8601) (in \(span), \(d.rule.label))" : "was due \(d.due.iso8601) (\(span) ago, \(d.rule.label)): missed"
    }
}

/// A parser of E.164 text (review items keep numbers as E.164 when they have a reading).
enum PhoneNumberParserBox {
    static let parser = PhoneNumberParser(defaultRegion: nil)
}
