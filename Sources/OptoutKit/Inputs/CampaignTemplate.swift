// Campaign templates: inbox/campaigns/<name>.txt parsed into headers and a message body.
// Input: the file's text — header lines (`list:`, `sheet:`, `to:`, `sender:`, `max_segments:`, `send_at:`), a blank
// line, then the body with `{column}`, `{column|fallback}` and `{optout}` placeholders (`{{` and
// `}}` stand for literal braces). Output: a `CampaignTemplate`. Failures: `InputError` with the
// line and reason (unknown header, no list or number, `{optout}` in a single-number campaign,
// an unclosed brace, an empty body, a `send_at:` that is not a time and zone: SendAt).

import OptoutBase

/// One piece of a message body.
package enum TemplatePart: Sendable, Equatable {
    case text(String)
    /// A list column; `fallback` is used when the row's value is empty.
    case field(name: String, fallback: String?)
    /// The recipient's personal opt-out link.
    case optOutLink
}

/// A parsed campaign.
package struct CampaignTemplate: Sendable, Equatable {
    /// Name of the list (file name without .csv) the campaign goes to.
    package var list: String?
    /// The sheet of a workbook list (`sheet: <name>`); nil: its first sheet.
    package var sheet: String?
    /// A single recipient, as written (parsed later with the account's default country).
    package var to: String?
    package var toLine: Int?
    package var sender: String?
    package var maxSegments: Int?
    /// `send_at:` (quiet hours, SendAt / ScheduledSend); nil: the settings default applies.
    package var sendAt: SendAt?
    package var parts: [TemplatePart]
    /// 1-based line where the body starts (for messages about placeholders).
    package var bodyLine: Int

    package static let headerKeys = ["list", "sheet", "to", "sender", "max_segments", "send_at"]

    package var usesOptOutLink: Bool { parts.contains(.optOutLink) }

    /// The body's literal text (no placeholders), for checks such as "has an opt-out instruction".
    package var literalText: String {
        parts.map { if case .text(let t) = $0 { return t } else { return " " } }.joined()
    }

    package static func parse(_ text: String) throws(InputError) -> CampaignTemplate {
        var normalized = text
        if normalized.hasPrefix("\u{FEFF}") { normalized.removeFirst() }
        normalized = normalized.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var list: String?, sheet: String?, to: String?, toLine: Int?, sender: String?, maxSegments: Int?, sendAt: SendAt?
        var index = 0
        var seen = Set<String>()
        while index < lines.count {
            let line = lines[index]
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else {
                throw InputError(line: index + 1, reason: "expected a header line such as \"list: customers\" (headers, a blank line, then the message)")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard headerKeys.contains(key) else {
                throw InputError(line: index + 1, reason: "unknown header \"\(key)\" (known: \(headerKeys.joined(separator: ", ")))")
            }
            guard !seen.contains(key) else { throw InputError(line: index + 1, reason: "header \"\(key)\" given twice") }
            seen.insert(key)
            guard !value.isEmpty else { throw InputError(line: index + 1, reason: "header \"\(key)\" has no value") }
            switch key {
            case "list": list = value.hasSuffix(".csv") ? String(value.dropLast(4)) : value
            case "sheet": sheet = value
            case "to": to = value; toLine = index + 1
            case "sender": sender = value
            case "send_at":
                switch SendAt.parse(value) {
                case .success(let parsed): sendAt = parsed
                case .failure(let error): throw InputError(line: index + 1, reason: error.reason)
                }
            default:
                guard let n = Int(value), n >= 1, n <= 255 else {
                    throw InputError(line: index + 1, reason: "max_segments must be a whole number from 1 to 255, not \"\(value)\"")
                }
                maxSegments = n
            }
            index += 1
        }
        if index >= lines.count {
            throw InputError(line: nil, reason: "no message: write the headers, a blank line, then the message")
        }
        var bodyLines = Array(lines[(index + 1)...])
        while let last = bodyLines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { bodyLines.removeLast() }
        let body = bodyLines.joined(separator: "\n")
        let bodyLine = index + 2
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InputError(line: bodyLine, reason: "the message is empty")
        }
        if list == nil && to == nil {
            throw InputError(line: 1, reason: "no recipients: add a header \"list: <list name>\" or \"to: <number>\"")
        }
        if list != nil && to != nil {
            throw InputError(line: toLine, reason: "give either \"list:\" or \"to:\", not both")
        }
        if sheet != nil && list == nil {
            throw InputError(line: 1, reason: "\"sheet:\" names a sheet of a workbook list: it needs a \"list:\" header")
        }
        let parts = try parseBody(body, firstLine: bodyLine)
        if to != nil && parts.contains(.optOutLink) {
            throw InputError(line: toLine, reason: "{optout} cannot be used in a single-number campaign (\"to:\"): the opt-out link works only for lists")
        }
        if to != nil, let field = parts.first(where: { if case .field = $0 { return true } else { return false } }), case .field(let name, _) = field {
            throw InputError(line: bodyLine, reason: "{\(name)} needs a list column, but this campaign goes to a single number (\"to:\")")
        }
        return CampaignTemplate(list: list, sheet: sheet, to: to, toLine: toLine, sender: sender, maxSegments: maxSegments,
                                sendAt: sendAt, parts: parts, bodyLine: bodyLine)
    }

    static func parseBody(_ body: String, firstLine: Int) throws(InputError) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal = ""
        var chars = Array(body)
        chars.append("\0")
        var i = 0
        var line = firstLine
        while i < chars.count - 1 {
            let c = chars[i]
            if c == "\n" { line += 1 }
            if c == "{" && chars[i + 1] == "{" { literal.append("{"); i += 2; continue }
            if c == "}" && chars[i + 1] == "}" { literal.append("}"); i += 2; continue }
            if c == "}" { throw InputError(line: line, reason: "\"}\" without \"{\" (write }} for a literal brace)") }
            if c == "{" {
                var j = i + 1
                var inside = ""
                while j < chars.count - 1 && chars[j] != "}" && chars[j] != "{" && chars[j] != "\n" {
                    inside.append(chars[j]); j += 1
                }
                guard j < chars.count - 1, chars[j] == "}" else {
                    throw InputError(line: line, reason: "placeholder \"{\(inside)\" is not closed with \"}\" (write {{ for a literal brace)")
                }
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                let pieces = inside.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
                let name = pieces[0].trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw InputError(line: line, reason: "empty placeholder {}") }
                if name.lowercased() == "optout" {
                    guard pieces.count == 1 else { throw InputError(line: line, reason: "{optout} takes no fallback") }
                    parts.append(.optOutLink)
                } else {
                    parts.append(.field(name: name, fallback: pieces.count > 1 ? String(pieces[1]) : nil))
                }
                i = j + 1
                continue
            }
            literal.append(c)
            i += 1
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    /// True when the literal text tells the recipient how to opt out (a STOP keyword or a link).
    /// An instruction is `{optout}`, an opt-out keyword written in capitals as a word ("Reply STOP",
    /// "text END"; "the end of the week" is not one), or the words "opt out" / "unsubscribe".
    package func hasOptOutInstruction(keywords: [String]) -> Bool {
        if usesOptOutLink { return true }
        let text = literalText
        let normalized = " " + Keywords.normalize(text) + " "
        if normalized.contains(" OPT OUT ") || normalized.contains(" OPTOUT ") || normalized.contains(" UNSUBSCRIBE ") { return true }
        let single = Set(keywords.map(Keywords.normalize).filter { !$0.isEmpty && !$0.contains(" ") })
        var word = ""
        for scalar in (text + " ").unicodeScalars {
            if scalar.properties.isAlphabetic {
                word.unicodeScalars.append(scalar)
                continue
            }
            if !word.isEmpty, word == word.uppercased(), single.contains(Keywords.normalize(word)) { return true }
            word = ""
        }
        return false
    }
}
