// Diagnostics: the values the library returns instead of printing.
// Input: whatever a job found wrong (file, line, reason). Output: `Diagnostic` values and
// `OptoutError`s that the CLI layer alone turns into text and exit codes. No failures of its own.
// In OptoutBase although they speak of inputs: they are generic values that Base code (durable
// files, record files, CSV, the lock) throws or returns; nothing here knows workspaces or numbers.

/// Where something happened: a workspace-relative file, and a line when one applies.
package struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?

    package init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    package var description: String {
        if let line { return "\(file):\(line)" }
        return file
    }
}

/// Why an input file cannot be used, and where: the line when one applies. Lists, templates, STOP
/// logs and page logs all reject files with it (their names below are aliases).
package struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int?
    package var reason: String

    package init(line: Int?, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// A CSV error of the file, as an input error.
    package init(_ error: CSVError) {
        line = error.line > 0 ? error.line : nil
        reason = error.reason
    }

    package var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}

/// One message for a person: an input rejected, a row skipped, a warning.
package struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    package enum Severity: String, Sendable { case error, warning, note }

    package var severity: Severity
    package var location: SourceLocation?
    package var message: String

    package init(_ severity: Severity, _ location: SourceLocation?, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    package var description: String {
        if let location { return "\(location): \(severity.rawValue): \(message)" }
        return "\(severity.rawValue): \(message)"
    }
}

/// Failures that stop a whole command, each mapped to a sysexits code by the CLI.
package enum OptoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command line was wrong (64).
    case usage(String)
    /// A settings file or another input the whole run depends on is unusable (78, EX_CONFIG).
    case configuration(SourceLocation, String)
    /// Could not create or write an output (73).
    case cannotCreate(path: String, reason: String)
    /// Reading or syncing failed (74).
    case io(path: String, reason: String)
    /// Another run holds the workspace lock (75).
    case locked(String)
    /// A bug: an invariant did not hold (70).
    case internalError(String)

    package var description: String {
        switch self {
        case .usage(let text): return text
        case .configuration(let location, let text): return "\(location): \(text)"
        case .cannotCreate(let path, let reason): return "cannot write \(path): \(reason)"
        case .io(let path, let reason): return "I/O error on \(path): \(reason)"
        case .locked(let text): return text
        case .internalError(let text): return "internal error: \(text)"
        }
    }
}
