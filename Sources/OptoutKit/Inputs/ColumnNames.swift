// Column names: recognising the phone, sender, text and time columns by their headers.
// Input: a header cell. Output: its normalized form (lowercase ASCII letters and digits, accents
// folded: "Mobile Number" → "mobilenumber", "Téléphone" → "telephone") and whether it names a role.

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
}
