// Headerless STOP logs: a log whose first row is a message, not a header (no sender or text
// column found by name). Input: the first row's cells and the parser for senders. Output: the
// layout (one or two phone columns, the text column, a time column if any), or nil when the row
// does not look like a message (then the log is rejected for its missing columns, as before).
// With one phone column it is the sender. With two, which is the sender is not known (the other
// is the number written to): StopLogReader applies each opt-out to both numbers and sends it to
// review, and holds an opt-in (never applied to a number that may not have sent it).
// Failures: none (nil).

import OptoutPhone
import OptoutBase
import Foundation

struct HeaderlessStopLog: Equatable {
    /// Columns holding a phone number (1 or 2), in column order.
    var phones: [Int]
    var text: Int
    var time: Int?

    /// The rule text added to every message of a two-phone log.
    var ambiguity: String? {
        guard phones.count == 2 else { return nil }
        return "the log has no header and two phone columns (\(phones[0] + 1) and \(phones[1] + 1)): which one sent the message is not known"
    }

    /// The layout of a log whose first row is `cells`, or nil when it is not a message row.
    static func layout(_ cells: [String], parser: PhoneNumberParser, zone: TimeZone) -> HeaderlessStopLog? {
        var phones: [Int] = [], times: [Int] = [], texts: [Int] = []
        for (i, raw) in cells.enumerated() {
            let cell = raw.trimmingCharacters(in: .whitespaces)
            if cell.isEmpty { continue }
            let digits = cell.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.count
            let phoneShaped = digits >= 7 && digits <= 15 && cell.unicodeScalars.allSatisfy { "+0123456789 -().".unicodeScalars.contains($0) }
            let time = Timestamp.parse(cell, zone: zone) != nil
            if phoneShaped && (cell.hasPrefix("+") || !time), case .success = parser.parse(cell) {
                phones.append(i)
            } else if time {
                times.append(i)
            } else if cell.unicodeScalars.contains(where: { CharacterSet.letters.contains($0) }) {
                texts.append(i)
            }
        }
        guard (1...2).contains(phones.count), let text = texts.first else { return nil }
        return HeaderlessStopLog(phones: phones, text: text, time: times.first)
    }
}
