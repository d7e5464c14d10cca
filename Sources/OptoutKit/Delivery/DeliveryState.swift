// Delivery state: what is known about one payload's delivery, kept beside the payload file as
// `<name>.attempts` (JSON, written atomically: temp file, fsync, rename), and the retry schedule.
// Input: the sidecar's bytes (or its absence: never tried). Output: `DeliveryAttempts` values and
// the time of the next attempt. The sidecar follows the payload into delivered/ or failed/, so
// the attempt history stays with it. Failures: a damaged sidecar reads as "never tried, due now"
// (the payload is re-sent, never dropped) with a problem text for the caller's diagnostics.

import OptoutBase
import Foundation

/// The attempt history of one payload.
package struct DeliveryAttempts: Sendable, Equatable {
    package var attempts = 0
    package var firstAttempt: Timestamp?
    package var lastAttempt: Timestamp?
    /// Not sent again before this time.
    package var nextAttempt: Timestamp?
    package var lastError: String?
    package var lastStatus: Int?
    package var deliveredAt: Timestamp?

    package init() {}

    /// The sidecar path for a payload path.
    package static func path(for payload: String) -> String { payload + ".attempts" }

    /// Reads a sidecar; nil bytes give a fresh record.
    package static func decode(_ bytes: [UInt8]?) -> (DeliveryAttempts, problem: String?) {
        var out = DeliveryAttempts()
        guard let bytes else { return (out, nil) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let attempts = object["attempts"] as? Int else {
            return (out, "attempt record is damaged; the payload is treated as never tried")
        }
        func time(_ key: String) -> Timestamp? {
            (object[key] as? NSNumber).map { Timestamp(seconds: $0.int64Value) }
        }
        out.attempts = attempts
        out.firstAttempt = time("first_attempt_unix")
        out.lastAttempt = time("last_attempt_unix")
        out.nextAttempt = time("next_attempt_unix")
        out.deliveredAt = time("delivered_at_unix")
        out.lastError = object["last_error"] as? String
        out.lastStatus = object["last_status"] as? Int
        return (out, nil)
    }

    /// The sidecar's bytes: readable times for people, Unix times for the program.
    package func encode(eventId: String) -> [UInt8] {
        var fields: [String] = ["\"event_id\": \(JSONText.quote(eventId))", "\"attempts\": \(attempts)"]
        func add(_ key: String, _ time: Timestamp?) {
            guard let time else { return }
            fields.append("\"\(key)\": \"\(time.iso8601)\"")
            fields.append("\"\(key)_unix\": \(time.seconds)")
        }
        add("first_attempt", firstAttempt)
        add("last_attempt", lastAttempt)
        add("next_attempt", nextAttempt)
        add("delivered_at", deliveredAt)
        if let lastStatus { fields.append("\"last_status\": \(lastStatus)") }
        if let lastError { fields.append("\"last_error\": \(JSONText.quote(lastError))") }
        return Array(("{" + fields.joined(separator: ", ") + "}\n").utf8)
    }
}

/// Exponential backoff with jitter: the n-th retry waits base·2^(n-1), plus up to `jitter` of
/// that at random, never more than `cap`.
package struct RetrySchedule: Sendable {
    package var base: Double
    package var cap: Double
    package var jitter: Double
    /// A number in [0, 1); injected by tests for a fixed schedule.
    package var random: @Sendable () -> Double

    package init(base: Double = 60, cap: Double = 3600, jitter: Double = 0.2,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.random = random
    }

    /// Seconds to wait after the `failures`-th failed attempt (1 = the first failure).
    package func delay(afterFailures failures: Int) -> Double {
        let exponent = Double(min(max(failures, 1) - 1, 30))
        let plain = min(cap, base * pow(2, exponent))
        return min(cap, plain * (1 + jitter * random()))
    }

    /// Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), if readable.
    package static func retryAfter(_ value: String?, now: Timestamp) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return Double(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince1970 - Double(now.seconds))
    }
}
