// Webhook delivery (`optout deliver`, and the end of every `run` when a callback URL is set):
// POSTs each payload in outbox/webhooks/pending/ to `optout_callback_url`.
// Input: the workspace, its settings and `DeliveryOptions` (clock, timeout, retry schedule,
// time bound, connections, transport — all injectable). Bounded: 4 connections (one thread
// each), each POST ends within its timeout, and no POST starts after the pass's time bound. Output: payloads moved to webhooks/delivered/ (2xx) or
// webhooks/failed/ (other 4xx, 3xx, or 48 hours without success; reason in `<name>.error.txt`);
// payloads that hit a timeout, connection error, 429 or 5xx stay in pending/ with their attempt
// count, last error and next attempt time in `<name>.attempts`. Order per number: a payload
// waits while an earlier one for the same number is pending. At least once: the move happens
// only after the receiver's 2xx, so a crash in between re-sends with the same event id.
// Failures: `OptoutError` for what stops the command (no workspace, bad settings, no callback
// URL, lock held, cannot write state); a receiver's failure is a diagnostic, never an error.

import OptoutBase
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a delivery pass may do, and the clock it reads (tests inject all of it).
package struct DeliveryOptions: Sendable {
    /// The clock: signature times, due times and the 48-hour limit all come from it.
    package var now: @Sendable () -> Timestamp = { Timestamp.now() }
    /// Seconds the receiver has to answer; nil uses the setting `callback_timeout_seconds` (4).
    package var timeout: Double? = nil
    package var retrySchedule = RetrySchedule()
    /// Seconds after a payload was written when it stops being retried and goes to failed/.
    package var maxAge: Int64 = 48 * 3600
    /// Numbers delivered in parallel, each over its own connection (payloads of one number
    /// always go one after another): the README's 4, whatever the number of cores.
    package var concurrency = DeliveryJob.connections
    /// Wall seconds after which no new POST starts (the rest stays pending for the next pass;
    /// POSTs in flight end within one timeout); nil = none.
    package var timeBudget: Double? = nil
    /// `deliver --now`: try every pending payload at once, whatever its next attempt time (the
    /// 48-hour limit still applies).
    package var retryNow = false
    /// How requests are sent; nil uses libcurl (`CurlTransport`), or URLSession when it cannot be loaded.
    package var transport: (any WebhookTransport)? = nil

    package init() {}

    /// The options `run` uses: bounded so that a slow receiver never holds up a run for long.
    package static func forRun(now: Timestamp?) -> DeliveryOptions {
        var options = DeliveryOptions()
        if let now { options.now = { now } }
        options.timeBudget = DeliveryJob.runBudgetSeconds
        return options
    }

    /// The options `optout deliver` uses: at most `maxSeconds` of starting POSTs; `retryNow`
    /// ignores each payload's next attempt time (`deliver --now`).
    package static func forDeliver(maxSeconds: Double = DeliveryJob.deliverBudgetSeconds, retryNow: Bool = false) -> DeliveryOptions {
        var options = DeliveryOptions()
        options.timeBudget = maxSeconds
        options.retryNow = retryNow
        return options
    }
}

/// What one delivery pass did.
package struct DeliveryReport: Sendable, Equatable {
    /// Moved to delivered/ this pass.
    package var delivered = 0
    /// Failed this pass with a temporary error; stays in pending/ for a later attempt.
    package var retrying = 0
    /// Moved to failed/ this pass.
    package var failed = 0
    /// Skipped: their next attempt is not due yet.
    package var notDue = 0
    /// Skipped: an earlier payload for the same number is still pending.
    package var waitingForEarlier = 0
    /// Not tried: the pass's time budget ran out.
    package var leftForLater = 0
    /// E-mail notifications piped to the mail command and moved to notifications/sent/ (MailCommand).
    package var mailed = 0
    /// E-mail notifications whose command failed: left, retried later.
    package var mailRetrying = 0
    /// E-mail notifications whose next attempt is not due yet.
    package var mailNotDue = 0
    package var diagnostics: [Diagnostic] = []

    package init() {}

    /// Adds a mail pass's counts and diagnostics (MailCommand).
    package mutating func add(mail: DeliveryReport) {
        mailed += mail.mailed
        mailRetrying += mail.mailRetrying
        mailNotDue += mail.mailNotDue
        leftForLater += mail.leftForLater
        diagnostics += mail.diagnostics
    }
}

package enum DeliveryJob {
    /// Wall seconds a `run` may spend starting deliveries (each POST is also bounded by its timeout).
    package static let runBudgetSeconds = 10.0
    /// Wall seconds a `deliver` pass may spend starting deliveries unless `--max-seconds` says otherwise.
    package static let deliverBudgetSeconds = 300.0
    /// Connections to the receiver at most (README "Webhook delivery").
    package static let connections = 4
    package static let userAgent = "optout/\(OptoutVersion.number)"

    /// `optout deliver`: the whole command, under the delivery lock (not the run lock, so a slow
    /// receiver never keeps `run` from taking in opt-outs).
    package static func deliver(root: String, options: DeliveryOptions = .forDeliver(), mailCommand: [String]? = nil) throws(OptoutError) -> DeliveryReport {
        let ws = try Workspace.open(root: root)
        let settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        guard settings.optoutCallbackURL != nil || mailCommand != nil else {
            throw .configuration(SourceLocation(file: ws.display(ws.settingsFile)), "\"optout_callback_url\" is not set and no --mail-command was given: nothing to deliver to")
        }
        let lock = try lockDelivery(ws, wait: false)
        defer { lock.release() }
        let started = Date()
        var report = settings.optoutCallbackURL != nil ? try pass(workspace: ws, settings: settings, options: options) : DeliveryReport()
        if let mailCommand {
            // E-mail notifications in what is left of the same bound (MailCommand).
            var mailOptions = options
            mailOptions.timeBudget = options.timeBudget.map { max(0, $0 - Date().timeIntervalSince(started)) }
            report.add(mail: try MailCommand.pass(workspace: ws, argv: mailCommand, options: mailOptions, locked: true))
        }
        return report
    }

    /// The end of a `run`: one bounded pass whose problems are diagnostics, never failures.
    package static func afterRun(workspace ws: Workspace, settings: Settings, options: DeliveryOptions) -> DeliveryReport {
        var report = DeliveryReport()
        do {
            let lock: WorkspaceLock
            do { lock = try lockDelivery(ws, wait: false) } catch .locked {
                report.diagnostics.append(Diagnostic(.note, nil, "webhook delivery: `optout deliver` is already running; pending payloads are left to it"))
                return report
            }
            defer { lock.release() }
            return try pass(workspace: ws, settings: settings, options: options)
        } catch {
            report.diagnostics.append(Diagnostic(.warning, nil, "webhook delivery: \(redact(error.description, settings))"))
            return report
        }
    }

    static func lockDelivery(_ ws: Workspace, wait: Bool) throws(OptoutError) -> WorkspaceLock {
        do {
            return try WorkspaceLock(path: ws.deliverLockFile, wait: wait)
        } catch .locked {
            throw .locked("another `optout deliver` is running on this workspace; try again later")
        }
    }

    /// One payload waiting in pending/.
    struct Item: Sendable {
        let name: String
        let path: String
        let bytes: [UInt8]
        let fields: [(String, String)]
        let written: Timestamp
        var eventId: String { DeliveryJob.eventId(name) }
    }

    /// One pass over pending/: every due payload is tried once.
    package static func pass(workspace ws: Workspace, settings: Settings, options: DeliveryOptions) throws(OptoutError) -> DeliveryReport {
        guard let urlText = settings.optoutCallbackURL, let target = CallbackTarget(urlText) else {
            throw .configuration(SourceLocation(file: ws.display(ws.settingsFile)), "\"optout_callback_url\" is not an http(s) URL")
        }
        let report = Mutex(DeliveryReport())
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: ws.webhooksPending)) ?? []).filter { !$0.hasPrefix(".") }
        try settleAttemptRecords(names, ws: ws)
        let groups = try readGroups(names, ws: ws, options: options, report: report)
        if groups.isEmpty { return report.withLock { $0 } }

        let delivery = GroupDelivery(
            ws: ws, settings: settings, options: options, target: target,
            transport: options.transport ?? CurlTransport.make() ?? URLSessionTransport(maxConnections: options.concurrency),
            timeout: options.timeout ?? settings.callbackTimeoutSeconds,
            secret: settings.webhookSecret.flatMap { $0.isEmpty ? nil : Array($0.utf8) },
            started: DispatchTime.now().uptimeNanoseconds,
            budgetNanos: options.timeBudget.map { UInt64(max(0, $0) * 1e9) })
        let nextGroup = Mutex(0)
        let firstError = Mutex<OptoutError?>(nil)
        let workers = max(1, min(options.concurrency, groups.count))

        // One thread per connection: `concurrentPerform` would run only as many at once as there
        // are cores, and every worker spends its time waiting on the network.
        onThreads(workers) { _ in
            while true {
                let index = nextGroup.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                if index >= groups.count || firstError.withLock({ $0 != nil }) { return }
                do throws(OptoutError) {
                    try delivery.deliver(groups[index], report: report)
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return report.withLock { report in
            var out = report
            out.diagnostics = out.diagnostics.map {
                Diagnostic($0.severity, $0.location, redact($0.message, settings))
            }
            out.diagnostics.sort { ($0.location?.file ?? "") < ($1.location?.file ?? "") }
            return out
        }
    }

    /// Attempt records whose payload already moved (a crash between the two moves) follow it.
    static func settleAttemptRecords(_ names: [String], ws: Workspace) throws(OptoutError) {
        let present = Set(names)
        for name in names where name.hasSuffix(".json.attempts") {
            let payload = String(name.dropLast(".attempts".count))
            if present.contains(payload) { continue }
            let from = "\(ws.webhooksPending)/\(name)"
            if Durable.exists("\(ws.webhooksDelivered)/\(name)") {
                unlink(from)        // an older record; delivered/ has the final one
            } else if Durable.exists("\(ws.webhooksDelivered)/\(payload)") {
                try Durable.move(from, to: "\(ws.webhooksDelivered)/\(name)")
            } else if Durable.exists("\(ws.webhooksFailed)/\(payload)") {
                try Durable.move(from, to: "\(ws.webhooksFailed)/\(name)")
            }
        }
    }

    /// The pending payloads read and grouped by number, in file-name (opt-out time) order; one
    /// that is not an opt-out payload or cannot name its event goes to failed/ at once.
    static func readGroups(_ names: [String], ws: Workspace, options: DeliveryOptions,
                           report: borrowing Mutex<DeliveryReport>) throws(OptoutError) -> [[Item]] {
        var groups: [[Item]] = []
        var groupOf: [String: Int] = [:]
        for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
            let path = "\(ws.webhooksPending)/\(name)"
            let bytes: [UInt8]
            do { bytes = try Durable.readFile(path) } catch {
                report.withLock { $0.diagnostics.append(Diagnostic(.warning, SourceLocation(file: ws.display(path)), "cannot read: \(error.description); left in pending/")) }
                continue
            }
            let written = modificationTime(path) ?? options.now()
            guard let fields = payloadFields(bytes), let number = fields.first(where: { $0.0 == "unsubscribed_number" })?.1 else {
                let item = Item(name: name, path: path, bytes: bytes, fields: [], written: written)
                try fail(item, DeliveryAttempts(), reason: "not an opt-out payload (a JSON object with \"unsubscribed_number\"); not sent", ws: ws, report: report)
                continue
            }
            let item = Item(name: name, path: path, bytes: bytes, fields: fields, written: written)
            // The event id goes into a header: a line break in it would add headers of its own.
            if item.eventId.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                try fail(item, DeliveryAttempts(), reason: "the file name holds a control character and cannot be sent as X-Optout-Event-Id; not sent", ws: ws, report: report)
                continue
            }
            if let index = groupOf[number] {
                groups[index].append(item)
            } else {
                groupOf[number] = groups.count
                groups.append([item])
            }
        }
        return groups
    }

    /// Runs `body(0..<count)` on `count` threads of its own and returns when all have ended
    /// (joined, so nothing keeps `body` afterwards). A thread that cannot be created runs inline.
    static func onThreads(_ count: Int, _ body: @Sendable (Int) -> Void) {
        final class Work {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        withoutActuallyEscaping(body) { body in
            var threads: [pthread_t] = []
            for index in 0..<count {
                let work = Unmanaged.passRetained(Work { body(index) })
                var thread = pthread_t()
                let created = pthread_create(&thread, nil, { raw in
                    Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().run()
                    return nil
                }, work.toOpaque())
                if created == 0 {
                    threads.append(thread)
                } else {
                    work.takeRetainedValue().run()
                }
            }
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// Moves a payload to failed/ with its reason beside it (reason first, so a crash leaves the
    /// payload in pending/ to be handled again, never in failed/ without a reason).
    static func fail(_ item: Item, _ state: DeliveryAttempts, reason: String, ws: Workspace, report: borrowing Mutex<DeliveryReport>) throws(OptoutError) {
        let target = "\(ws.webhooksFailed)/\(item.name)"
        var text = "\(reason)\n"
        if state.attempts > 0 { text += "attempts: \(state.attempts)\n" }
        text += "event id: \(item.eventId)\n"
        try Durable.writeFile(target + ".error.txt", text)
        let attemptsPath = DeliveryAttempts.path(for: item.path)
        if state.attempts > 0 { try Durable.writeFile(attemptsPath, state.encode(eventId: item.eventId)) }
        try Durable.move(item.path, to: target)
        if Durable.exists(attemptsPath) { try Durable.move(attemptsPath, to: target + ".attempts") }
        report.withLock {
            $0.failed += 1
            $0.diagnostics.append(Diagnostic(.error, SourceLocation(file: ws.display(item.path)), "\(reason); moved to \(ws.display(target))"))
        }
    }

    /// The request for one payload: body, content type, event id, signature and credentials.
    static func makeRequest(_ item: Item, target: CallbackTarget, format: String, secret: [UInt8]?, timeout: Double, time: Timestamp) -> WebhookRequest {
        let body: [UInt8]
        let contentType: String
        if format == "form" {
            body = Array(formEncode(item.fields).utf8)
            contentType = "application/x-www-form-urlencoded"
        } else {
            body = item.bytes
            contentType = "application/json"
        }
        var headers: [(String, String)] = [
            ("Content-Type", contentType),
            ("User-Agent", userAgent),
            ("X-Optout-Event-Id", item.eventId),
        ]
        if let secret { headers.append(("X-Optout-Signature", signature(body: body, time: time, secret: secret))) }
        if let authorization = target.authorization { headers.append(("Authorization", authorization)) }
        return WebhookRequest(url: target.url, headers: headers, body: body, timeout: timeout)
    }

    /// `t=<unix time>,s=<hex HMAC-SHA256 of "<body>.<t>">`.
    package static func signature(body: [UInt8], time: Timestamp, secret: [UInt8]) -> String {
        var message = body
        message.append(contentsOf: Array(".\(time.seconds)".utf8))
        return "t=\(time.seconds),s=\(Hex.encode(HMACSHA256.authenticationCode(key: secret, message: message)))"
    }

    /// The event id: the id part of `<time>-<id>.json` (stable per payload).
    package static func eventId(_ name: String) -> String {
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        if let dash = stem.lastIndex(of: "-") {
            let id = stem[stem.index(after: dash)...]
            if !id.isEmpty { return String(id) }
        }
        return stem
    }

    /// The payload's fields in their file order for the form body; nil when it is not a JSON object.
    static func payloadFields(_ bytes: [UInt8]) -> [(String, String)]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        let known = ["timestamp", "unsubscribed_number", "source"]
        var fields: [(String, String)] = []
        for key in known + object.keys.filter({ !known.contains($0) }).sorted() {
            guard let value = object[key] else { continue }
            fields.append((key, value as? String ?? "\(value)"))
        }
        return fields
    }

    /// application/x-www-form-urlencoded, with everything but unreserved characters escaped.
    package static func formEncode(_ fields: [(String, String)]) -> String {
        func escape(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let hex = Array("0123456789ABCDEF".utf8)
                    out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
                }
            }
            return out
        }
        return fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func modificationTime(_ path: String) -> Timestamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Timestamp(seconds: Int64(st.st_mtim.tv_sec))
    }

    static func formatSeconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Removes the secret and URL credentials from a message.
    static func redact(_ text: String, _ settings: Settings) -> String {
        var secrets: [String] = []
        if let secret = settings.webhookSecret, !secret.isEmpty { secrets.append(secret) }
        if let url = settings.optoutCallbackURL, let parts = URLComponents(string: url) {
            if let password = parts.password, !password.isEmpty { secrets.append(password) }
            if let raw = parts.percentEncodedPassword, !raw.isEmpty { secrets.append(raw) }
        }
        var out = text
        if let url = settings.optoutCallbackURL { out = out.replacingOccurrences(of: url, with: Redact.url(url)) }
        return Redact.secrets(out, secrets)
    }
}
