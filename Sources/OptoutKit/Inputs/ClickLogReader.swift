// Opt-out page logs (inbox/clicks/): the web server's record of who opened or confirmed a link.
// Input: one file, either
//   - an nginx/Apache access log in "combined" (or "common") format, plain text:
//       127.0.0.1 - - [26/Nov/2026:17:40:45 +0000] "POST /u/Ab3dE5gH7j HTTP/1.1" 200 612 "-" "Mozilla/5.0 ..."
//     (gzip-compressed logs, access.log.2.gz, are decompressed first: CompressedLog);
//   - or CSV with a header: time and token or url, a method/action column (without one the file is rejected: a view cannot be told from a confirmation), optional user_agent, ip, status.
// Output: one `ClickRequest` per log line or row, handed to a visitor (streaming: nothing per line
// is kept here), and row problems (unreadable lines) as diagnostics. What a request means (view,
// confirmation, bot, unknown token) is decided by ClickIntake, not here.
// Failures (the file is rejected): a damaged gzip stream, binary or unreadable CSV, a CSV without a time, token or
// url column, an access log in which no line could be read.

import OptoutBase
import Foundation

/// What a logged request asked for.
package enum ClickAction: String, Sendable {
    /// GET or HEAD (or a CSV row marked view/open/click): the page was shown, nothing more.
    case view
    /// POST (or a CSV row marked confirm): the person pressed Confirm.
    case confirm
    /// Any other method or action (PUT, OPTIONS, garbage): counted, never an opt-out.
    case other
}

/// One request from a page log.
package struct ClickRequest: Sendable {
    package var line: Int
    /// nil when the time could not be read (the processing time is used, and the rule says so).
    package var time: Timestamp?
    package var rawTime: String
    package var action: ClickAction
    /// The method or action as logged ("POST", "confirm").
    package var method: String
    /// The request target as logged: a path ("/u/Ab3dE5gH7j?x=1"), a URL or a bare token.
    package var target: String
    /// The request line for access logs ("POST /u/... HTTP/1.1"); the target for CSV rows.
    package var request: String
    package var status: Int?
    package var userAgent: String
    package var ip: String
    /// True when the log records a user agent for this request (a combined-format access log
    /// line), so an empty one ("-") was sent empty; false for CSV rows and common-format lines,
    /// where an empty user agent only means none was logged.
    package var agentLogged = false
    /// The row a spreadsheet shows, for CSV logs (CSVReader.row; SpreadsheetRow keeps it only
    /// when it differs from `line`); nil for access logs (a line is a request).
    package var row: Int? = nil
}

package enum ClickLogFormat: String, Sendable {
    case combined = "nginx/Apache combined access log"
    case csv = "CSV"
}

/// What reading one file found besides the requests.
package struct ClickLogSummary: Sendable {
    package var format: ClickLogFormat = .combined
    package var lines = 0
    package var rowProblems: [Diagnostic] = []
}

package struct ClickLogReader {
    package var timezone: TimeZone
    package var dateOrder: Timestamp.DateOrder

    package init(timezone: TimeZone, dateOrder: Timestamp.DateOrder) {
        self.timezone = timezone
        self.dateOrder = dateOrder
    }

    /// Reads a page log, calling `visit` for each request in file order.
    package func read(path: String, displayName: String, visit: (ClickRequest) -> Void) throws(InputError) -> ClickLogSummary {
        var bytes: [UInt8]
        do { bytes = try Durable.readFile(path, limit: Durable.wholeInputLimit) } catch { throw InputError(line: nil, reason: error.description) }
        bytes = try CompressedLog.text(bytes, limit: Durable.wholeInputLimit)  // .gz logs decompressed (issue 14)
        var firstLine = bytes[...]
        if firstLine.starts(with: [0xEF, 0xBB, 0xBF]) { firstLine = firstLine.dropFirst(3) }
        firstLine = firstLine.drop(while: { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 })
        if let end = firstLine.firstIndex(of: 0x0A) { firstLine = firstLine[..<end] }
        if ClickLogReader.parseAccessLine(Array(firstLine)) != nil {
            return try readAccessLog(bytes, displayName: displayName, visit: visit)
        }
        return try readCSV(bytes, displayName: displayName, visit: visit)
    }

    // MARK: access logs

    private func readAccessLog(_ bytes: [UInt8], displayName: String, visit: (ClickRequest) -> Void) throws(InputError) -> ClickLogSummary {
        var summary = ClickLogSummary(format: .combined)
        var good = 0, bad = 0
        var line = 0
        var start = 0
        let count = bytes.count
        while start < count {
            var end = start
            while end < count && bytes[end] != 0x0A { end += 1 }
            line += 1
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            if stop > start {
                if var request = ClickLogReader.parseAccessLine(Array(bytes[start..<stop])) {
                    request.line = line
                    good += 1
                    visit(request)
                } else {
                    bad += 1
                    if summary.rowProblems.count < 50 {
                        summary.rowProblems.append(Diagnostic(.warning, SourceLocation(file: displayName, line: line), "not an access log line in combined format; skipped"))
                    }
                }
            }
            start = end + 1
        }
        summary.lines = line
        if good == 0 {
            throw InputError(line: nil, reason: "no line could be read as an nginx/Apache combined access log line")
        }
        if bad > 50 {
            summary.rowProblems.append(Diagnostic(.warning, SourceLocation(file: displayName), "\(bad) lines in all could not be read"))
        }
        return summary
    }

    /// Parses `ip ident user [time] "request" status bytes ["referer" "user agent"]`; nil when the
    /// line does not have that shape.
    static func parseAccessLine(_ s: [UInt8]) -> ClickRequest? {
        var i = 0
        let n = s.count
        func skipSpaces() { while i < n && s[i] == 0x20 { i += 1 } }
        // ip
        let ipStart = i
        while i < n && s[i] != 0x20 { i += 1 }
        guard i > ipStart, i < n else { return nil }
        let ip = String(decoding: s[ipStart..<i], as: UTF8.self)
        // ident and user, up to the '['
        guard let open = s[i...].firstIndex(of: 0x5B) else { return nil }
        guard let close = s[open...].firstIndex(of: 0x5D) else { return nil }
        let rawTime = String(decoding: s[(open + 1)..<close], as: UTF8.self)
        i = close + 1
        skipSpaces()
        guard let request = quoted(s, &i) else { return nil }
        skipSpaces()
        let statusStart = i
        while i < n && s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
        guard i - statusStart == 3 else { return nil }
        let status = Int(String(decoding: s[statusStart..<i], as: UTF8.self))
        skipSpaces()
        while i < n && s[i] != 0x20 { i += 1 }      // bytes sent
        skipSpaces()
        var userAgent = ""
        var agentLogged = false
        if i < n && s[i] == 0x22 {
            guard quoted(s, &i) != nil else { return nil }  // referer
            skipSpaces()
            if i < n && s[i] == 0x22 {
                guard let agent = quoted(s, &i) else { return nil }
                userAgent = agent
                agentLogged = true
            }
        }
        let parts = request.split(separator: " ", omittingEmptySubsequences: true)
        let method = parts.first.map(String.init) ?? ""
        let target = parts.count >= 2 ? String(parts[1]) : ""
        let action: ClickAction
        switch method {
        case "GET", "HEAD": action = .view
        case "POST": action = .confirm
        default: action = .other
        }
        return ClickRequest(line: 0, time: parseLogTime(rawTime), rawTime: rawTime, action: action, method: method,
                            target: target, request: request, status: status, userAgent: userAgent, ip: ip, agentLogged: agentLogged)
    }

    /// A double-quoted field with nginx (\xHH) and Apache (\" \\) escapes; advances past it.
    private static func quoted(_ s: [UInt8], _ i: inout Int) -> String? {
        guard i < s.count, s[i] == 0x22 else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < s.count {
            let c = s[i]
            if c == 0x22 { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == 0x5C && i + 1 < s.count {
                let next = s[i + 1]
                if next == 0x78 && i + 3 < s.count, let hi = hexValue(s[i + 2]), let lo = hexValue(s[i + 3]) {
                    out.append(hi << 4 | lo)
                    i += 4
                    continue
                }
                out.append(next == 0x6E ? 0x0A : next == 0x74 ? 0x09 : next)
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `26/Nov/2026:17:40:45 +0000` (the access log's $time_local) → UTC seconds.
    static func parseLogTime(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        guard b.count == 26, b[2] == 0x2F, b[6] == 0x2F, b[11] == 0x3A, b[14] == 0x3A, b[17] == 0x3A, b[20] == 0x20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for k in from..<(from + len) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        let monthName = String(decoding: b[3..<6], as: UTF8.self)
        guard let day = num(0, 2), let monthIndex = months.firstIndex(of: monthName), let year = num(7, 4),
              let hh = num(12, 2), let mm = num(15, 2), let ss = num(18, 2), let oh = num(22, 2), let om = num(24, 2),
              b[21] == 0x2B || b[21] == 0x2D, (1...31).contains(day), hh < 24, mm < 60, ss < 61 else { return nil }
        let offset = (oh * 3600 + om * 60) * (b[21] == 0x2D ? -1 : 1)
        let days = Timestamp.days(year: year, month: monthIndex + 1, day: day)
        return Timestamp(seconds: days * 86400 + Int64(hh * 3600 + mm * 60 + ss) - Int64(offset))
    }

    // MARK: CSV

    static let tokenColumns = ["token", "linktoken", "optouttoken"]
    static let urlColumns = ["url", "link", "path", "uri", "request", "requesturi"]
    static let actionColumns = ["action", "method", "event", "requestmethod", "type"]
    static let agentColumns = ["useragent", "ua", "agent", "httpuseragent", "browser"]
    static let ipColumns = ["ip", "remoteaddr", "clientip", "ipaddress", "address", "remoteip"]
    static let statusColumns = ["status", "statuscode", "httpstatus"]

    /// CSV action values that confirm, and that view; anything else is `.other`.
    static let confirmWords: Set<String> = ["post", "confirm", "confirmed", "confirmation", "optout", "unsubscribe", "unsubscribed"]
    static let viewWords: Set<String> = ["get", "head", "view", "viewed", "open", "opened", "click", "clicked", "visit"]

    private func readCSV(_ bytes: [UInt8], displayName: String, visit: (ClickRequest) -> Void) throws(InputError) -> ClickLogSummary {
        var summary = ClickLogSummary(format: .csv)
        do {
            let reader = try CSVReader(bytes: bytes)
            guard try reader.next() else { throw InputError(line: nil, reason: "the log has no rows") }
            let headers = (0..<reader.fieldCount).map { reader.string($0) }
            let token = ColumnNames.find(ClickLogReader.tokenColumns, in: headers)
            let url = ColumnNames.find(ClickLogReader.urlColumns, in: headers)
            guard token != nil || url != nil else {
                throw InputError(line: reader.line, reason: "neither an access log in combined format nor CSV with a token or url column (found \(Diagnostics.list(headers)))")
            }
            guard let time = ColumnNames.find(ColumnNames.time, in: headers) else {
                throw InputError(line: reader.line, reason: "no time column (expected time, timestamp or date; found \(Diagnostics.list(headers)))")
            }
            // Without a method or action column a view cannot be told from a confirmed opt-out:
            // the file is rejected whole (fail open for opt-outs: a person adds the column).
            guard let action = ColumnNames.find(ClickLogReader.actionColumns, in: headers) else {
                throw InputError(line: reader.line, reason: "no method or action column (found \(Diagnostics.list(headers))): a view cannot be told from a confirmed opt-out, so nothing from this file was used; add an action column (\"confirm\" for a confirmed opt-out, \"view\" for a view) and drop the file again")
            }
            let agent = ColumnNames.find(ClickLogReader.agentColumns, in: headers)
            let ip = ColumnNames.find(ClickLogReader.ipColumns, in: headers)
            let status = ColumnNames.find(ClickLogReader.statusColumns, in: headers)
            while try reader.next() {
                if reader.fieldCount == 1 && reader.field(0).isEmpty { continue }
                func value(_ index: Int?) -> String {
                    guard let index, index < reader.fieldCount else { return "" }
                    return reader.string(index).trimmingCharacters(in: .whitespaces)
                }
                let target = token.map { value($0) } ?? value(url)
                let method = value(action)
                let word = method.lowercased().filter { $0.isLetter }
                let kind: ClickAction = ClickLogReader.confirmWords.contains(word) ? .confirm
                    : ClickLogReader.viewWords.contains(word) ? .view : .other
                let rawTime = value(time)
                summary.lines += 1
                visit(ClickRequest(line: reader.line, time: rawTime.isEmpty ? nil : Timestamp.parse(rawTime, zone: timezone, order: dateOrder),
                                   rawTime: rawTime, action: kind, method: method.isEmpty ? "view" : method,
                                   target: target, request: target, status: Int(value(status)),
                                   userAgent: value(agent), ip: value(ip), row: reader.row))
            }
        } catch let error as CSVError {
            throw InputError(error)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(line: nil, reason: "\(error)")
        }
        return summary
    }
}
