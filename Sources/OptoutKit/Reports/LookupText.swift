// Lookup text: a number's history (NumberHistory) in words for a person, as JSON for scripts,
// and as one row of the inbox lookup CSV. Pure renderers: no I/O. Input: the history, the
// number as written. Output: text lines, a JSON object, CSV fields; `summary` is the one-line
// result kept in the lookup log. A campaign sent after an opt-out is said loudly (capitals,
// first and last) in the text, flagged in JSON (`sent_after_opt_out`) and in the row ("yes").

import OptoutBase
import Foundation

package enum LookupText {
    static func sourceName(_ source: EventSource) -> String {
        source.webhookName.map { "\(source.rawValue) (\($0))" } ?? source.rawValue
    }

    static func kindName(_ kind: EventKind) -> String {
        switch kind {
        case .optOut: return "opt-out"
        case .optIn: return "opt-in"
        case .help: return "help"
        case .other: return "other"
        }
    }

    /// "opted out since ..." / "subscribed ..." / "never seen".
    package static func statusNow(_ h: NumberHistory) -> String {
        guard h.seen else { return "never seen: no message, opt-out or opt-in from this number in the ledger" }
        guard let now = h.now else { return "subscribed: never opted out (its events changed nothing)" }
        if now.optedOut { return "OPTED OUT since \(now.since.iso8601) (\(sourceName(now.source))): every campaign skips it" }
        return "subscribed: resubscribed at \(now.since.iso8601) (\(sourceName(now.source)))"
    }

    /// The one-line result for the lookup log.
    package static func summary(_ h: NumberHistory) -> String {
        var text: String
        if !h.seen { text = "never seen" } else if h.optedOutNow, let now = h.now {
            text = "opted out since \(now.since.iso8601) (\(now.source.rawValue))"
        } else { text = "subscribed" }
        text += "; events \(h.records.count); campaigns since opt-out \(h.campaignsSinceOptOut.count)"
        if !h.sentAfterOptOut.isEmpty { text += "; SENT AFTER OPT-OUT in \(h.sentAfterOptOut.map(\.campaign.name).joined(separator: ", "))" }
        return text
    }

    static func verdictLine(_ v: CampaignVerdict) -> String {
        let head = "\(v.campaign.builtAt.iso8601)  \(v.campaign.name) (\(v.campaign.rowsSent) sent, template \(v.campaign.template)): "
        let since = v.optedOutSince.map { "opted out since \($0.iso8601)" + (v.optOutSource.map { " by \($0.rawValue)" } ?? "") } ?? ""
        let late = v.recordedAfterBuild.map { "; that opt-out reached optout only at \($0.iso8601), after this campaign was built" } ?? ""
        switch v.kind {
        case .skipped: return head + "skipped, not sent (\(since))"
        case .sentAfterOptOut: return head + "SENT AFTER OPT-OUT (\(since)\(late))"
        case .sent: return head + "sent (subscribed when built)"
        case .notSent: return head + "not sent (not on its list, or skipped for another reason)" + (since.isEmpty ? "" : "; \(since)\(late)")
        }
    }

    /// The history for a person.
    package static func text(_ h: NumberHistory, asWritten: String) -> String {
        var lines: [String] = []
        let sentAfter = h.sentAfterOptOut
        if !sentAfter.isEmpty {
            lines.append("!!! \(h.number.e164) was SENT AFTER AN OPT-OUT in \(sentAfter.count) campaign(s): \(sentAfter.map(\.campaign.name).joined(separator: ", "))")
        }
        lines.append("number:      \(h.number.e164)" + (asWritten == h.number.e164 ? "" : " (as written: \(asWritten))"))
        lines.append("status now:  \(statusNow(h))")
        lines.append("events:      \(h.records.count)")
        for r in h.records {
            var line = "  \(r.eventTime.iso8601)  \(kindName(r.kind)) (\(r.effect.rawValue == "none" ? "no effect" : r.effect.rawValue))"
            line += "  source: \(sourceName(r.source))  text: \(JSONText.quote(r.text))  rule: \(r.rule)  file: \(r.file) \(r.place)"
            line += "  recorded: \(r.recordedTime.iso8601)"
            if let agent = r.userAgent { line += "  user agent: \(agent)" }
            lines.append(line)
        }
        if let first = h.firstOptOut {
            let since = h.campaignsSinceOptOut
            lines.append("campaigns built since its first opt-out (\(first.iso8601)): \(since.count)")
            for v in since { lines.append("  " + verdictLine(v)) }
            if sentAfter.isEmpty {
                let skipped = since.filter { $0.kind == .skipped }.count
                lines.append(skipped == since.filter({ $0.optedOutSince != nil }).count
                             ? "nothing was sent to it after an opt-out: every campaign built while it was opted out skipped it"
                             : "nothing was sent to it after an opt-out")
            } else {
                lines.append("!!! SENT AFTER OPT-OUT: \(sentAfter.map { "\($0.campaign.name) (built \($0.campaign.builtAt.iso8601))" }.joined(separator: "; ")): look into it")
            }
        } else {
            let sent = h.campaigns.filter { $0.kind == .sent }
            lines.append("campaigns sent to it: \(sent.count) of \(h.campaigns.count) built" + (sent.last.map { " (last: \($0.campaign.name), \($0.campaign.builtAt.iso8601))" } ?? ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The history as a JSON object for scripts.
    package static func jsonObject(_ h: NumberHistory, asWritten: String) -> [String: Any] {
        func time(_ t: Timestamp?) -> Any { t.map { $0.iso8601 } ?? NSNull() }
        let events: [[String: Any]] = h.records.map { r in
            ["time": r.eventTime.iso8601, "recorded": r.recordedTime.iso8601, "kind": r.kind.rawValue, "effect": r.effect.rawValue,
             "source": r.source.rawValue, "text": r.text, "rule": r.rule, "file": r.file, "line": r.line, "row": r.row ?? r.line,
             "detail": r.detail, "user_agent": r.userAgent ?? NSNull(), "seq": r.seq]
        }
        let campaigns: [[String: Any]] = h.campaigns.map { v in
            ["name": v.campaign.name, "built_at": v.campaign.builtAt.iso8601, "template": v.campaign.template,
             "rows_sent": v.campaign.rowsSent, "verdict": v.kind.rawValue,
             "sent": v.kind == .sent || v.kind == .sentAfterOptOut, "opted_out_since": time(v.optedOutSince),
             "opt_out_recorded_after_build": time(v.recordedAfterBuild),
             "since_first_opt_out": h.firstOptOut.map { v.campaign.builtAt >= $0 } ?? false]
        }
        let state: String = !h.seen ? "never_seen" : (h.optedOutNow ? "opted_out" : "subscribed")
        return ["number": h.number.e164, "as_written": asWritten, "seen": h.seen, "status": state,
                "opted_out_since": h.optedOutNow ? time(h.now?.since) : NSNull(),
                "source": h.optedOutNow ? (h.now?.source.rawValue ?? "") : NSNull(),
                "first_opt_out": time(h.firstOptOut), "events": events, "campaigns": campaigns,
                "sent_after_opt_out": h.sentAfterOptOut.map(\.campaign.name)]
    }

    package static func json(_ h: NumberHistory, asWritten: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: jsonObject(h, asWritten: asWritten), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Header of outbox/lookups/<name>.csv.
    package static let csvHeader = ["number as written", "e164", "status now", "opted out since", "source", "events",
                                    "last campaign sent", "sent after opt-out"]

    /// One row of the inbox lookup: a number that was read.
    package static func csvRow(_ h: NumberHistory, asWritten: String) -> [String] {
        let status = !h.seen ? "never seen" : (h.optedOutNow ? "opted out" : "subscribed")
        let last = h.lastSent.map { "\($0.campaign.name) (\($0.campaign.builtAt.iso8601))" } ?? ""
        return [asWritten, h.number.e164, status, h.optedOutNow ? (h.now?.since.iso8601 ?? "") : "",
                h.optedOutNow ? (h.now.map { $0.source.webhookName ?? $0.source.rawValue } ?? "") : "",
                String(h.records.count), last, h.sentAfterOptOut.isEmpty ? "no" : "yes"]
    }

    /// One row of the inbox lookup: a cell that is not a number.
    package static func csvRow(invalid asWritten: String, reason: String) -> [String] {
        [asWritten, "", "not a number: \(reason)", "", "", "", "", ""]
    }
}
