// Event times for opt-out intake (STOP logs, suppression imports): the date order of a file and
// the time each event gets. Input: every row's `TimeReading`, the event's kind, settings'
// `date_order`, the processing time. Output: an `EventTime` (the time to record, a note for the
// rule, whether the time is trustworthy: an opt-in counts only with one). No failures.
// Rules (so that no time can undo an opt-out):
//  - a file's date order comes from its own dates: a first field above 12 proves day-first, a
//    second field above 12 month-first. A file with both proofs reads each date by its own proof
//    and its other dates are ambiguous; a file with no proof is ambiguous throughout, and there
//    `date_order` decides help and other messages;
//  - an ambiguous opt-out takes the later reading (it is never moved before an opt-in it may
//    follow); an ambiguous opt-in is never trustworthy, whatever `date_order` says;
//  - a time more than 5 minutes after the processing time is clamped to the processing time;
//  - a missing or unreadable time gets the processing time.
// Only a time read from the row itself, unambiguous and not clamped, is trustworthy.

import OptoutBase

/// The dates of one file, as evidence of its date order.
package struct DateOrderEvidence: Sendable, Equatable {
    /// Dates whose first field is above 12 (only day-first reads them).
    package private(set) var dayFirst = 0
    /// Dates whose second field is above 12 (only month-first reads them).
    package private(set) var monthFirst = 0

    package init() {}

    package mutating func add(_ reading: TimeReading) {
        switch reading.provenOrder {
        case .dayFirst?: dayFirst += 1
        case .monthFirst?: monthFirst += 1
        case nil: break
        }
    }

    /// The file's order when its dates prove exactly one.
    package var proven: Timestamp.DateOrder? {
        if dayFirst > 0 && monthFirst == 0 { return .dayFirst }
        if monthFirst > 0 && dayFirst == 0 { return .monthFirst }
        return nil
    }

    /// Both orders appear: each date is read by its own proof.
    package var mixed: Bool { dayFirst > 0 && monthFirst > 0 }

    /// For rules: "day-first (3 dates prove it)", "mixed", "unknown".
    var summary: String {
        if let proven { return "\(proven.rawValue), shown by \(proven == .dayFirst ? dayFirst : monthFirst) of its dates" }
        return mixed ? "both orders appear (\(dayFirst) day-first, \(monthFirst) month-first dates)" : "no date shows the order"
    }
}

/// The time an event gets, and how far it can be trusted.
package struct EventTime: Sendable, Equatable {
    package var time: Timestamp
    /// Appended to the event's rule ("; ..."), nil when the time is the row's own.
    package var note: String?
    /// Read from the row, unambiguous and not clamped: an opt-in may count with it.
    package var trusted: Bool
    /// A sentence for a warning when the time could not be used as written.
    package var problem: String?
}

package enum EventTimes {
    /// How far after the processing time an event may be before it is clamped (clock skew).
    package static let futureTolerance: Int64 = 5 * 60

    /// The time for an event of `kind` whose time cell reads `reading` (written `raw`).
    package static func resolve(_ reading: TimeReading, raw: String, kind: EventKind, evidence: DateOrderEvidence,
                               order: Timestamp.DateOrder, now: Timestamp) -> EventTime {
        var result: EventTime
        switch reading {
        case .missing:
            return EventTime(time: now, note: "time missing, processing time used", trusted: false, problem: "time missing; the processing time was used")
        case .unreadable(let reason):
            return EventTime(time: now, note: "time \"\(raw)\" unreadable (\(reason)), processing time used", trusted: false,
                             problem: "time \"\(raw)\" could not be read (\(reason)); the processing time was used")
        case .exact(let time):
            result = EventTime(time: time, note: nil, trusted: true)
        case .slashed(let dayFirst, let monthFirst):
            if let dayFirst, monthFirst == nil {
                result = EventTime(time: dayFirst, note: nil, trusted: true)
            } else if let monthFirst, dayFirst == nil {
                result = EventTime(time: monthFirst, note: nil, trusted: true)
            } else if let dayFirst, let monthFirst {
                if let proven = evidence.proven {
                    result = EventTime(time: proven == .dayFirst ? dayFirst : monthFirst, note: nil, trusted: true)
                } else {
                    let later = max(dayFirst, monthFirst), earlier = min(dayFirst, monthFirst)
                    let why = "date \"\(raw)\" reads \(dayFirst) day-first or \(monthFirst) month-first and this file does not show which (\(evidence.summary))"
                    switch kind {
                    case .optOut:
                        result = EventTime(time: later, note: "\(why): the later reading used", trusted: false)
                    case .optIn:
                        result = EventTime(time: earlier, note: "\(why): not a trustworthy time", trusted: false)
                    case .help, .other:
                        let chosen = evidence.mixed ? later : (order == .dayFirst ? dayFirst : monthFirst)
                        result = EventTime(time: chosen, note: "\(why): \(evidence.mixed ? "the later reading" : "date_order \(order.rawValue)") used", trusted: false)
                    }
                }
            } else {
                return EventTime(time: now, note: "time \"\(raw)\" unreadable, processing time used", trusted: false, problem: "time \"\(raw)\" could not be read")
            }
        }
        if result.time.seconds > now.seconds + futureTolerance {
            let clamp = "time \"\(raw)\" (\(result.time)) is more than 5 minutes after the processing time: clamped to the processing time"
            result = EventTime(time: now, note: result.note.map { "\($0); \(clamp)" } ?? clamp, trusted: false,
                               problem: "time \"\(raw)\" is in the future; the processing time was used")
        }
        return result
    }
}
