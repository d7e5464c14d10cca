// Ledger line encoder: an event with its seq and effect, straight to the bytes of one ledger
// record line (`<crc32 hex8>\t<v2 payload>\n`, RecordFile framing), without building a
// LedgerRecord or a String per field: the hot path of imports and large STOP logs (issue 13).
// The bytes are exactly those of `LedgerRecord.payload()` framed by `RecordFile.encode` (a test
// holds them equal); the spreadsheet row is appended only when it differs from the line.
// Input: events. Output: bytes appended to `out`. No failures.

import OptoutPhone
import OptoutBase

struct LedgerLineEncoder {
    var out: [UInt8] = []
    private let recorded: [UInt8]
    private var lastTime = Int64.min
    private var lastTimeBytes: [UInt8] = []
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    init(recordedAt: Timestamp) {
        recorded = Array(recordedAt.iso8601.utf8)
        out.reserveCapacity(1 << 20 + 4096)
    }

    private mutating func appendTime(_ time: Timestamp) {
        if time.seconds != lastTime {
            lastTime = time.seconds
            lastTimeBytes = Array(time.iso8601.utf8)
        }
        out.append(contentsOf: lastTimeBytes)
    }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { out.append(0x2D) }
        var v = value.magnitude
        var width = 1
        var probe = v
        while probe >= 10 { probe /= 10; width += 1 }
        let end = out.count + width
        out.append(contentsOf: repeatElement(0x30, count: width))
        var i = end - 1
        repeat { out[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30; v /= 10; i -= 1 } while v > 0
    }

    private mutating func appendNumber(_ number: PhoneNumber) {
        out.append(0x2B)
        appendInteger(Int64(bitPattern: number.value))
    }

    @inline(__always)
    private mutating func tab() { out.append(0x09) }

    private mutating func escaped(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            if !bytes.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x5C }) {
                out.append(contentsOf: bytes)
            } else {
                TabFields.escape(String(decoding: bytes, as: UTF8.self), into: &out)
            }
        }
    }

    /// Appends the record line of `event` as recorded with `seq` and `effect` (and `timeText`
    /// for the event's own, when given).
    mutating func append(_ event: IncomingEvent, seq: Int64, effect: EventEffect, timeText: String? = nil) {
        let start = out.count
        out.append(contentsOf: repeatElement(0x30, count: 8))
        tab()
        out.append(0x76); out.append(0x32)   // "v2"
        tab(); appendInteger(seq)
        tab(); out.append(contentsOf: event.kind.rawValue.utf8)
        tab(); out.append(contentsOf: effect.rawValue.utf8)
        tab(); appendNumber(event.number)
        tab(); appendTime(event.time)
        tab(); out.append(contentsOf: recorded)
        tab(); out.append(contentsOf: event.source.rawValue.utf8)
        tab(); escaped(event.rule)
        tab(); escaped(event.file)
        tab(); appendInteger(Int64(event.line))
        tab(); escaped(event.inputHash)
        tab(); escaped(event.text)
        tab(); escaped(event.detail)
        tab()
        if let timeText = timeText ?? event.timeText { escaped(timeText) } else { appendTime(event.time) }
        if let row = SpreadsheetRow.distinct(event.row, line: event.line) { tab(); appendInteger(Int64(row)) }
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 9)...])) }
        for k in 0..<8 {
            out[start + k] = LedgerLineEncoder.hex[Int((crc >> UInt32(28 - 4 * k)) & 0xF)]
        }
        out.append(0x0A)
    }
}
