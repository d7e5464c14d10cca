// Suppression state: for each number, whether it is opted out now, derived from the ledger.
// Input: events in the order they are applied. Output: the effect of each event and the current
// state (opted out since when, by which source). Rules: events apply in time
// order; at equal times an opt-out wins; an opt-out that is older than a later resubscription does
// not undo it; only a reply (the number itself) can resubscribe, and only after an opt-out.

import OptoutPhone
import OptoutBase

/// The current state of one number.
package struct NumberState: Sendable, Equatable {
    package var optedOut: Bool
    /// Time of the event that set the current state.
    package var since: Timestamp
    /// Source of the opt-out in force (meaningful when optedOut).
    package var source: EventSource
}

/// Every number that ever had an effective event. Opt-outs are global to the account.
package struct SuppressionState: Sendable {
    package private(set) var numbers: [UInt64: NumberState] = [:]

    package init() {}

    package var optedOutCount: Int { numbers.values.reduce(0) { $0 + ($1.optedOut ? 1 : 0) } }

    package func isOptedOut(_ number: PhoneNumber) -> Bool { numbers[number.value]?.optedOut ?? false }

    package func state(of number: PhoneNumber) -> NumberState? { numbers[number.value] }

    /// What `kind` at `time` from `source` would do, without changing anything.
    package func effect(of kind: EventKind, number: PhoneNumber, at time: Timestamp, source: EventSource) -> EventEffect {
        let current = numbers[number.value]
        switch kind {
        case .optOut:
            guard let current else { return .applied }
            if current.optedOut { return .repeated }
            return time >= current.since ? .applied : .superseded
        case .optIn:
            guard source == .reply, let current, current.optedOut else { return .noEffect }
            return time > current.since ? .applied : .superseded
        case .help, .other:
            return .noEffect
        }
    }

    /// Applies an event whose effect was computed by `effect(of:...)`.
    package mutating func apply(_ kind: EventKind, number: PhoneNumber, at time: Timestamp, source: EventSource, effect: EventEffect) {
        switch (kind, effect) {
        case (.optOut, .applied):
            numbers[number.value] = NumberState(optedOut: true, since: time, source: source)
        case (.optIn, .applied):
            numbers[number.value] = NumberState(optedOut: false, since: time, source: source)
        case (.optOut, .repeated):
            // Keep the earliest opt-out time of the run of STOPs in force.
            if var current = numbers[number.value], time < current.since {
                current.since = time
                current.source = source
                numbers[number.value] = current
            }
        default:
            break
        }
    }

    package mutating func reserve(_ count: Int) { numbers.reserveCapacity(count) }
}
