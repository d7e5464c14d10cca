// JSON with comments: the format of inbox/settings.json.
// Input: bytes of JSON that may contain // and /* */ comments and trailing commas.
// Output: plain JSON bytes (comments blanked out, newlines kept so line numbers still hold).
// Failures: an unterminated /* comment or string → `CommentedJSON.Failure` with its line.

public enum CommentedJSON {
    public struct Failure: Error, Equatable {
        public var line: Int
        public var reason: String
    }

    /// Replaces comments with spaces and drops trailing commas before } or ].
    public static func strip(_ input: [UInt8]) throws(Failure) -> [UInt8] {
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
                let startLine = line
                out.append(b); i += 1
                var closed = false
                while i < input.count {
                    let c = input[i]
                    out.append(c); i += 1
                    if c == backslash, i < input.count { out.append(input[i]); i += 1; continue }
                    if c == newline { line += 1 }
                    if c == quote { closed = true; break }
                }
                if !closed { throw Failure(line: startLine, reason: "string is never closed") }
                continue
            }
            if b == slash, i + 1 < input.count, input[i + 1] == slash {
                while i < input.count, input[i] != newline { out.append(space); i += 1 }
                continue
            }
            if b == slash, i + 1 < input.count, input[i + 1] == star {
                let startLine = line
                out.append(space); out.append(space); i += 2
                var closed = false
                while i < input.count {
                    if input[i] == star, i + 1 < input.count, input[i + 1] == slash {
                        out.append(space); out.append(space); i += 2; closed = true; break
                    }
                    if input[i] == newline { line += 1; out.append(newline) } else { out.append(space) }
                    i += 1
                }
                if !closed { throw Failure(line: startLine, reason: "comment /* is never closed") }
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
    public static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for b in bytes.prefix(offset) where b == UInt8(ascii: "\n") { line += 1 }
        return line
    }
}
