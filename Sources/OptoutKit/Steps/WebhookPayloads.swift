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
    /// their renames (FileBatch: 100,000 payloads in one flush, issue 13); returns how many.
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
        for optOut in optOuts {
            guard let body = body(optOut) else { continue }
            let name = fileName(optOut)
            if existing.contains(name) { continue }
            existing.insert(name)
            try batch.add("\(workspace.webhooksPending)/\(name)", Array(body.utf8))
            written += 1
        }
        try batch.commit()
        return written
    }
}
