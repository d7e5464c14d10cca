// Unreadable rows of opt-out inputs (STOP logs, suppression imports): what could not be used,
// and the file read in part. Input: the rows a reader listed (line and reason) and the consumed
// file. Output: `<file>.error.txt` beside the file in processed/ (written before the move, so a
// crash cannot leave the file there without it), the diagnostics for people, and the cause that
// holds campaigns for that run. Failures: `OptoutError` from writing or moving.
// The rule (issue 10): a file goes to rejected/ only when no row could be read; otherwise its
// readable rows are applied and the run exits 65 with campaigns held (75) in that run only.

/// A row of an opt-out input that could not be used.
public struct UnreadableRow: Sendable, Equatable, CustomStringConvertible {
    /// Physical line the row starts on.
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

public enum PartialInput {
    /// Error lines shown on stderr per file; the rest are in the .error.txt.
    static let shownRows = 10

    /// The error a reader throws when no row of the file could be read (the file is rejected).
    public static func nothingReadable(_ rows: [UnreadableRow]) -> InputError {
        var reason = "no row could be read (\(rows.count) unreadable)"
        for row in rows.prefix(50) { reason += "\n    \(row)" }
        if rows.count > 50 { reason += "\n    ... and \(rows.count - 50) more" }
        return InputError(line: nil, reason: reason)
    }

    /// One error per unreadable row (the first few; then a count), for stderr even under cron.
    public static func diagnostics(file display: String, rows: [UnreadableRow]) -> [Diagnostic] {
        var out: [Diagnostic] = rows.prefix(shownRows).map {
            Diagnostic(.error, SourceLocation(file: display, line: $0.line), "row could not be read: \($0.reason); the other rows were applied")
        }
        if rows.count > shownRows {
            out.append(Diagnostic(.error, SourceLocation(file: display), "\(rows.count - shownRows) more rows could not be read (all listed in the .error.txt beside it in processed/)"))
        }
        return out
    }

    /// Moves a file read in part to `folder` with `<file>.error.txt` beside it; returns the new path.
    @discardableResult
    public static func markProcessed(_ file: DroppedFile, into folder: String, rows: [UnreadableRow]) throws(OptoutError) -> String {
        guard Durable.exists(file.path) else {
            throw .io(path: file.path, reason: "disappeared while being read (deleted or moved away); the run stopped here, run again")
        }
        try Durable.makeDirectory(folder)
        let target = DropFolder.freePath(in: folder, name: file.name)
        var text = "optout read \(file.name) in part: \(rows.count) row\(rows.count == 1 ? "" : "s") could not be read; every other row was applied.\n"
        for row in rows { text += "  \(row)\n" }
        text += "\nFix those rows and drop them into the folder again (a file with the header and those rows is enough).\n"
        try Durable.writeFile(target + ".error.txt", text)
        try Durable.move(file.path, to: target)
        return target
    }

    /// Why campaigns wait this run.
    public static func holdCause(file display: String, rows: Int, errorFile: String) -> String {
        "\(rows) row\(rows == 1 ? "" : "s") of \(display) could not be read (see \(errorFile)); campaigns wait for this run"
    }
}
