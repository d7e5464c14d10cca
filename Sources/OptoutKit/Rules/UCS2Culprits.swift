// UCS-2 culprits: which characters forced a campaign's messages out of GSM-7 into UCS-2, and what
// that cost (issue 14 item 3). Fed only with the messages that came out UCS-2 (rare), from the
// campaign's emit path (CampaignRowOutput.recipient, one hook line, on a worker thread; the
// workers' figures are added up in list order with `add`), before the max_segments check, so a
// message skipped as too long is counted too.
// Input: a rendered message (UTF-8 bytes) and its segment count. Output: per culprit character the
// messages that held it; messages affected; extra segments of the sent ones (segments as sent
// minus segments had those characters been GSM-7, one septet each); messages skipped as too long
// that would have fitted as GSM-7; and the words for the report and its warning. Failures: none.

package struct UCS2Culprits: Sendable, Equatable {
    /// Culprit scalar → messages (recipients) whose text held it.
    package var characters: [UInt32: Int] = [:]
    /// Messages that came out UCS-2 (sent or skipped as too long).
    package var messages = 0
    /// Segments the sent UCS-2 messages cost beyond what they would as GSM-7.
    package var extraSegments = 0
    /// Messages skipped as too long that would have fitted max_segments as GSM-7.
    package var tooLongOnlyByUCS2 = 0

    package init() {}

    package var isEmpty: Bool { messages == 0 }

    /// Records one UCS-2 message; `sent`: false when it is skipped as too long.
    package mutating func record(utf8 bytes: UnsafeRawBufferPointer, count: SegmentCount, maxSegments: Int?) {
        guard count.encoding == .ucs2 else { return }
        guard let (seen, gsmSegments) = Self.scan(bytes) else {
            return recordDecoding(utf8: bytes, count: count, maxSegments: maxSegments)  // malformed UTF-8
        }
        tally(seen: seen, gsmSegments: gsmSegments, count: count, maxSegments: maxSegments)
    }

    /// The culprits of well-formed UTF-8, and the GSM-7 segments of the message with each culprit
    /// one septet, straight from the bytes; nil for malformed UTF-8 (then `recordDecoding`).
    static func scan(_ bytes: UnsafeRawBufferPointer) -> (seen: [UInt32], gsmSegments: Int)? {
        var seen: [UInt32] = []
        let n = bytes.count
        var i = 0
        var packing = Segments.GSM7Packing()
        while i < n {
            let b0 = UInt32(bytes[i])
            let value: UInt32
            if b0 < 0x80 {
                value = b0
                i += 1
            } else {
                // Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
                let length = b0 >= 0xC2 && b0 <= 0xDF ? 2 : b0 >= 0xE0 && b0 <= 0xEF ? 3 : b0 >= 0xF0 && b0 <= 0xF4 ? 4 : 0
                guard length > 0, i + length <= n else { return nil }
                let b1 = UInt32(bytes[i + 1])
                let low: UInt32 = b0 == 0xE0 ? 0xA0 : b0 == 0xF0 ? 0x90 : 0x80
                let high: UInt32 = b0 == 0xED ? 0x9F : b0 == 0xF4 ? 0x8F : 0xBF
                guard b1 >= low, b1 <= high else { return nil }
                var v = (b0 & (0xFF >> UInt32(length + 1))) << 6 | (b1 & 0x3F)
                for k in 2..<max(2, length) {
                    let b = UInt32(bytes[i + k])
                    guard b & 0xC0 == 0x80 else { return nil }
                    v = v << 6 | (b & 0x3F)
                }
                value = v
                i += length
            }
            var cost = Int(Segments.gsmCost(value))
            if cost == 0 {
                if !seen.contains(value) { seen.append(value) }
                cost = 1  // as if it were "?"
            }
            packing.add(cost)
        }
        return (seen, packing.segments)
    }

    /// `record` through a String (malformed sequences read as U+FFFD, as String decoding does).
    mutating func recordDecoding(utf8 bytes: UnsafeRawBufferPointer, count: SegmentCount, maxSegments: Int?) {
        var seen: [UInt32] = []
        var asGSM: [UInt8] = []
        asGSM.reserveCapacity(bytes.count)
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if Segments.gsmCost(scalar.value) == 0 {
                if !seen.contains(scalar.value) { seen.append(scalar.value) }
                asGSM.append(UInt8(ascii: "?"))  // one septet, as if the character were GSM-7
            } else {
                asGSM.append(contentsOf: String(scalar).utf8)
            }
        }
        tally(seen: seen, gsmSegments: Segments.count(utf8: asGSM).segments, count: count, maxSegments: maxSegments)
    }

    private mutating func tally(seen: [UInt32], gsmSegments: Int, count: SegmentCount, maxSegments: Int?) {
        for value in seen { characters[value, default: 0] += 1 }
        messages += 1
        if let maxSegments, count.segments > maxSegments {
            if gsmSegments <= maxSegments { tooLongOnlyByUCS2 += 1 }
        } else {
            extraSegments += count.segments - gsmSegments
        }
    }

    /// Adds the figures of other messages (another chunk of the same campaign).
    package mutating func add(_ other: UCS2Culprits) {
        guard !other.isEmpty else { return }
        for (value, count) in other.characters { characters[value, default: 0] += count }
        messages += other.messages
        extraSegments += other.extraSegments
        tooLongOnlyByUCS2 += other.tooLongOnlyByUCS2
    }

    /// Names people can recognise for characters that look like others or like nothing.
    static let names: [UInt32: String] = [
        0x09: "tab", 0x60: "backtick", 0xA0: "no-break space", 0xAD: "soft hyphen", 0x200B: "zero-width space",
        0x2018: "left single quote", 0x2019: "right single quote", 0x201C: "left double quote", 0x201D: "right double quote",
        0x2013: "en dash", 0x2014: "em dash", 0x2026: "ellipsis", 0xFEFF: "byte order mark",
    ]

    /// `"ë" U+00EB`, or `right single quote U+2019` for a character better named than shown.
    package static func describe(_ value: UInt32) -> String {
        var hex = String(value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        if let name = names[value] { return "\(name) U+\(hex)" }
        let shown = Unicode.Scalar(value).map { String(Character($0)) } ?? "?"
        return "\"\(shown)\" U+\(hex)"
    }

    /// The culprits, most frequent first: `"ë" U+00EB (121 messages), ...` (at most `limit`).
    package func characterList(limit: Int = 10) -> String {
        let sorted = characters.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var parts = sorted.prefix(limit).map { "\(Self.describe($0.key)) (\($0.value) message\($0.value == 1 ? "" : "s"))" }
        if sorted.count > limit { parts.append("and \(sorted.count - limit) more") }
        return parts.joined(separator: ", ")
    }

    /// The report's line: what forced UCS-2 and what it cost.
    package var reportLine: String {
        var out = "\(messages) message\(messages == 1 ? "" : "s") because of \(characterList())"
        out += "; \(extraSegments) extra segment\(extraSegments == 1 ? "" : "s")"
        if tooLongOnlyByUCS2 > 0 { out += "; \(tooLongOnlyByUCS2) skipped as too long that would fit as GSM-7" }
        return out
    }

    /// The warning for the report and stderr, nil when no message came out UCS-2. `recipients`:
    /// the messages rendered (sent plus skipped as too long).
    package func warning(recipients: Int) -> String? {
        guard !isEmpty else { return nil }
        var out = "UCS-2 (\(Segments.ucs2SingleLimit) characters a segment instead of \(Segments.gsm7SingleLimit)) for \(messages) of \(recipients) messages because of \(characterList())"
        out += ": \(extraSegments) extra segment\(extraSegments == 1 ? "" : "s")"
        if tooLongOnlyByUCS2 > 0 {
            out += ", and \(tooLongOnlyByUCS2) recipient\(tooLongOnlyByUCS2 == 1 ? "" : "s") skipped as \"message too long\" who would get the message in GSM-7"
        }
        out += "; replace these characters (in the template or the list) to send in GSM-7"
        return out
    }
}
