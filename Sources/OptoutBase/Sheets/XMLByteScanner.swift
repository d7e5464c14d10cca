// XMLByteScanner.swift: a streaming XML tokenizer over UTF-8 bytes, enough for spreadsheet parts
// (OOXML and OpenDocument).
//
// Input: bytes pulled in chunks from a source closure (an entry of a ZIP archive, say). Output:
// events one at a time from `next()`: a start tag (qualified name, attributes with entities
// decoded, whether it closed itself), an end tag (also sent right after a self-closing start
// tag), and text (character data and CDATA, entities decoded, CR LF as LF). Comments, processing
// instructions and the XML declaration are skipped. Memory: the current token only (capped).
// Failures: `XMLError` with the byte offset: a DTD (refused: no entity declarations, no
// expansion bombs), an unknown or malformed entity, an unclosed or mismatched tag, a token longer
// than the cap, UTF-16 input, the input ending inside markup or with elements open.

/// Why an XML part cannot be read, and the byte offset in it.
package struct XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var offset: Int
    package var reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    package var description: String { "XML byte \(offset): \(reason)" }
}

/// A start tag: its qualified name ("table:table-cell") and attributes in document order.
package struct XMLStartTag: Sendable, Equatable {
    package var name: String
    package var attributes: [XMLAttribute]
    package var selfClosing: Bool

    /// The name without its namespace prefix.
    package var localName: Substring { XMLStartTag.local(name) }

    /// The value of the attribute with this qualified name ("r", "table:name", "r:id").
    package func attribute(_ qualified: String) -> String? {
        for a in attributes where a.name == qualified { return a.value }
        return nil
    }

    /// The value of the first attribute with this local name, whatever its prefix.
    package func attribute(local: String) -> String? {
        for a in attributes where XMLStartTag.local(a.name) == local { return a.value }
        return nil
    }

    static func local(_ name: String) -> Substring {
        if let colon = name.lastIndex(of: ":") { return name[name.index(after: colon)...] }
        return name[...]
    }
}

package struct XMLAttribute: Sendable, Equatable {
    package var name: String
    package var value: String
}

package enum XMLEvent: Sendable, Equatable {
    case start(XMLStartTag)
    case end(String)
    case text(String)
}

/// Pulls XML events from a byte source.
package final class XMLByteScanner {
    private let source: () throws -> [UInt8]?
    private var buffer: [UInt8] = []
    private var pos = 0
    /// Offset in the document of `buffer[0]`.
    private var base = 0
    private var ended = false
    private var open: [String] = []
    private var pendingEnd: String?
    private var started = false
    package let maxTokenBytes: Int
    /// Open elements, outermost first.
    package var depth: Int { open.count }

    package init(source: @escaping () throws -> [UInt8]?, maxTokenBytes: Int = 16 << 20) {
        self.source = source
        self.maxTokenBytes = maxTokenBytes
    }

    package convenience init(bytes: [UInt8]) {
        var given = false
        self.init(source: {
            if given { return nil }
            given = true
            return bytes
        })
    }

    /// Appends the next chunk; false at the end of the input.
    private func more() throws -> Bool {
        if ended { return false }
        while true {
            guard let chunk = try source() else { ended = true; return false }
            if chunk.isEmpty { continue }
            buffer.append(contentsOf: chunk)
            return true
        }
    }

    private func error(_ at: Int, _ reason: String) -> XMLError { XMLError(offset: base + at, reason: reason) }

    /// The next event, or nil at the end of the document.
    package func next() throws -> XMLEvent? {
        if let name = pendingEnd {
            pendingEnd = nil
            return .end(name)
        }
        if !started {
            started = true
            while buffer.count - pos < 3 { if try !more() { break } }
            if buffer.count >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)) {
                throw error(0, "UTF-16 XML is not supported")
            }
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { pos = 3 }
        }
        // Drop consumed bytes between tokens only (indices stay valid while a token is read).
        if pos > 65536 {
            buffer.removeFirst(pos)
            base += pos
            pos = 0
        }
        while true {
            if pos == buffer.count {
                if try !more() {
                    if let name = open.last { throw error(buffer.count, "the document ends with <\(name)> still open") }
                    return nil
                }
            }
            if buffer[pos] != UInt8(ascii: "<") { return try text() }
            if let event = try markup() { return event }
        }
    }

    // MARK: - Text

    private func text() throws -> XMLEvent {
        let start = pos
        var i = pos
        while true {
            i = XMLByteScanner.index(of: UInt8(ascii: "<"), in: buffer, from: i)
            if i < buffer.count { break }
            if i - pos > maxTokenBytes { throw error(start, "text longer than \(maxTokenBytes) bytes") }
            if try !more() { break }
        }
        let startAt = pos
        let value = try decode(startAt, i, at: startAt)
        pos = i
        return .text(value)
    }

    // MARK: - Markup

    /// Index just past `terminator` at or after `from`, reading more input as needed.
    private func find(_ terminator: [UInt8], from: Int, what: String) throws -> Int {
        var i = from
        while true {
            if i + terminator.count > buffer.count {
                if try !more() { throw error(pos, "the document ends inside \(what)") }
                continue
            }
            var match = true
            for (k, b) in terminator.enumerated() where buffer[i + k] != b { match = false; break }
            if match { return i + terminator.count }
            i += 1
            if i - pos > maxTokenBytes { throw error(pos, "\(what) longer than \(maxTokenBytes) bytes") }
        }
    }

    private func starts(_ text: String, at i: Int) throws -> Bool {
        let bytes = Array(text.utf8)
        while buffer.count - i < bytes.count {
            if try !more() { return false }
        }
        for (k, b) in bytes.enumerated() where buffer[i + k] != b { return false }
        return true
    }

    /// Index of the first `byte` at or after `from`, or `bytes.count`.
    static func index(of byte: UInt8, in bytes: [UInt8], from: Int) -> Int {
        bytes.withUnsafeBufferPointer { b in
            var i = from
            let n = b.count
            while i < n && b[i] != byte { i += 1 }
            return i
        }
    }

    /// Index of the '>' closing a tag that starts at `from`, skipping quoted values; `count` if
    /// not in the buffer yet, -1 for a '<' inside the tag.
    static func tagEnd(_ bytes: [UInt8], from: Int, quote: inout UInt8) -> Int {
        bytes.withUnsafeBufferPointer { b in
            var i = from
            let n = b.count
            var q = quote
            defer { quote = q }
            while i < n {
                let c = b[i]
                if q != 0 {
                    if c == q { q = 0 }
                } else if c == 0x22 || c == 0x27 {
                    q = c
                } else if c == 0x3E {
                    return i
                } else if c == 0x3C {
                    return -1 - i
                }
                i += 1
            }
            return n
        }
    }

    private func markup() throws -> XMLEvent? {
        let start = pos
        if buffer.count - pos < 2 { _ = try more() }
        let second = pos + 1 < buffer.count ? buffer[pos + 1] : 0
        if second == UInt8(ascii: "!") || second == UInt8(ascii: "?") { return try special() }
        return try tag(start)
    }

    private func special() throws -> XMLEvent? {
        let start = pos
        if try starts("<!--", at: pos) {
            pos = try find(Array("-->".utf8), from: pos + 4, what: "a comment")
            return nil
        }
        if try starts("<![CDATA[", at: pos) {
            let end = try find(Array("]]>".utf8), from: pos + 9, what: "a CDATA section")
            let value = String(decoding: buffer[(pos + 9)..<(end - 3)], as: UTF8.self)
            pos = end
            if open.isEmpty { throw error(start, "CDATA outside the root element") }
            return .text(value)
        }
        if try starts("<!", at: pos) {
            if try starts("<!DOCTYPE", at: pos) {
                throw error(start, "a DTD (<!DOCTYPE>) is not allowed in a spreadsheet part")
            }
            throw error(start, "unexpected markup <!")
        }
        if try starts("<?", at: pos) {
            pos = try find(Array("?>".utf8), from: pos + 2, what: "a processing instruction")
            return nil
        }
        return try tag(start)
    }

    private func tag(_ start: Int) throws -> XMLEvent? {
        // A start or end tag: find the closing '>' outside quoted values.
        var i = pos + 1
        var quote: UInt8 = 0
        while true {
            let found = XMLByteScanner.tagEnd(buffer, from: i, quote: &quote)
            if found < 0 { throw error(-1 - found, "'<' inside a tag") }
            if found < buffer.count { i = found; break }
            i = found
            if i - pos > maxTokenBytes { throw error(start, "a tag longer than \(maxTokenBytes) bytes") }
            if try !more() { throw error(start, "the document ends inside a tag") }
        }
        let end = i  // index of '>'
        pos = end + 1
        if buffer[start + 1] == UInt8(ascii: "/") {
            var nameEnd = end
            while nameEnd > start + 2 && XMLByteScanner.isSpace(buffer[nameEnd - 1]) { nameEnd -= 1 }
            let name = String(decoding: buffer[(start + 2)..<nameEnd], as: UTF8.self)
            guard let last = open.last else { throw error(start, "</\(name)> closes nothing") }
            if last != name { throw error(start, "</\(name)> closes <\(last)>") }
            open.removeLast()
            return .end(name)
        }
        var tagEnd = end
        var selfClosing = false
        if buffer[end - 1] == UInt8(ascii: "/") && end - 1 > start {
            selfClosing = true
            tagEnd = end - 1
        }
        var p = start + 1
        while p < tagEnd && !XMLByteScanner.isSpace(buffer[p]) { p += 1 }
        if p == start + 1 { throw error(start, "a tag without a name") }
        let name = String(decoding: buffer[(start + 1)..<p], as: UTF8.self)
        var attributes: [XMLAttribute] = []
        while true {
            while p < tagEnd && XMLByteScanner.isSpace(buffer[p]) { p += 1 }
            if p >= tagEnd { break }
            let nameStart = p
            while p < tagEnd && buffer[p] != UInt8(ascii: "=") && !XMLByteScanner.isSpace(buffer[p]) { p += 1 }
            let attributeName = String(decoding: buffer[nameStart..<p], as: UTF8.self)
            while p < tagEnd && XMLByteScanner.isSpace(buffer[p]) { p += 1 }
            guard p < tagEnd && buffer[p] == UInt8(ascii: "=") else { throw error(nameStart, "attribute \(attributeName) without a value") }
            p += 1
            while p < tagEnd && XMLByteScanner.isSpace(buffer[p]) { p += 1 }
            guard p < tagEnd, buffer[p] == UInt8(ascii: "\"") || buffer[p] == UInt8(ascii: "'") else {
                throw error(nameStart, "attribute \(attributeName) value not quoted")
            }
            let q = buffer[p]
            let valueStart = p + 1
            var valueEnd = valueStart
            while valueEnd < tagEnd && buffer[valueEnd] != q { valueEnd += 1 }
            if valueEnd >= tagEnd { throw error(nameStart, "attribute \(attributeName) value not closed") }
            attributes.append(XMLAttribute(name: attributeName, value: try decode(valueStart, valueEnd, at: valueStart)))
            p = valueEnd + 1
        }
        if selfClosing {
            pendingEnd = name
        } else {
            open.append(name)
        }
        return .start(XMLStartTag(name: name, attributes: attributes, selfClosing: selfClosing))
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: - Entities

    /// The text of buffer[from..<to] with entities decoded and CR LF / CR as LF.
    private func decode(_ from: Int, _ to: Int, at: Int) throws -> String {
        var plain = true
        for i in from..<to where buffer[i] == UInt8(ascii: "&") || buffer[i] == 0x0D { plain = false; break }
        if plain { return String(decoding: buffer[from..<to], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(to - from)
        var i = from
        while i < to {
            let b = buffer[i]
            if b == 0x0D {
                out.append(0x0A)
                i += 1
                if i < to && buffer[i] == 0x0A { i += 1 }
                continue
            }
            if b != UInt8(ascii: "&") {
                out.append(b)
                i += 1
                continue
            }
            var j = i + 1
            while j < to && buffer[j] != UInt8(ascii: ";") && j - i < 12 { j += 1 }
            guard j < to && buffer[j] == UInt8(ascii: ";") else { throw error(i, "'&' not starting an entity (write &amp;)") }
            let entity = String(decoding: buffer[(i + 1)..<j], as: UTF8.self)
            switch entity {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var value: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    value = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    value = UInt32(entity.dropFirst(1), radix: 10)
                } else {
                    throw error(i, "unknown entity &\(entity);")
                }
                guard let v = value, v != 0, let scalar = Unicode.Scalar(v) else {
                    throw error(i, "invalid character reference &\(entity);")
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = j + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
