// Review log: the durable record of review items and of the decisions that closed them.
// Input/output: .optout/reviews.tsv, a record file like the ledger (CRC framing, fsync, mode 0600):
//   item   <id> <kind> <number> <event time or ""> <file> <line> <input hash> <raw text> <choice> <rule> <found at> [<row>]
//   (row: the spreadsheet's row, only when it differs from the line; issue 14 item 5)
//   closed <id> <apply|dismiss> <decided at> <decision file> <line>
// An item's id is a hash of its identity (kind, input hash, line, number, raw text), so an input
// read again adds nothing. Items are numbered in file order (1, 2, ...); the journal's `reviews`
// watermark says how many of them the review reports cover. Records are appended in the run step
// that records the ledger events, before anything depends on them.
// Failures: `OptoutError` naming the file; damaged records are reported in `problems` and skipped.

import OptoutBase
import Foundation

/// A review item as kept: its position, id, when it was found, and whether a person decided it.
package struct StoredReview: Sendable, Equatable {
    /// 1-based position among the items of the log.
    package var seq: Int
    package var id: String
    package var item: ReviewItem
    package var foundAt: Timestamp
    /// "apply" or "dismiss" once a person decided it; nil while open.
    package var decision: String?
}

/// A decision that closes an item.
package struct ReviewClosing: Sendable, Equatable {
    package var id: String
    package var decision: String
    package var file: String
    package var line: Int
}

package final class ReviewLog {
    private let file: RecordFile
    package private(set) var items: [StoredReview] = []
    private var byID: [String: Int] = [:]
    package var problems: [String] { file.problems }

    /// Opens the log for writing (a torn final record is cut off, as for the ledger).
    package init(path: String) throws(OptoutError) {
        file = RecordFile(path: path)
        try file.open(repairing: { payload, _ in apply(payload) })
    }

    private init(scanning path: String) {
        file = RecordFile(path: path)
        _ = try? RecordFile.scan(path) { payload, _ in apply(payload) }
    }

    /// The log as it stands, never written nor locked (for `optout status`); unreadable: empty.
    package static func readOnly(path: String) -> ReviewLog {
        ReviewLog(scanning: path)
    }

    private func apply(_ payload: UnsafeBufferPointer<UInt8>) {
        let fields = TabFields.split(payload).map { TabFields.unescape(UnsafeBufferPointer(rebasing: payload[$0])) }
        switch (fields.first, fields.count) {
        case ("item", 12), ("item", 13):
            guard byID[fields[1]] == nil, let kind = ReviewKind(rawValue: fields[2]),
                  let line = Int(fields[6]), let found = Timestamp.parse(fields[11], zone: .gmt) else { return }
            let item = ReviewItem(kind: kind, number: fields[3], eventTime: fields[4].isEmpty ? nil : Timestamp.parse(fields[4], zone: .gmt),
                                  file: fields[5], line: line, inputHash: fields[7], rawText: fields[8], choice: fields[9], rule: fields[10],
                                  row: fields.count == 13 ? Int(fields[12]) : nil)
            byID[fields[1]] = items.count
            items.append(StoredReview(seq: items.count + 1, id: fields[1], item: item, foundAt: found))
        case ("closed", 6):
            if let index = byID[fields[1]], items[index].decision == nil { items[index].decision = fields[2] }
        default:
            break
        }
    }

    /// The id of an item: "R" and 12 hex digits of a hash of kind, input hash, line, number and raw
    /// text (the letter keeps a spreadsheet from reading it as a number).
    package static func id(of item: ReviewItem) -> String {
        var h = FNV1a()
        h.add(item.kind.rawValue)
        h.add(item.inputHash)
        h.add(UInt64(max(0, item.line)))
        h.add(item.number)
        h.add(item.rawText)
        if item.inputHash.isEmpty { h.add(item.file) }
        return "R" + String(Hex.encode(withUnsafeBytes(of: h.value.bigEndian) { Array($0) }).suffix(12))
    }

    package func item(id: String) -> StoredReview? { byID[id].map { items[$0] } }

    package var open: [StoredReview] { items.filter { $0.decision == nil } }

    /// Items after the first `count` (those no review report covers yet).
    package func items(after count: Int) -> [StoredReview] { Array(items.dropFirst(count)) }

    /// Appends the items not yet known and the closings, and fsyncs before returning.
    /// - Returns: the items added (known ones, from an input read again, are skipped).
    @discardableResult
    package func record(_ newItems: [ReviewItem], closing: [ReviewClosing] = [], at now: Timestamp) throws(OptoutError) -> [StoredReview] {
        var payloads: [[UInt8]] = []
        var added: [StoredReview] = []
        for item in newItems {
            let id = ReviewLog.id(of: item)
            if byID[id] != nil { continue }
            byID[id] = items.count
            let stored = StoredReview(seq: items.count + 1, id: id, item: item, foundAt: now)
            items.append(stored)
            added.append(stored)
            payloads.append(ReviewLog.payload(["item", id, item.kind.rawValue, item.number, item.eventTime?.iso8601 ?? "", item.file,
                                               String(item.line), item.inputHash, item.rawText, item.choice, item.rule, now.iso8601]
                                              + (item.row.map { [String($0)] } ?? [])))
        }
        for c in closing {
            guard let index = byID[c.id], items[index].decision == nil else { continue }
            items[index].decision = c.decision
            payloads.append(ReviewLog.payload(["closed", c.id, c.decision, now.iso8601, c.file, String(c.line)]))
        }
        if payloads.isEmpty { return [] }
        try file.appendAndSync(payloads)
        CrashPoints.step("review log: synced")
        return added
    }

    static func payload(_ fields: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(0x09) }
            TabFields.escape(field, into: &out)
        }
        return out
    }
}
