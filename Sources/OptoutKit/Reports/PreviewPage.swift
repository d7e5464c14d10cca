// Preview page and text (issue 14 item 3): what a campaign would do if sent now, for people to look
// at before dropping it into inbox/campaigns/. The page is one self-contained HTML file in the run
// report's house style (RunReportPage.style: inline CSS and SVG, no script, no outside asset, phone
// width and dark mode): counts, skips by reason, a histogram of segments per message, cost, what
// forced UCS-2, every warning, why a send would be held or rejected now, the first 20 rendered
// messages with their segment counts and the first skipped rows. The text says the same, with the
// campaign report a real send would write.
// Input: a `Preview` (PreviewJob). Output: the HTML or text. Failures: none (every text escaped).

import OptoutBase
import Foundation

package enum PreviewPage {
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static let extraStyle = """
    .msg{white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
    .banner{border:1px solid var(--line);border-left:4px solid var(--bar);border-radius:6px;padding:8px 10px;margin:8px 0}
    .banner.warn{border-left-color:var(--warn)}h3{font-size:1em;margin:16px 0 6px}svg.hist{max-height:220px}
    @media (max-width:600px){table.messages tr:first-child{display:none}table.messages tr{display:grid;grid-template-columns:auto 1fr auto;border-bottom:1px solid var(--line)}
    table.messages td{border:0}table.messages td.msg{grid-column:1/-1;grid-row:2}}
    """

    static func cost(_ p: Preview) -> String? {
        guard let price = p.pricePerSegment else { return nil }
        return String(format: "%.2f", Double(p.summary.segments) * price) + (p.currency.isEmpty ? "" : " " + p.currency)
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// The page.
    package static func html(_ p: Preview) -> String {
        let s = p.summary
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        out += "<title>Preview: \(escape(p.name))</title><style>\(RunReportPage.style)\(extraStyle)</style></head>\n<body><main>\n"
        out += "<h1>Preview: \(escape(p.name))</h1><p class=\"muted\">\(escape(p.templateDisplay)) · built \(escape(p.built.iso8601))</p>\n"
        out += "<p class=\"banner\">Nothing was sent, consumed or recorded. Drop the same file into <b>inbox/campaigns/</b> to send it.</p>\n"
        if !p.rejection.isEmpty {
            out += "<div class=\"banner warn\" id=\"rejected\"><b>Dropped into inbox/campaigns/, this template would be rejected:</b><ul>"
            out += p.rejection.map { "<li class=\"warn\">\(escape($0))</li>" }.joined() + "</ul></div>\n"
        }
        if !p.held.isEmpty {
            out += "<div class=\"banner warn\" id=\"held\"><b>A send now would be held:</b><ul>"
            out += p.held.map { "<li class=\"warn\">\(escape($0))</li>" }.joined() + "</ul></div>\n"
        }
        if p.rejection.isEmpty || s.rowsRead > 0 {
            out += "<h2>Counts</h2><div class=\"grid\">"
            var cards: [(String, String, String)] = [("rows-read", String(s.rowsRead), "rows read"), ("sent", String(s.toSend), "to send"),
                                                     ("skipped-total", String(s.skipped.values.reduce(0, +)), "skipped"),
                                                     ("segments", String(s.segments), "segments")]
            if let cost = cost(p) { cards.append(("cost", cost, "cost at \(p.pricePerSegment ?? 0) per segment")) }
            for (key, value, label) in cards { out += "<div class=\"card\"><b data-k=\"\(key)\">\(escape(value))</b>\(escape(label))</div>" }
            out += "</div>\n<p class=\"muted\">GSM-7: \(plural(s.gsmMessages, "message")), UCS-2: \(plural(s.ucsMessages, "message"))\(p.maxSegments.map { "; max_segments \($0)" } ?? "")</p>\n"
            out += "<h2>Skipped, by reason</h2>\n"
            if s.skipped.isEmpty { out += "<p class=\"muted\">No row is skipped.</p>\n" } else {
                out += "<table><tr><th>reason</th><th class=\"n\">rows</th></tr>"
                for (reason, n) in s.skipped.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                    out += "<tr class=\"skip\"><td>\(escape(reason))</td><td class=\"n\" data-skip=\"\(escape(reason))\">\(n)</td></tr>"
                }
                out += "</table>\n"
            }
            out += "<h2>Segments per message</h2>\n" + histogram(p.histogram)
            out += "<h2>UCS-2</h2>\n"
            out += s.ucs2.isEmpty ? "<p class=\"muted\">Every message is GSM-7.</p>\n" : "<p class=\"warn\" id=\"ucs2\">\(escape(s.ucs2.reportLine))</p>\n"
        }
        out += "<h2>Warnings</h2>\n"
        let warnings = s.warnings
        if warnings.isEmpty { out += "<p class=\"muted\">None.</p>\n" } else {
            out += "<ul>" + warnings.map { "<li class=\"warn warning\">\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        if !p.messages.isEmpty {
            out += "<h2>The first \(p.messages.count) message(s)</h2>\n<table class=\"messages\"><tr><th class=\"n\">line</th><th>phone</th><th>message</th><th class=\"n\">segments</th></tr>"
            for m in p.messages {
                out += "<tr class=\"message\"><td class=\"n\">\(m.line)</td><td>\(escape(m.phone))</td><td class=\"msg\">\(escape(m.text))</td><td class=\"n\" data-segments=\"\(m.segments)\">\(m.segments) \(m.encoding.rawValue)</td></tr>"
            }
            out += "</table>\n"
        }
        if !p.skips.isEmpty {
            out += "<h2>The first \(p.skips.count) skipped row(s)</h2>\n<table><tr><th class=\"n\">line</th><th>phone</th><th>reason</th></tr>"
            for skip in p.skips { out += "<tr class=\"skipped-row\"><td class=\"n\">\(skip.line)</td><td>\(escape(skip.phone))</td><td>\(escape(skip.reason))</td></tr>" }
            out += "</table>\n"
        }
        out += "</main></body></html>\n"
        return out
    }

    /// One bar per segment count (class "seg"), its height the messages of that length.
    static func histogram(_ histogram: [Int: Int]) -> String {
        guard let most = histogram.keys.max() else { return "<p class=\"muted\">No message to send.</p>\n" }
        let counts = (1...max(most, 1)).map { (segments: $0, messages: histogram[$0] ?? 0) }
        let peak = max(1, counts.map(\.messages).max() ?? 1)
        let width = Double(min(900, max(320, 110 * counts.count))), height = 160.0, top = 18.0, bottom = 22.0
        let step = width / Double(max(counts.count, 1)), barWidth = min(step - 6, 120)
        var out = "<svg class=\"hist\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"messages per segment count\">"
        out += "<line x1=\"0\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"currentColor\" stroke-opacity=\"0.3\"/>"
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        for (i, c) in counts.enumerated() {
            let h = (height - bottom - top) * Double(c.messages) / Double(peak)
            let x = Double(i) * step + (step - barWidth) / 2
            out += "<g class=\"seg\" data-segments=\"\(c.segments)\" data-messages=\"\(c.messages)\"><title>\(plural(c.segments, "segment")): \(plural(c.messages, "message"))</title>"
            out += "<rect x=\"\(f(x))\" y=\"\(f(height - bottom - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\" rx=\"2\" fill=\"var(--bar)\"/>"
            out += "<text x=\"\(f(x + barWidth / 2))\" y=\"\(f(height - bottom - h - 4))\" font-size=\"12\" text-anchor=\"middle\" fill=\"currentColor\">\(c.messages)</text>"
            out += "<text x=\"\(f(x + barWidth / 2))\" y=\"\(f(height - 6))\" font-size=\"12\" text-anchor=\"middle\" fill=\"currentColor\">\(c.segments)</text></g>"
        }
        out += "</svg>\n<p class=\"muted\">Messages (bar height) by segments per message (below each bar).</p>\n"
        return out
    }

    /// The text: a banner, the campaign report a send would write, the histogram, the first
    /// messages and skipped rows.
    package static func text(_ p: Preview) -> String {
        var out = "PREVIEW of \(p.templateDisplay), built \(p.built.iso8601)\n"
        out += "Nothing was sent, consumed or recorded. Drop the same file into inbox/campaigns/ to send it.\n\n"
        if !p.rejection.isEmpty {
            out += "Dropped into inbox/campaigns/, this template would be rejected:\n"
            for reason in p.rejection { out += "  - \(reason)\n" }
            out += "\n"
        }
        if !p.held.isEmpty {
            out += "A send now would be held:\n"
            for cause in p.held { out += "  - \(cause)\n" }
            out += "\n"
        }
        if let report = p.reportText { out += report + "\n" } else if !p.summary.warnings.isEmpty {
            out += "Warnings:\n" + p.summary.warnings.map { "  - \($0)\n" }.joined() + "\n"
        }
        if !p.histogram.isEmpty {
            out += "Segments per message:\n"
            for (segments, n) in p.histogram.sorted(by: { $0.key < $1.key }) { out += "  \(plural(segments, "segment")): \(plural(n, "message"))\n" }
            out += "\n"
        }
        if !p.messages.isEmpty {
            out += "The first \(p.messages.count) message(s):\n"
            for m in p.messages {
                out += "  line \(m.line), \(m.phone), \(plural(m.segments, "segment")) \(m.encoding.rawValue):\n"
                for line in m.text.split(separator: "\n", omittingEmptySubsequences: false) { out += "    \(line)\n" }
            }
            out += "\n"
        }
        if !p.skips.isEmpty {
            out += "The first \(p.skips.count) skipped row(s):\n"
            for skip in p.skips { out += "  line \(skip.line), \(skip.phone.isEmpty ? "(no number)" : skip.phone): \(skip.reason)\n" }
        }
        return out
    }
}
