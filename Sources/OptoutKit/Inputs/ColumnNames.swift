// Column names: recognising the phone, sender, text and time columns by their headers.
// Input: a header cell. Output: its normalized form (lowercase ASCII letters and digits, accents
// folded: "Mobile Number" → "mobilenumber", "Téléphone" → "telephone") and whether it names a role.
// STOP-log roles are found exactly first, then loosely (`findSender`, `findText`, `findTime`:
// "Sender Number", "Message Body", "Date Received"), but a header naming the number written to
// (to, recipient, destination, receiver) is never the sender, and an id, status or type column
// is never the text.

import OptoutBase
import Foundation

package enum ColumnNames {
    package static func normalize(_ header: String) -> String {
        let folded = header.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return String(String.UnicodeScalarView(folded.unicodeScalars.filter {
            ($0.value >= 0x61 && $0.value <= 0x7A) || ($0.value >= 0x30 && $0.value <= 0x39)
        }))
    }

    /// Headers that name the phone column of a contact list, best first.
    package static let phone = [
        "mobile", "mobilenumber", "mobilephone", "mobileno", "msisdn", "cell", "cellphone", "cellnumber",
        "phone", "phonenumber", "phoneno", "number", "tel", "telephone", "telephonenumber", "telno",
        "sms", "smsnumber", "gsm", "handy", "handynummer", "mobil", "mobilnummer", "telefon", "telefonnummer",
        "telefono", "movil", "celular", "portable", "cellulare", "numero", "recipient", "contactnumber",
    ]

    /// The sender of an inbound message.
    package static let sender = ["from", "sender", "msisdn", "phone", "mobile", "originator", "source", "fromnumber", "sendernumber"]
    /// The text of an inbound message.
    package static let text = ["text", "body", "message", "content", "messagetext", "sms", "msg"]
    /// When an inbound message was received.
    package static let time = ["timestamp", "time", "date", "receivedat", "createdat", "received", "datetime", "sentat", "datesent"]
    /// The number the message was written to.
    package static let recipient = ["to", "recipient", "destination", "tonumber"]

    /// Index of the first header that matches one of `names` (in the order of `names`), if any.
    package static func find(_ names: [String], in headers: [String]) -> Int? {
        let normalized = headers.map(normalize)
        for name in names {
            if let index = normalized.firstIndex(of: name) { return index }
        }
        return nil
    }

    /// A phone-like header that is not in the list ("Home Phone", "Mobile (work)").
    package static func looselyPhone(_ header: String) -> Bool {
        let n = normalize(header)
        return ["phone", "mobile", "msisdn", "cell", "tel"].contains { n.contains($0) }
    }

    /// The words of a header: letter and digit runs, split at lower→upper case changes
    /// ("ToNumber" → ["to", "number"], "date_received" → ["date", "received"]), accents folded.
    package static func words(_ header: String) -> [String] {
        var out: [String] = []
        var word = ""
        var lastLower = false
        for scalar in header.unicodeScalars {
            let isAlnum = (scalar.value >= 0x61 && scalar.value <= 0x7A) || (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x30 && scalar.value <= 0x39) || scalar.value >= 0xC0
            let isUpper = scalar.value >= 0x41 && scalar.value <= 0x5A
            if !isAlnum || (isUpper && lastLower) {
                if !word.isEmpty { out.append(normalize(word)) }
                word = ""
            }
            if isAlnum { word.unicodeScalars.append(scalar) }
            lastLower = isAlnum && !isUpper
        }
        if !word.isEmpty { out.append(normalize(word)) }
        return out.filter { !$0.isEmpty }
    }

    /// A header naming the number a message was written to: never the sender.
    package static func namesRecipient(_ header: String) -> Bool {
        let w = words(header)
        if w.contains(where: { $0 == "to" || $0.hasPrefix("recipient") || $0.hasPrefix("destination") || $0.hasPrefix("receiver") || $0 == "dest" }) { return true }
        let n = normalize(header)
        if recipient.contains(n) { return true }
        // "tonumber", "tophone", "tomsisdn" written as one word.
        return n.hasPrefix("to") && ["number", "phone", "mobile", "msisdn", "addr", "address", "cell"].contains(String(n.dropFirst(2)))
    }

    /// Loose stems per STOP-log role, best first.
    static let senderStems = ["sender", "from", "originator", "msisdn", "mobile", "phone", "cell"]
    static let textStems = ["body", "text", "content", "message", "msg"]
    static let timeStems = ["timestamp", "datetime", "received", "date", "time", "created", "sent"]
    /// Words that make a header something other than the message text ("Message ID", "Message Type").
    static let notText: Set<String> = ["id", "sid", "uuid", "status", "type", "date", "time", "count", "segments", "segment",
                                       "direction", "length", "encoding", "price", "cost", "error", "code"]

    /// The sender column of a STOP log: an exact name, else a header holding a sender stem; never
    /// a recipient's header.
    package static func findSender(in headers: [String]) -> Int? {
        let allowed = headers.map { !namesRecipient($0) }
        let normalized = headers.map(normalize)
        for name in sender { if let i = normalized.indices.first(where: { allowed[$0] && normalized[$0] == name }) { return i } }
        for stem in senderStems { if let i = normalized.indices.first(where: { allowed[$0] && normalized[$0].contains(stem) }) { return i } }
        return nil
    }

    /// The message text column: an exact name, else a header holding a text stem and no word such
    /// as id, status or type.
    package static func findText(in headers: [String]) -> Int? {
        if let i = find(text, in: headers) { return i }
        let normalized = headers.map(normalize)
        for stem in textStems {
            if let i = normalized.indices.first(where: { normalized[$0].contains(stem) && words(headers[$0]).allSatisfy { !notText.contains($0) } }) { return i }
        }
        return nil
    }

    /// When the message was received: an exact name, else a header holding a time stem.
    package static func findTime(in headers: [String], excluding taken: [Int?]) -> Int? {
        if let i = find(time, in: headers), !taken.contains(i) { return i }
        let normalized = headers.map(normalize)
        for stem in timeStems {
            if let i = normalized.indices.first(where: { !taken.contains($0) && normalized[$0].contains(stem) }) { return i }
        }
        return nil
    }
}
