// E-mail files: an RFC 5322 / MIME message with a plain-text part and one attachment, as bytes
// that `sendmail -t < file.eml` delivers (it reads the recipients from To:).
// Input: addresses, date, subject, Message-ID, body text and the attachment bytes.
// Output: `multipart/mixed` with a `text/plain; charset=utf-8` part (7bit when ASCII, else base64)
// and the attachment in base64 (76-character lines). Lines end in LF, the local convention that
// sendmail expects on its input (the MTA writes CRLF on the wire). Header values that are not
// ASCII are RFC 2047 encoded. Failures: settings refuse control characters in addresses and names
// (`HeaderText`); as a second line of defence `message` refuses any header value that still holds
// one (`OptoutError.configuration`, 78), since a CR or LF there would start a header of its own.

import Foundation

package enum Email {
    /// The whole message.
    package static func message(from: String, to: [String], date: Timestamp, subject: String, messageID: String,
                               body: String, attachmentName: String, attachmentType: String, attachment: [UInt8]) throws(OptoutError) -> [UInt8] {
        for (header, value) in [("From", from), ("Subject", subject), ("Message-ID", messageID), ("attachment name", attachmentName)] + to.map({ ("To", $0) }) {
            if let why = HeaderText.problem(value) {
                throw .configuration(SourceLocation(file: "inbox/settings.json"), "e-mail \(header) \"\(HeaderText.printable(value))\" \(why); no e-mail written")
            }
        }
        if attachmentName.contains("\"") || attachmentType.contains(where: { $0 == "\"" || $0 == ";" }) || HeaderText.problem(attachmentType) != nil {
            throw .internalError("attachment name or type not fit for a MIME header: \(HeaderText.printable(attachmentName))")
        }
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
    package static func rfc5322Date(_ time: Timestamp) -> String {
        let seconds = time.writtenSeconds
        let (y, m, d, hh, mm, ss) = Timestamp.civil(seconds)
        let days = seconds / 86400
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
    package static func addrSpec(_ value: String) -> String {
        if let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close {
            return String(value[value.index(after: open)..<close])
        }
        return value.trimmingCharacters(in: .whitespaces)
    }
}

/// Text that goes into a header line (e-mail addresses and names, the notification sender).
package enum HeaderText {
    /// Why `text` cannot go into a header, or nil: any control character (C0 such as CR, LF, NUL
    /// and TAB; DEL; C1 such as NEL) or a Unicode line or paragraph separator would end the line
    /// and let the rest become a header of its own (`Bcc: ...`).
    package static func problem(_ text: String) -> String? {
        for (index, scalar) in text.unicodeScalars.enumerated() where isForbidden(scalar) {
            return "contains a control character (\(name(of: scalar)) at character \(index + 1)); CR, LF, NUL and other control characters are refused in e-mail addresses and names, where they would start a header of their own"
        }
        return nil
    }

    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029
    }

    static func name(of scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x0D: return "CR"
        case 0x0A: return "LF"
        case 0x00: return "NUL"
        case 0x09: return "TAB"
        default: return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        }
    }

    /// `text` for a message: control characters as \u{..}, at most 200 characters.
    package static func printable(_ text: String) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 200 { out += "…"; break }
            if isForbidden(scalar) { out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(scalar) }
            count += 1
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
