// Lists in messages: a message naming the columns of a file names at most a few of them.
// Input: names (column headers, placeholders). Output: "a, b, c, … (1,000,000 columns)": the first
// `limit` names, each cut to 40 characters with control characters escaped, and the total when
// some were left out. A hostile header row of a million columns gives a one-line message.

package enum Diagnostics {
    package static func list(_ names: [String], limit: Int = 20, noun: String = "columns") -> String {
        var shown = names.prefix(limit).map { name -> String in
            let text = HeaderText.printable(name)
            return text.count > 40 ? String(text.prefix(40)) + "…" : text
        }
        if names.count > limit { shown.append("… (\(grouped(names.count)) \(noun))") }
        return shown.joined(separator: ", ")
    }

    /// "1 line", "2 lines": a count with its noun in the right number (`plural` when not noun + "s").
    package static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }

    /// 1000000 → "1,000,000".
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n))
        var out: [Character] = []
        while digits.count > 3 {
            out.insert(contentsOf: [","] + digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        return String(digits + out)
    }
}
