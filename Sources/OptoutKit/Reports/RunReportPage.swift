// Run report page: one self-contained HTML page about a run, to look at (issue 15 item 4) — what
// came in and went out, each campaign's funnel (rows read → skipped by reason → to send), its
// segments and cost, opt-outs per day for the last 90 days by source (reply, link, import) as an
// inline SVG with one bar per day that has any, the open review items, and what is held and why.
// No script, no outside asset (inline CSS and SVG only), readable at phone width and in dark mode
// (prefers-color-scheme). Also the index page linking run reports, newest first.
// Input: `RunPageData` (figures of one run, the suppression state, the clock). Output: the HTML
// text. Failures: none (every text is escaped).
// Written by `optout run` through RunReportOutput (a journal claim: one per run, the same bytes
// after a crash and rerun).

import OptoutBase

package struct RunPageData: Sendable {
    package var time: Timestamp
    /// "What came in and what went out", in order: label and count.
    package var figures: [(label: String, value: Int)] = []
    package var campaigns: [CampaignSummary] = []
    package var pricePerSegment: Double?
    /// Opt-outs per day, oldest first: the day (YYYY-MM-DD) and counts by source.
    package var days: [(day: String, counts: [EventSource: Int])] = []
    package var reviewItemsOpen = 0
    package var reviewNotices: [String] = []
    package var held: [HeldCampaign] = []
    /// Confirmations left out as more than 5 minutes late (issue 17; shown only when any).
    package var lateConfirmations: [String] = []

    package init(time: Timestamp) { self.time = time }
}

package enum RunReportPage {
    static let sourceColors: [(EventSource, String, String)] = [(.reply, "reply", "#2f7fd1"), (.link, "link", "#e0822b"), (.import, "import", "#3aa655")]

    /// Opt-outs standing now, per day they took effect, for the `count` days ending with `now`'s day.
    package static func days(_ state: SuppressionState, now: Timestamp, count: Int = 90) -> [(day: String, counts: [EventSource: Int])] {
        let today = now.seconds >= 0 ? now.seconds / 86400 : (now.seconds - 86399) / 86400
        var byDay: [Int64: [EventSource: Int]] = [:]
        state.forEachOptedOut { _, entry in
            let day = entry.since.seconds >= 0 ? entry.since.seconds / 86400 : (entry.since.seconds - 86399) / 86400
            guard day <= today && day > today - Int64(count) else { return }
            byDay[day, default: [:]][entry.source, default: 0] += 1
        }
        return (0..<Int64(count)).map { offset in
            let day = today - Int64(count) + 1 + offset
            return (String(Timestamp(seconds: day * 86400).iso8601.prefix(10)), byDay[day] ?? [:])
        }
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static let style = """
    :root{color-scheme:light dark;--fg:#1d2430;--bg:#fff;--muted:#5b6473;--line:#d9dde3;--bar:#2f7fd1;--warn:#b3261e}
    @media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--bg:#14171c;--muted:#9aa3b1;--line:#333a45;--bar:#5aa2ec;--warn:#ff8a80}}
    *{box-sizing:border-box}body{margin:0;padding:16px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
    main{max-width:960px;margin:0 auto}h1{font-size:1.35em;margin:0 0 4px}h2{font-size:1.1em;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
    .muted{color:var(--muted)}table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px}
    .card{border:1px solid var(--line);border-radius:8px;padding:8px 10px}.card b{display:block;font-size:1.4em}svg{width:100%;height:auto;display:block}
    .warn{color:var(--warn)}.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
    a{color:var(--bar)}li{margin:2px 0}
    """

    /// The run's page.
    package static func html(_ data: RunPageData) -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        out += "<title>optout run \(escape(data.time.iso8601))</title><style>\(style)</style></head>\n<body><main>\n"
        out += "<h1>optout run</h1><p class=\"muted\">\(escape(data.time.iso8601)) · <a href=\"index.html\">all runs</a></p>\n"
        out += "<h2>In and out</h2><div class=\"grid\">"
        for (label, value) in data.figures { out += "<div class=\"card\"><b>\(value)</b>\(escape(label))</div>" }
        out += "</div>\n"
        out += "<h2>Campaigns</h2>\n"
        if data.campaigns.isEmpty { out += "<p class=\"muted\">No campaign was built in this run.</p>\n" }
        for campaign in data.campaigns { out += funnel(campaign, price: data.pricePerSegment) }
        out += "<h2>Opt-outs per day, last \(data.days.count) days</h2>\n" + chart(data.days)
        out += "<h2>Review</h2>\n"
        out += "<p>\(data.reviewItemsOpen) review item(s) open\(data.reviewItemsOpen > 0 ? ": decide them in outbox/reports/review-*.csv and drop the file into inbox/reviews/" : "").</p>\n"
        if !data.reviewNotices.isEmpty { out += "<ul>" + data.reviewNotices.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n" }
        out += "<h2>Held</h2>\n"
        if data.held.isEmpty { out += "<p class=\"muted\">Nothing is held.</p>\n" } else {
            out += "<table><tr><th>campaign</th><th>why</th><th class=\"n\">exit</th></tr>"
            for held in data.held { out += "<tr class=\"held\"><td>\(escape(held.file))</td><td class=\"warn\">\(escape(held.cause))</td><td class=\"n\">\(held.exitCode)</td></tr>" }
            out += "</table>\n"
        }
        if !data.lateConfirmations.isEmpty {
            out += "<h2>Confirmations left out as late</h2>\n<p>Recorded more than 5 minutes after the opt-out, so no confirmation SMS was written (run <code>optout watch</code> to meet the 5-minute presumption).</p>\n"
            out += "<ul>" + data.lateConfirmations.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        out += "</main></body></html>\n"
        return out
    }

    /// Rows read → each skip reason → to send, as a table with proportional bars.
    static func funnel(_ c: CampaignSummary, price: Double?) -> String {
        let total = max(c.rowsRead, 1)
        var rows: [(String, String, Int)] = [("rows read", "rows-read", c.rowsRead)]
        for (reason, n) in c.skipped.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            rows.append(("skipped: \(reason)", "skipped", n))
        }
        rows.append(("to send", "sent", c.toSend))
        // Quiet hours: each timed send file (UTC) and the rows held for an unknown zone (ScheduleFacts).
        for group in c.schedule?.groups ?? [] { rows.append(("  at \(group.time.iso8601)", "later", group.rows)) }
        if let held = c.schedule?.heldRows { rows.append(("held: sending hours unknown", "held", held)) }
        var out = "<h3 class=\"campaign\">\(escape(c.name))</h3><table class=\"funnel\" data-campaign=\"\(escape(c.name))\">"
        for (label, key, n) in rows {
            let width = Int((Double(n) / Double(total) * 100).rounded())
            out += "<tr><td>\(escape(label))</td><td class=\"n\" data-k=\"\(key)\">\(n)</td><td style=\"width:40%\"><svg viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(n)\"><rect width=\"\(width)\" height=\"8\" rx=\"1\" fill=\"\(key == "skipped" || key == "held" ? "var(--warn)" : "var(--bar)")\"/></svg></td></tr>"
        }
        var cost = "\(c.segments) segment(s)"
        if let price { cost += String(format: ", cost %.2f", price * Double(c.segments)) }
        out += "<tr><td>segments and cost</td><td class=\"n\" data-k=\"segments\">\(c.segments)</td><td>\(escape(cost))</td></tr></table>\n"
        return out
    }

    /// One stacked bar per day that has opt-outs (class "bar"), colored by source.
    static func chart(_ days: [(day: String, counts: [EventSource: Int])]) -> String {
        let width = 900.0, height = 180.0, top = 10.0, bottom = 24.0
        let peak = max(1, days.map { $0.counts.values.reduce(0, +) }.max() ?? 1)
        let step = width / Double(max(days.count, 1))
        var out = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"opt-outs per day\">"
        out += "<line x1=\"0\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"currentColor\" stroke-opacity=\"0.3\"/>"
        out += "<text x=\"0\" y=\"\(height - 6)\" font-size=\"12\" fill=\"currentColor\">\(escape(days.first?.day ?? ""))</text>"
        out += "<text x=\"\(width)\" y=\"\(height - 6)\" font-size=\"12\" text-anchor=\"end\" fill=\"currentColor\">\(escape(days.last?.day ?? ""))</text>"
        out += "<text x=\"2\" y=\"\(top + 10)\" font-size=\"12\" fill=\"currentColor\">\(peak)</text>"
        for (i, day) in days.enumerated() {
            let total = day.counts.values.reduce(0, +)
            guard total > 0 else { continue }
            var y = height - bottom
            let detail = sourceColors.compactMap { source, name, _ in day.counts[source].map { "\(name) \($0)" } }.joined(separator: ", ")
            out += "<g class=\"bar\" data-day=\"\(day.day)\" data-total=\"\(total)\"><title>\(day.day): \(total) (\(detail))</title>"
            for (source, _, color) in sourceColors {
                guard let n = day.counts[source], n > 0 else { continue }
                let h = (height - bottom - top) * Double(n) / Double(peak)
                y -= h
                func f(_ v: Double) -> String { String(format: "%.1f", v) }
                out += "<rect x=\"\(f(Double(i) * step + 1))\" y=\"\(f(y))\" width=\"\(f(max(step - 2, 1)))\" height=\"\(f(h))\" fill=\"\(color)\"/>"
            }
            out += "</g>"
        }
        out += "</svg>\n<p class=\"legend\">" + sourceColors.map { "<span><i style=\"background:\($0.2)\"></i>\($0.1)</span>" }.joined() + "</p>\n"
        return out
    }

    /// The index: links to the last `limit` run reports (file names), newest first.
    package static func index(_ names: [String], limit: Int = 100) -> String {
        let newest = names.filter { $0.hasPrefix("run-") && $0.hasSuffix(".html") }.sorted(by: >).prefix(limit)
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        out += "<title>optout runs</title><style>\(style)</style></head>\n<body><main><h1>optout runs</h1>\n"
        out += "<p class=\"muted\">The last \(newest.count) run report(s), newest first.</p>\n<ul>"
        for name in newest { out += "<li><a href=\"\(escape(name))\">\(escape(name))</a></li>" }
        out += "</ul></main></body></html>\n"
        return out
    }
}
