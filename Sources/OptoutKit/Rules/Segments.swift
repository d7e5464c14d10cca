// Segments.swift: SMS encoding choice and segment counting (GSM 03.38 / 3GPP TS 23.038).
//
// Input: the final message text (merge fields and opt-out link already inserted), as a String
// or as valid UTF-8 bytes. Output: the encoding a phone network would use (GSM-7 when every
// character is in the GSM default alphabet or its extension table, else UCS-2), the number of
// septets / UTF-16 code units, and the number of parts; `split` returns the parts themselves.
// Packing is greedy, like a sending handset: a single message holds 160 septets (GSM-7) or 70
// UTF-16 units (UCS-2); a multipart message holds 153 / 67 per part, and a part never ends in
// the middle of a GSM escape pair (extension character, 2 septets) or a UTF-16 surrogate pair.
// Failures: none. Characters outside GSM-7 (including TAB and backtick) force UCS-2.

import OptoutBase

/// The character encoding an SMS is sent with.
package enum MessageEncoding: String, Sendable {
    case gsm7 = "GSM-7"
    case ucs2 = "UCS-2"
}

/// Encoding, size and number of parts of one SMS text.
package struct SegmentCount: Sendable, Equatable {
    /// GSM-7 when every character is in the default alphabet or its extension table.
    package var encoding: MessageEncoding
    /// Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    package var units: Int
    /// Number of SMS parts; 1 for an empty message.
    package var segments: Int

    package init(encoding: MessageEncoding, units: Int, segments: Int) {
        self.encoding = encoding
        self.units = units
        self.segments = segments
    }
}

/// SMS segment counting and splitting.
package enum Segments {
    /// Septets in a single-part GSM-7 message.
    package static let gsm7SingleLimit = 160
    /// Septets per part of a multipart GSM-7 message (the rest is the user data header).
    package static let gsm7PartLimit = 153
    /// UTF-16 units in a single-part UCS-2 message.
    package static let ucs2SingleLimit = 70
    /// UTF-16 units per part of a multipart UCS-2 message.
    package static let ucs2PartLimit = 67

    /// Encoding and segment count of the final message text.
    package static func count(_ text: String) -> SegmentCount {
        if let result = text.utf8.withContiguousStorageIfAvailable({
            count(utf8: UnsafeRawBufferPointer($0))
        }) {
            return result
        }
        var copy = text
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable {
            count(utf8: UnsafeRawBufferPointer($0))
        } ?? count(utf8: Array(copy.utf8))
    }

    /// Encoding and segment count of a message given as UTF-8 bytes.
    ///
    /// The bytes must be valid UTF-8; malformed input never crashes or reads out of bounds, and
    /// counts roughly as if each malformed sequence were U+FFFD (UCS-2, one unit).
    package static func count(utf8 bytes: [UInt8]) -> SegmentCount {
        bytes.withUnsafeBytes { count(utf8: $0) }
    }

    /// Encoding and segment count of a message given as UTF-8 bytes (see `count(utf8:)`).
    package static func count(utf8 bytes: UnsafeRawBufferPointer) -> SegmentCount {
        if let gsm = countGSM7(bytes) { return gsm }
        return countUCS2(bytes)
    }

    /// True when every character is in the GSM-7 default alphabet or its extension table.
    package static func isGSM7(_ text: String) -> Bool {
        count(text).encoding == .gsm7
    }

    /// The parts a phone would receive, never splitting a GSM escape pair or a UTF-16 surrogate
    /// pair. A message that fits in one SMS (including the empty message) is returned as the
    /// single element `[text]`, so `split(t).count == count(t).segments` always holds.
    package static func split(_ text: String) -> [String] {
        let total = count(text)
        guard total.segments > 1 else { return [text] }
        let scalars = text.unicodeScalars
        let gsm = total.encoding == .gsm7
        let limit = gsm ? gsm7PartLimit : ucs2PartLimit
        var parts: [String] = []
        parts.reserveCapacity(total.segments)
        var start = scalars.startIndex
        var used = 0
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let cost = gsm ? Int(gsmCost(scalar.value)) : (scalar.value > 0xFFFF ? 2 : 1)
            if used + cost > limit {
                parts.append(String(scalars[start..<index]))
                start = index
                used = 0
            }
            used += cost
            index = scalars.index(after: index)
        }
        parts.append(String(scalars[start..<scalars.endIndex]))
        return parts
    }

    // MARK: - Counting a message from its pieces

    /// The figures of one piece of a message (a literal, a field, a link), so that a message
    /// rendered from pieces is counted by adding them up (`SegmentPiece.count`): only the pieces
    /// that change per message are scanned. Exactly `count(utf8:)` of the whole message whenever
    /// `count` answers; it answers nil (the caller then counts the whole message) when a piece is
    /// not well-formed UTF-8 (its bytes could join a neighbour's), or when a multipart message
    /// holds an extension character (GSM-7) or a surrogate pair (UCS-2), where greedy packing
    /// depends on where the pair falls.
    package struct Piece: Sendable, Equatable {
        /// Septets if the piece is GSM-7 (extension characters count 2).
        package var septets = 0
        /// UTF-16 code units.
        package var units = 0
        /// `notGSM`, `hasExtension`, `hasSurrogates`, `malformed`.
        package var flags: UInt8 = 0
        package static let notGSM: UInt8 = 1, hasExtension: UInt8 = 2, hasSurrogates: UInt8 = 4, malformed: UInt8 = 8

        package init() {}

        /// Scans one piece (its own bytes only).
        package init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress else { return }
            let n = bytes.count
            var i = 0, septets = 0, units = 0
            var flags: UInt8 = 0
            while i < n {
                let b0 = UInt32(base[i])
                if b0 < 0x80 {
                    let cost = gsmCost(b0)
                    if cost == 0 { flags |= Piece.notGSM } else if cost == 2 { flags |= Piece.hasExtension }
                    septets &+= Int(cost)
                    units &+= 1
                    i &+= 1
                    continue
                }
                // Multi-byte: the lead byte's length, every continuation byte present, or malformed.
                let length = b0 < 0xC2 ? 0 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : b0 < 0xF5 ? 4 : 0
                guard length > 0, i + length <= n else { flags |= Piece.malformed; break }
                var ok = true
                for k in 1..<length where base[i + k] & 0xC0 != 0x80 { ok = false }
                guard ok else { flags |= Piece.malformed; break }
                let cost: UInt8
                if length == 2 {
                    cost = gsmCost((b0 & 0x1F) << 6 | (UInt32(base[i + 1]) & 0x3F))
                } else if length == 3 {
                    cost = b0 == 0xE2 && base[i + 1] == 0x82 && base[i + 2] == 0xAC ? 2 : 0  // the euro sign
                } else {
                    cost = 0
                    flags |= Piece.hasSurrogates
                    units &+= 1  // two UTF-16 units
                }
                if cost == 0 { flags |= Piece.notGSM } else if cost == 2 { flags |= Piece.hasExtension }
                septets &+= Int(cost)
                units &+= 1
                i &+= length
            }
            (self.septets, self.units, self.flags) = (septets, units, flags)
        }

        /// The figures of this piece followed by `other`.
        @inline(__always)
        package mutating func add(_ other: Piece) {
            septets &+= other.septets
            units &+= other.units
            flags |= other.flags
        }

        /// The count of the whole message these pieces make up, or nil: count the rendered message.
        @inline(__always)
        package var count: SegmentCount? {
            if flags & Piece.malformed != 0 { return nil }
            if flags & Piece.notGSM == 0 {
                if septets <= gsm7SingleLimit { return SegmentCount(encoding: .gsm7, units: septets, segments: 1) }
                if flags & Piece.hasExtension != 0 { return nil }
                return SegmentCount(encoding: .gsm7, units: septets, segments: (septets + gsm7PartLimit - 1) / gsm7PartLimit)
            }
            if units <= ucs2SingleLimit { return SegmentCount(encoding: .ucs2, units: units, segments: 1) }
            if flags & Piece.hasSurrogates != 0 { return nil }
            return SegmentCount(encoding: .ucs2, units: units, segments: (units + ucs2PartLimit - 1) / ucs2PartLimit)
        }
    }

    // MARK: - Character table

    // Bit n set = scalar (base + n) is in the GSM-7 default alphabet (basic) or the extension
    // table (ext). Derived from the 3GPP TS 23.038 default alphabet, 127 characters (ESC is not
    // a character) plus the 10 extension characters.
    private static let basicASCIILow: UInt64 = 0xFFFF_FFFF_0000_2400  // LF CR, space through ?
    private static let basicASCIIHigh: UInt64 = 0x07FF_FFFE_87FF_FFFF // @ A-Z _ a-z
    private static let extASCIILow: UInt64 = 0x0000_0000_0000_1000    // form feed
    private static let extASCIIHigh: UInt64 = 0x7800_0000_7800_0000   // [ \ ] ^ { | } ~
    private static let basicLatin1Low: UInt64 = 0x8000_00BA_0000_0000 // U+0080..U+00BF: ¡ £ ¤ ¥ § ¿
    private static let basicLatin1High: UInt64 = 0x1346_1371_9142_02F0 // U+00C0..U+00FF
    private static let basicGreek: UInt64 = 0x0000_0349_4918_0000      // U+0380..U+03BF: Γ Δ Θ Λ Ξ Π Σ Φ Ψ Ω
    private static let euroSign: UInt32 = 0x20AC

    /// Septets a scalar costs in GSM-7: 1 (default alphabet), 2 (extension table), 0 (not GSM-7).
    @inline(__always)
    static func gsmCost(_ value: UInt32) -> UInt8 {
        if value < 0x80 {
            // Branch-free choice of the low or high mask: letters and punctuation alternate
            // across 64 in ordinary text, and a branch there would be mispredicted constantly.
            let high = 0 &- UInt64(value &>> 6)          // all ones when value >= 64
            let bit = UInt64(1) &<< UInt64(value & 63)
            let basic = (basicASCIILow & ~high) | (basicASCIIHigh & high)
            if basic & bit != 0 { return 1 }
            let ext = (extASCIILow & ~high) | (extASCIIHigh & high)
            return ext & bit != 0 ? 2 : 0
        }
        if value < 0x100 {
            let bit = UInt64(1) &<< UInt64(value & 63)
            let basic = value < 0xC0 ? basicLatin1Low : basicLatin1High
            return basic & bit != 0 ? 1 : 0
        }
        if value >= 0x380 && value < 0x3C0 {
            return basicGreek & (UInt64(1) &<< UInt64(value - 0x380)) != 0 ? 1 : 0
        }
        return value == euroSign ? 2 : 0
    }

    // MARK: - Counting on UTF-8 bytes

    /// The GSM-7 count, or nil as soon as a character outside GSM-7 (or malformed UTF-8) is seen.
    private static func countGSM7(_ bytes: UnsafeRawBufferPointer) -> SegmentCount? {
        let n = bytes.count
        var i = 0
        var packing = GSM7Packing()
        while i < n {
            let b0 = UInt32(bytes[i])
            let value: UInt32
            if b0 < 0x80 {
                value = b0
                i += 1
            } else if b0 & 0xE0 == 0xC0 {
                guard b0 >= 0xC2, i + 1 < n else { return nil }  // C0/C1: overlong
                let b1 = UInt32(bytes[i + 1])
                guard b1 & 0xC0 == 0x80 else { return nil }
                value = (b0 & 0x1F) << 6 | (b1 & 0x3F)
                i += 2
            } else if b0 & 0xF0 == 0xE0 {
                // The only three-byte GSM-7 character is the euro sign, E2 82 AC.
                guard i + 2 < n, b0 == 0xE2, bytes[i + 1] == 0x82, bytes[i + 2] == 0xAC else {
                    return nil
                }
                value = euroSign
                i += 3
            } else {
                return nil
            }
            let cost = Int(gsmCost(value))
            if cost == 0 { return nil }
            packing.add(cost)
        }
        return SegmentCount(encoding: .gsm7, units: packing.septets, segments: packing.segments)
    }

    /// Septets packed greedily into 153-septet parts (an escape pair never split across two): the
    /// GSM-7 segments of a message, one character's cost at a time.
    struct GSM7Packing {
        private(set) var septets = 0
        private var parts = 1
        private var used = 0

        @inline(__always)
        mutating func add(_ cost: Int) {
            septets += cost
            if used + cost > Segments.gsm7PartLimit {
                parts += 1
                used = cost
            } else {
                used += cost
            }
        }

        /// One segment up to 160 septets, else the parts.
        var segments: Int { septets <= Segments.gsm7SingleLimit ? 1 : parts }
    }

    /// The UCS-2 count: one UTF-16 unit per scalar, two for a scalar outside the BMP (4-byte
    /// UTF-8 sequence). Continuation bytes cost nothing; a stray one is counted as one unit
    /// only when it cannot belong to a preceding lead byte.
    private static func countUCS2(_ bytes: UnsafeRawBufferPointer) -> SegmentCount {
        let n = bytes.count
        var i = 0
        var units = 0
        var parts = 1
        var used = 0
        while i < n {
            let b0 = bytes[i]
            let cost: Int
            let length: Int
            if b0 < 0x80 {
                cost = 1; length = 1
            } else if b0 < 0xC0 {
                cost = 1; length = 1           // stray continuation byte (malformed)
            } else if b0 < 0xE0 {
                cost = 1; length = 2
            } else if b0 < 0xF0 {
                cost = 1; length = 3
            } else if b0 < 0xF5 {
                cost = 2; length = 4
            } else {
                cost = 1; length = 1           // never valid in UTF-8 (malformed)
            }
            // Consume the continuation bytes that are actually present.
            var j = i + 1
            let end = min(i + length, n)
            while j < end && bytes[j] & 0xC0 == 0x80 { j += 1 }
            i = j
            units += cost
            if used + cost > ucs2PartLimit {
                parts += 1
                used = cost
            } else {
                used += cost
            }
        }
        return SegmentCount(
            encoding: .ucs2, units: units,
            segments: units <= ucs2SingleLimit ? 1 : parts)
    }
}
