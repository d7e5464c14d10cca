// E-mail files: an RFC 5322 / MIME message with a plain-text part and one attachment, as bytes
// that `sendmail -t < file.eml` delivers (it reads the recipients from To:).
// Input: addresses, date, subject, Message-ID, body text and the attachment bytes.
// Output: `multipart/mixed` with a `text/plain; charset=utf-8` part (7bit when ASCII, else base64)
// and the attachment in base64 (76-character lines). Lines end in LF, the local convention that
// sendmail expects on its input (the MTA writes CRLF on the wire). Header values that are not
// ASCII are RFC 2047 encoded. No failures: settings have already refused newlines in addresses.

import Foundation

public enum Email {
    /// The whole message.
    public static func message(from: String, to: [String], date: Timestamp, subject: String, messageID: String,
                               body: String, attachmentName: String, attachmentType: String, attachment: [UInt8]) -> [UInt8] {
        var boundaryHash = SHA256()
        boundaryHash.update(messageID)
        boundaryHash.update(attachment)
        let boundary = "=_optout_" + Hex.encode(Array(boundaryHash.finalize().prefix(12)))
        let bodyIsASCII = body.utf8.allSatisfy { $0 < 0x80 }
        var lines = [
            "From: \(headerValue(from))",
            "To: \(to.map(headerValue).joined(separator: ",\n "))",
            "Date: \(rfc5322Date(date))",
            "Subject: \(headerValue(subject))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"",
            "",
            "This is a MIME message: a summary and the report as an attachment.",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(bodyIsASCII ? "7bit" : "base64")",
            "",
        ]
        if bodyIsASCII {
            lines.append(contentsOf: body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            if lines.last == "" { lines.removeLast() }
        } else {
            lines.append(contentsOf: base64Lines(Array(body.utf8)))
        }
        lines.append(contentsOf: [
            "--\(boundary)",
            "Content-Type: \(attachmentType); charset=utf-8; name=\"\(attachmentName)\"",
            "Content-Disposition: attachment; filename=\"\(attachmentName)\"",
            "Content-Transfer-Encoding: base64",
            "",
        ])
        lines.append(contentsOf: base64Lines(attachment))
        lines.append("--\(boundary)--")
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Base64 in lines of 76 characters (RFC 2045).
    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let text = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        return lines
    }

    /// "Thu, 26 Nov 2026 17:40:45 +0000"
    public static func rfc5322Date(_ time: Timestamp) -> String {
        let (y, m, d, hh, mm, ss) = Timestamp.civil(time.seconds)
        var days = time.seconds / 86400
        if time.seconds % 86400 < 0 { days -= 1 }
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(d)) \(months[m - 1]) \(y) \(two(hh)):\(two(mm)):\(two(ss)) +0000"
    }

    /// A header value: as is when ASCII, else RFC 2047 "=?utf-8?B?...?=".
    static func headerValue(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
        // Keep an address in angle brackets outside the encoded word.
        if let open = value.lastIndex(of: "<"), value.hasSuffix(">") {
            let name = value[..<open].trimmingCharacters(in: .whitespaces)
            return "=?utf-8?B?\(Data(name.utf8).base64EncodedString())?= \(value[open...])"
        }
        return "=?utf-8?B?\(Data(value.utf8).base64EncodedString())?="
    }

    /// "ACME <ops@acme.example>" → "ops@acme.example".
    static func addrSpec(_ value: String) -> String {
        if let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close {
            return String(value[value.index(after: open)..<close])
        }
        return value.trimmingCharacters(in: .whitespaces)
    }
}
