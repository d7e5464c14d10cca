// Settings reader: typed access to the members of a parsed settings object, for the key table
// (SettingsKeys). Input: the object's members and the file's display name. Output: a key's value
// as a string, list of strings, number or flag (nil when absent or null). Failures:
// `OptoutError.configuration` naming the file, the key's line, the key and the expected type.

import OptoutBase

struct SettingsReader {
    let displayName: String
    let members: [String: JSONMember]

    init(displayName: String, members: [JSONMember]) {
        self.displayName = displayName
        var byKey: [String: JSONMember] = [:]
        for member in members { byKey[member.key] = member }
        self.members = byKey
    }

    func fail(_ line: Int?, _ text: String) -> OptoutError {
        .configuration(SourceLocation(file: displayName, line: line), text)
    }

    /// The line of a top-level key ("unsubscription_reports.email" → that of "unsubscription_reports").
    func line(_ key: String) -> Int? { members[String(key.split(separator: ".").first ?? Substring(key))]?.line }

    func bad(_ key: String, _ why: String) -> OptoutError { fail(line(key), "\"\(key)\": \(why)") }

    func value(_ key: String, in container: [String: JSONValue]? = nil) -> JSONValue? {
        let found = container.map { $0[key] } ?? members[key]?.value
        if case .null? = found { return nil }
        return found
    }

    func string(_ key: String) throws(OptoutError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let text) = v else { throw bad(key, "must be a string") }
        return text
    }

    /// A list of strings (one string is a list of one).
    func strings(_ key: String, in container: [String: JSONValue]? = nil, label: String? = nil) throws(OptoutError) -> [String]? {
        let name = label ?? key
        guard let v = value(key, in: container) else { return nil }
        if case .string(let one) = v { return [one] }
        guard case .array(let list) = v else { throw bad(name, "must be a list of strings") }
        var out: [String] = []
        for item in list {
            guard case .string(let text) = item else { throw bad(name, "must be a list of strings") }
            out.append(text)
        }
        return out
    }

    func number(_ key: String) throws(OptoutError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let n) = v else { throw bad(key, "must be a number") }
        return n
    }

    func flag(_ key: String) throws(OptoutError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw bad(key, "must be true or false") }
        return b
    }

    /// A whole number from `range`, or nil when absent.
    func whole(_ key: String, _ range: ClosedRange<Double>, _ why: String) throws(OptoutError) -> Int? {
        guard let n = try number(key) else { return nil }
        guard range.contains(n), n == n.rounded() else { throw bad(key, why) }
        return Int(n)
    }
}
