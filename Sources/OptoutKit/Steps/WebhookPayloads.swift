// Webhook payload files: one JSON file per new opt-out in outbox/webhooks/pending/, shaped
// exactly like SMS.to's opt-out callback:
//   {"timestamp": "2026-11-26T17:40:45Z", "unsubscribed_number": "+447911123456", "source": "TollFree number"}
// Input: applied opt-outs from the ledger (imports excluded: they came from elsewhere). Output:
// files named `<time>-<id>.json`, the id stable per opt-out, written only when not already in
// pending/, delivered/ or failed/ (so reruns and crashes never duplicate them).
// Failures: `OptoutError` when a file cannot be written.

import OptoutBase
import Foundation

package enum WebhookPayloads {
    /// The exact bytes SMS.to sends (no trailing newline: the file is the request body).
    package static func body(_ optOut: AppliedOptOut) -> String? {
        guard let source = optOut.source.webhookName else { return nil }
        return "{\"timestamp\": \"\(optOut.time.iso8601)\", \"unsubscribed_number\": \"\(optOut.number.e164)\", \"source\": \"\(source)\"}"
    }

    /// Stable file name: sorts by opt-out time; the id is a hash of number, time and source.
    package static func fileName(_ optOut: AppliedOptOut) -> String {
        var key = SHA256()
        key.update("\(optOut.number.e164)|\(optOut.time.seconds)|\(optOut.source.rawValue)")
        let id = Hex.encode(Array(key.finalize().prefix(8)))
        return "\(optOut.time.compact)-\(id).json"
    }

    /// Writes the payload files that do not exist yet, all made durable with one syncfs before
    /// they are named (FileBatch: unnamed files linked into pending/, issue 13); returns how many.
    /// Names and bytes are built in two reused buffers: the same as `fileName` and `body`.
    @discardableResult
    package static func write(_ optOuts: [AppliedOptOut], workspace: Workspace) throws(OptoutError) -> Int {
        let batch = FileBatch()
        var written = 0
        if optOuts.isEmpty { return 0 }
        // One listing of each folder instead of three look-ups per payload.
        var existing = Set<String>()
        for folder in [workspace.webhooksPending, workspace.webhooksDelivered, workspace.webhooksFailed] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] { existing.insert(name) }
        }
        let pending = workspace.webhooksPending
        let sources = EventSource.allCases.map { ($0, $0.webhookName.map { Array($0.utf8) }, Array($0.rawValue.utf8)) }
        var bytes: [UInt8] = [], key: [UInt8] = [], nameBytes: [UInt8] = []
        bytes.reserveCapacity(160)
        for optOut in optOuts {
            guard let source = sources.first(where: { $0.0 == optOut.source }), let sourceName = source.1 else { continue }
            // Name: <compact time>-<16 hex of SHA-256("+e164|seconds|source")>.json
            key.removeAll(keepingCapacity: true)
            appendE164(optOut.number.value, to: &key)
            key.append(UInt8(ascii: "|"))
            appendInteger(optOut.time.seconds, to: &key)
            key.append(UInt8(ascii: "|"))
            key.append(contentsOf: source.2)
            var hash = SHA256()
            hash.update(key)
            let digest = hash.finalize()
            nameBytes.removeAll(keepingCapacity: true)
            appendTime(optOut.time, compact: true, to: &nameBytes)
            nameBytes.append(UInt8(ascii: "-"))
            for byte in digest.prefix(8) {
                nameBytes.append(hexDigits[Int(byte >> 4)])
                nameBytes.append(hexDigits[Int(byte & 0x0F)])
            }
            nameBytes.append(contentsOf: ".json".utf8)
            let name = String(decoding: nameBytes, as: UTF8.self)
            if existing.contains(name) { continue }
            existing.insert(name)
            // Body: {"timestamp": "<iso8601>", "unsubscribed_number": "+<e164>", "source": "<name>"}
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: "{\"timestamp\": \"".utf8)
            appendTime(optOut.time, compact: false, to: &bytes)
            bytes.append(contentsOf: "\", \"unsubscribed_number\": \"".utf8)
            appendE164(optOut.number.value, to: &bytes)
            bytes.append(contentsOf: "\", \"source\": \"".utf8)
            bytes.append(contentsOf: sourceName)
            bytes.append(contentsOf: "\"}".utf8)
            let failure: OptoutError? = bytes.withUnsafeBytes { raw in
                do throws(OptoutError) { try batch.add(name: name, in: pending, raw) } catch { return error }
                return nil
            }
            if let failure { throw failure }
            written += 1
        }
        try batch.commit()
        return written
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// "+" and the digits (PhoneNumber.e164).
    static func appendE164(_ value: UInt64, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "+"))
        appendInteger(Int64(bitPattern: value), to: &out)
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var n = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
                count += 1
            } while n > 0
            out.append(contentsOf: d[(20 - count)...])
        }
    }

    /// Timestamp.iso8601 ("2026-11-26T17:40:45Z") or .compact ("20261126T174045Z"), as bytes.
    static func appendTime(_ time: Timestamp, compact: Bool, to out: inout [UInt8]) {
        let seconds = time.writtenSeconds
        var days = seconds / 86400, rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let date = Timestamp.civilDate(days)
        func pad(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            if v >= divisor * 10 { appendInteger(Int64(v), to: &out); return }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") &+ UInt8(v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        pad(date.year, 4); if !compact { out.append(UInt8(ascii: "-")) }
        pad(date.month, 2); if !compact { out.append(UInt8(ascii: "-")) }
        pad(date.day, 2); out.append(UInt8(ascii: "T"))
        pad(Int(rem / 3600), 2); if !compact { out.append(UInt8(ascii: ":")) }
        pad(Int(rem % 3600 / 60), 2); if !compact { out.append(UInt8(ascii: ":")) }
        pad(Int(rem % 60), 2); out.append(UInt8(ascii: "Z"))
    }
}
