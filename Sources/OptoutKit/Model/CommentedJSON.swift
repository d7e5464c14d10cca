// JSON with comments: the format of inbox/settings.json.
// Input: bytes of JSON that may contain // and /* */ comments and trailing commas.
// Output: plain JSON bytes (comments blanked out byte for byte, so lines and columns still hold),
// then a `JSONValue` tree whose object members keep their key's line and column.
// Failures: an unterminated /* comment or string, a syntax error, a duplicate key, nesting deeper
// than 32 → `CommentedJSON.Failure` with its line (and column).

import OptoutBase
import Foundation

package enum CommentedJSON {
    package struct Failure: Error, Equatable {
        package var line: Int
        package var column: Int? = nil
        package var reason: String

        package init(line: Int, column: Int? = nil, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }
    }

    /// Replaces comments with spaces and drops trailing commas before } or ].
    package static func strip(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        let quote = UInt8(ascii: "\""), slash = UInt8(ascii: "/"), star = UInt8(ascii: "*")
        let backslash = UInt8(ascii: "\\"), newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        var out = [UInt8]()
        out.reserveCapacity(input.count)
        var i = input.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        while i < input.count {
            let b = input[i]
            if b == newline { line += 1 }
            if b == quote {
                let startLine = line, startOffset = i
                out.append(b); i += 1
                var closed = false
                while i < input.count {
                    let c = input[i]
                    out.append(c); i += 1
                    if c == backslash, i < input.count { out.append(input[i]); i += 1; continue }
                    if c == newline { line += 1 }
                    if c == quote { closed = true; break }
                }
                if !closed { throw Failure(line: startLine, column: position(of: startOffset, in: input).column, reason: "string is never closed") }
                continue
            }
            if b == slash, i + 1 < input.count, input[i + 1] == slash {
                while i < input.count, input[i] != newline { out.append(space); i += 1 }
                continue
            }
            if b == slash, i + 1 < input.count, input[i + 1] == star {
                let startLine = line, startOffset = i
                out.append(space); out.append(space); i += 2
                var closed = false
                while i < input.count {
                    if input[i] == star, i + 1 < input.count, input[i + 1] == slash {
                        out.append(space); out.append(space); i += 2; closed = true; break
                    }
                    if input[i] == newline { line += 1; out.append(newline) } else { out.append(space) }
                    i += 1
                }
                if !closed { throw Failure(line: startLine, column: position(of: startOffset, in: input).column, reason: "comment /* is never closed") }
                continue
            }
            if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                // Drop a trailing comma: the last non-space byte written.
                var j = out.count - 1
                while j >= 0, out[j] == space || out[j] == newline || out[j] == 0x09 || out[j] == 0x0D { j -= 1 }
                if j >= 0, out[j] == UInt8(ascii: ",") { out[j] = space }
            }
            out.append(b); i += 1
        }
        return out
    }

    /// The 1-based line of a byte offset (for error messages).
    package static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for b in bytes.prefix(offset) where b == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    /// The 1-based line and column (in characters) of a byte offset.
    package static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes.prefix(offset) {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    /// Strips comments and parses the rest as one JSON value (strict RFC 8259 otherwise).
    package static func parse(_ input: [UInt8]) throws(Failure) -> JSONValue {
        let plain = try strip(input)
        var parser = JSONParser(bytes: plain)
        return try parser.document()
    }
}

/// A parsed JSON value. Object members keep their order and where their key was written.
package indirect enum JSONValue: Sendable, Equatable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// The member named `key` of an object (nil for other values or when absent).
    package subscript(key: String) -> JSONMember? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }
    }
}

extension JSONValue {
    /// The value as JSONSerialization would give it (objects as dictionaries; for readers that take `Any`).
    package var foundationValue: Any {
        switch self {
        case .object(let members):
            var out: [String: Any] = [:]
            for member in members { out[member.key] = member.value.foundationValue }
            return out
        case .array(let items): return items.map(\.foundationValue)
        case .string(let text): return text
        case .number(let n): return n
        case .bool(let b): return b
        case .null: return NSNull()
        }
    }
}

package struct JSONMember: Sendable, Equatable {
    package var key: String
    package var value: JSONValue
    package var line: Int
    package var column: Int
}

/// Recursive descent over the stripped bytes; every error names line and column.
struct JSONParser {
    static let maxDepth = 32
    let bytes: [UInt8]
    var i = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String, at offset: Int? = nil) -> CommentedJSON.Failure {
        let (line, column) = CommentedJSON.position(of: offset ?? i, in: bytes)
        return CommentedJSON.Failure(line: line, column: column, reason: reason)
    }

    /// What is at the cursor, for messages ("end of file", "'x'").
    var found: String {
        guard i < bytes.count else { return "the end of the file" }
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
        return b >= 0x80 ? "a non-ASCII character" : "byte 0x\(String(b, radix: 16))"
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func document() throws(CommentedJSON.Failure) -> JSONValue {
        skipSpace()
        if i >= bytes.count { throw fail("the file has no JSON in it (write {} for all defaults)") }
        let value = try self.value()
        skipSpace()
        if i < bytes.count { throw fail("unexpected \(found) after the end of the JSON value") }
        return value
    }

    mutating func value() throws(CommentedJSON.Failure) -> JSONValue {
        skipSpace()
        guard i < bytes.count else { throw fail("expected a value, found the end of the file") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value, found \(found)")
        }
    }

    mutating func literal(_ word: String) throws(CommentedJSON.Failure) {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else {
            throw fail("expected a value, found \(found) (strings need double quotes)")
        }
        i += w.count
    }

    mutating func nest() throws(CommentedJSON.Failure) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested more than \(Self.maxDepth) levels deep") }
    }

    mutating func object() throws(CommentedJSON.Failure) -> JSONValue {
        try nest()
        i += 1
        var members: [JSONMember] = []
        var seen: [String: Int] = [:]
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object([]) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw fail("expected a key in double quotes or '}', found \(found)")
            }
            let (line, column) = CommentedJSON.position(of: i, in: bytes)
            let key = try string()
            if let first = seen[key] {
                throw CommentedJSON.Failure(line: line, column: column, reason: "duplicate key \"\(key)\" (lines \(first) and \(line)); keep one")
            }
            seen[key] = line
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after \"\(key)\", found \(found)") }
            i += 1
            members.append(JSONMember(key: key, value: try value(), line: line, column: column))
            skipSpace()
            guard i < bytes.count else { throw fail("expected ',' or '}', found the end of the file") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(members) }
            throw fail("expected ',' or '}' after the value of \"\(key)\", found \(found)")
        }
    }

    mutating func array() throws(CommentedJSON.Failure) -> JSONValue {
        try nest()
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array([]) }
        while true {
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw fail("expected ',' or ']', found the end of the file") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
            throw fail("expected ',' or ']' in the list, found \(found)")
        }
    }

    mutating func hex4() throws(CommentedJSON.Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("\\u needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw fail("\\u needs four hex digits")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    mutating func string() throws(CommentedJSON.Failure) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("string is never closed", at: start) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw fail("a control character (such as a line break) inside a string; write it as an escape (\\n)") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("string is never closed", at: start) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("\\u escape of half a surrogate pair")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("\\u escape of half a surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("\\u escape of half a surrogate pair") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                i -= 1
                throw fail("unknown escape \\\(Character(UnicodeScalar(e)))")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8", at: start) }
        return text
    }

    mutating func number() throws(CommentedJSON.Failure) -> Double {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            var n = 0
            while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1; n += 1 }
            return n
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let intDigits = digits(&self)
        if intDigits == 0 { throw fail("expected a digit, found \(found)") }
        if intDigits > 1 && bytes[intStart] == 0x30 { throw fail("a number may not start with 0", at: intStart) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { throw fail("expected a digit after '.', found \(found)") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw fail("expected a digit in the exponent, found \(found)") }
        }
        guard let value = Double(String(decoding: bytes[start..<i], as: UTF8.self)), value.isFinite else {
            throw fail("number out of range", at: start)
        }
        return value
    }
}
