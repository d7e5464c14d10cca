// Group delivery: one number's pending payloads POSTed in order, within one delivery pass.
// Input: the pass's fixed inputs (workspace, settings, options, receiver, transport, time bound)
// and the payloads of one number, oldest first. Output: each payload tried in turn until one is
// not due, the pass's time bound is spent, or one must be retried later (the rest wait behind
// it); 2xx → delivered/, other 4xx/3xx or too old → failed/, else pending/ with its attempt
// record; counts and diagnostics added to the pass's report.
// Failures: `OptoutError` when state cannot be written (stops the pass); a receiver's failure is
// a diagnostic, never an error.

import OptoutBase
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct GroupDelivery: Sendable {
    let ws: Workspace
    let settings: Settings
    let options: DeliveryOptions
    let target: CallbackTarget
    let transport: any WebhookTransport
    let timeout: Double
    let secret: [UInt8]?
    /// When the pass started (uptime nanoseconds) and how long it may start POSTs.
    let started: UInt64
    let budgetNanos: UInt64?

    /// What to do after one payload.
    private enum Next { case nextPayload, stopGroup }

    /// Tries the group's payloads in order (one number's: a later one never overtakes an earlier one).
    func deliver(_ group: [DeliveryJob.Item], report: borrowing Mutex<DeliveryReport>) throws(OptoutError) {
        for (position, item) in group.enumerated() {
            let waiting = group.count - position - 1
            if try attempt(item, waitingBehind: waiting, report: report) == .stopGroup { return }
        }
    }

    /// One payload: skipped when not due or out of time, else POSTed and its outcome recorded.
    private func attempt(_ item: DeliveryJob.Item, waitingBehind waiting: Int,
                         report: borrowing Mutex<DeliveryReport>) throws(OptoutError) -> Next {
        let attemptsPath = DeliveryAttempts.path(for: item.path)
        let (loaded, problem) = DeliveryAttempts.decode(Durable.exists(attemptsPath) ? try Durable.readFile(attemptsPath) : nil)
        var state = loaded
        if let problem {
            report.withLock { $0.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(attemptsPath)), problem)) }
        }
        let now = options.now()
        if !options.retryNow, let due = state.nextAttempt, due > now {
            report.withLock {
                $0.notDue += 1
                $0.waitingForEarlier += waiting
            }
            return .stopGroup
        }
        if let budgetNanos, DispatchTime.now().uptimeNanoseconds - started >= budgetNanos {
            report.withLock { $0.leftForLater += waiting + 1 }
            return .stopGroup
        }
        let request = DeliveryJob.makeRequest(item, target: target, format: settings.callbackFormat, secret: secret, timeout: timeout, time: now)
        let outcome = transport.post(request)
        let after = options.now()
        state.attempts += 1
        if state.firstAttempt == nil { state.firstAttempt = now }
        state.lastAttempt = now
        switch outcome {
        case .status(let code, _) where (200..<300).contains(code):
            state.lastStatus = code
            state.lastError = nil
            state.nextAttempt = nil
            state.deliveredAt = after
            // The record first, then the payload: a crash in between leaves the
            // payload pending (sent again, same event id), never lost.
            try Durable.writeFile("\(ws.webhooksDelivered)/\(item.name).attempts", state.encode(eventId: item.eventId))
            try Durable.move(item.path, to: "\(ws.webhooksDelivered)/\(item.name)")
            if Durable.exists(attemptsPath) { unlink(attemptsPath) }
            report.withLock { $0.delivered += 1 }
            return .nextPayload
        case .status(let code, _) where code != 429 && code < 500:
            state.lastStatus = code
            state.lastError = "HTTP \(code)"
            let reason = "\(target.display) answered HTTP \(code); not retried"
            try DeliveryJob.fail(item, state, reason: reason, ws: ws, report: report)
            return .nextPayload
        default:
            return try retryOrFail(item, outcome: outcome, state: state, after: after, waitingBehind: waiting, report: report)
        }
    }

    /// A temporary failure (timeout, connection error, 429, 5xx): retried later with the
    /// receiver's Retry-After or the schedule, or failed once the payload is too old.
    private func retryOrFail(_ item: DeliveryJob.Item, outcome: PostOutcome, state: DeliveryAttempts, after: Timestamp,
                             waitingBehind waiting: Int, report: borrowing Mutex<DeliveryReport>) throws(OptoutError) -> Next {
        var state = state
        var retryAfter: String?
        switch outcome {
        case .status(let code, let header):
            state.lastStatus = code
            state.lastError = "HTTP \(code)"
            retryAfter = header
        case .timedOut:
            state.lastStatus = nil
            state.lastError = "no answer within \(DeliveryJob.formatSeconds(timeout)) s"
        case .transportError(let text):
            state.lastStatus = nil
            state.lastError = text
        }
        let deadline = Timestamp(seconds: item.written.seconds + options.maxAge)
        if after >= deadline {
            let reason = "not delivered to \(target.display) within \(options.maxAge / 3600) hours of being written (\(state.attempts) attempts; last: \(state.lastError ?? "?"))"
            try DeliveryJob.fail(item, state, reason: reason, ws: ws, report: report)
            return .nextPayload
        }
        let wait = RetrySchedule.retryAfter(retryAfter, now: after) ?? options.retrySchedule.delay(afterFailures: state.attempts)
        var next = Timestamp(seconds: after.seconds + Int64(max(1, wait.rounded(.up))))
        if next > deadline { next = deadline }
        state.nextAttempt = next
        try Durable.writeFile(DeliveryAttempts.path(for: item.path), state.encode(eventId: item.eventId))
        let message = "\(target.display): \(state.lastError ?? "failed") (attempt \(state.attempts)); next attempt at \(next.iso8601)"
        report.withLock {
            $0.retrying += 1
            $0.waitingForEarlier += waiting
            $0.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(item.path)), message))
        }
        return .stopGroup
    }
}
