// Rows written as bytes (issue 13) are the bytes the String path writes: the unsubscription
// report's row from a ledger payload, suppressions.csv's rows, a timestamp's ISO text.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct ByteRowsTests {
    @Test func timestampBytesAreItsISOText() {
        for seconds: Int64 in [-5, 0, 59, 951_782_400, 1_795_694_400, 4_102_444_799, 253_402_300_799, 253_402_300_800] {
            var out: [UInt8] = []
            Timestamp(seconds: seconds).appendISO8601(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == Timestamp(seconds: seconds).iso8601)
        }
    }

    @Test func reportRowFromPayloadIsTheRowOfTheRecord() {
        let texts = ["STOP", "07911 123456", "0791,1", "=HYPERLINK(\"x\")", " Stop ", "a\\tb\"c\"\r\nd", "", "+447911123456", "ünï"]
        let rules = ["keyword STOP", "-1 rule, with comma", "rule\twith tab"]
        let files = ["inbox/stops/a.csv", "inbox/sup\\pressions/b c.csv", "@file"]
        let writer = CSVWriter(audience: .people)
        var n = 0
        for text in texts {
            for rule in rules {
                for file in files {
                    n += 1
                    let source = EventSource.allCases[n % 3]
                    let r = LedgerRecord(seq: Int64(n), kind: .optOut, effect: .applied, number: PhoneNumber(e164: "+447911123456")!,
                                         eventTime: Timestamp(seconds: 1_795_694_400 + Int64(n)), recordedTime: Timestamp(seconds: 1_795_700_000),
                                         source: source, rule: rule, file: file, line: n * 7, inputHash: "h", text: text, detail: "", timeText: "")
                    var expected: [UInt8] = []
                    writer.appendRow(UnsubscriptionReportText.row(r), to: &expected)
                    var got: [UInt8] = []
                    r.payload().withUnsafeBufferPointer { UnsubscriptionReportText.appendRow(payload: $0, source: source, writer: writer, to: &got) }
                    #expect(String(decoding: got, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
                }
            }
        }
    }

    @Test func suppressionsFileRowsAreTheCSVWriterRows() throws {
        var state = SuppressionState()
        let entries: [(String, Int64, EventSource)] = [("+447911123456", 1_795_694_400, .reply), ("+12025550123", -100, .link),
                                                       ("+491512345678901", 4_294_967_296, .import), ("+33612345678", 0, .reply)]
        for (e164, time, source) in entries {
            state.apply(.optOut, number: PhoneNumber(e164: e164)!, at: Timestamp(seconds: time), source: source, effect: .applied)
        }
        state.apply(.optIn, number: PhoneNumber(e164: "+33612345678")!, at: Timestamp(seconds: 10), source: .reply, effect: .applied)
        let path = NSTemporaryDirectory() + "suppressions-" + UUID().uuidString + ".csv"
        defer { unlink(path) }
        try SuppressionExport.write(state, to: path)
        let writer = CSVWriter(audience: .machine)
        var expected = Array("phone,opted_out_at,source\n".utf8)
        for (e164, time, source) in entries.dropLast().sorted(by: { PhoneNumber(e164: $0.0)!.value < PhoneNumber(e164: $1.0)!.value }) {
            writer.appendRow([e164, Timestamp(seconds: time).iso8601, source.webhookName ?? "import"], to: &expected)
        }
        #expect(String(decoding: try Durable.readFile(path), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }
}
