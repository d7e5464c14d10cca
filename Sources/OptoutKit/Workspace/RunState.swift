// Run state: what every step of one run works with (workspace, settings, ledger, journal, review
// log, links), and `StepLog`, what a step returns (diagnostics for people, the inputs it moved to
// rejected/, the causes it found for holding this run's campaigns). Input: an opened workspace under its lock. Steps never pass
// results through the state: each returns its own result with its own `StepLog`.
// Failures: `OptoutError` from opening the link key and index, and from moves to rejected/.

import OptoutPhone
import OptoutBase

package struct RunState {
    package let workspace: Workspace
    package let settings: Settings
    package let parser: PhoneNumberParser
    package let ledger: Ledger
    package let journal: Journal
    package let reviewLog: ReviewLog
    package let now: Timestamp
    /// The link key and index, opened on first use (LinkStore).
    package let links: LinkStore
    /// Progress lines for long work (nil: nobody is watching).
    package let progress: (@Sendable (String) -> Void)?

    package init(workspace: Workspace, settings: Settings, ledger: Ledger, journal: Journal, reviewLog: ReviewLog,
                now: Timestamp, progress: (@Sendable (String) -> Void)?) {
        self.workspace = workspace
        self.settings = settings
        self.parser = PhoneNumberParser(defaultRegion: settings.defaultCountry, mobileOnly: settings.mobileOnly)
        self.ledger = ledger
        self.journal = journal
        self.reviewLog = reviewLog
        self.now = now
        self.links = LinkStore(workspace: workspace)
        self.progress = progress
    }

    package func display(_ path: String) -> String { workspace.display(path) }

    /// Identity of an input file's bytes (hex SHA-256), read in 1 MiB chunks (bounded memory
    /// whatever the file's size).
    package static func contentKey(_ path: String) throws(OptoutError) -> String {
        try Durable.contentKey(path)
    }

    /// The same identity for bytes already read.
    package static func contentKey(bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return Hex.encode(hasher.finalize())
    }

    /// The same file in the same place (device, inode, size, mtime): tells a leftover from a re-drop.
    package static func fingerprint(_ file: DroppedFile) -> String {
        "\(file.device):\(file.inode):\(file.size):\(file.modified.seconds)"
    }

    /// A name safe for output files: letters, digits, '-', '_' and '.', others become '_'.
    package static func safeName(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            let v = scalar.value
            let ok = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x2D || v == 0x5F || v == 0x2E
            out.append(ok ? Character(scalar) : "_")
        }
        while out.hasPrefix(".") { out.removeFirst() }
        return out.isEmpty ? "campaign" : out
    }
}

/// What a step says to people: diagnostics in order, and how many inputs it moved to rejected/.
package struct StepLog: Sendable {
    package var diagnostics: [Diagnostic] = []
    /// Inputs moved to rejected/ (drives exit code 65).
    package var rejectedInputs = 0
    /// Why campaigns must wait this run (CampaignHolds), in the order found, each once.
    package var holdCauses: [String] = []

    package init() {}

    package mutating func add(_ severity: Diagnostic.Severity, _ location: SourceLocation?, _ message: String) {
        diagnostics.append(Diagnostic(severity, location, message))
    }

    /// Holds every campaign of this run, for `cause`.
    package mutating func hold(_ cause: String) {
        if !holdCauses.contains(cause) { holdCauses.append(cause) }
    }

    package mutating func append(_ other: StepLog) {
        diagnostics += other.diagnostics
        rejectedInputs += other.rejectedInputs
        for cause in other.holdCauses { hold(cause) }
    }

    /// Moves an input to rejected/ with its reasons and records the error.
    package mutating func reject(_ file: DroppedFile, kind: InputKind, reasons: [String], in ws: Workspace) throws(OptoutError) {
        for reason in reasons {
            diagnostics.append(Diagnostic(.error, SourceLocation(file: ws.display(file.path)), reason))
        }
        let target = try DropFolder.reject(file, into: ws.rejected(kind), errors: reasons)
        diagnostics.append(Diagnostic(.note, nil, "moved to \(ws.display(target)) (reasons in \(ws.display(target)).error.txt)"))
        rejectedInputs += 1
    }
}

/// The link key and index of a run, opened on first use (a run without {optout} never creates
/// them). A key is made only when there is none and the index is empty: a run never replaces a
/// lost or wrong key (the campaign is held with 78 instead, see LinkKeyCheck).
package final class LinkStore {
    private let workspace: Workspace
    private var opened: (LinkTokens, LinkIndex)?
    private var checked: String??

    init(workspace: Workspace) { self.workspace = workspace }

    /// Why the link key cannot be used (LinkKeyCheck), checked once per run; nil when it can.
    package func keyProblem() throws(OptoutError) -> String? {
        if let checked { return checked }
        let problem = try LinkKeyCheck.problem(workspace: workspace)
        checked = .some(problem)
        return problem
    }

    /// The key and index, and (the first time only) the index's problems for people.
    package func open() throws(OptoutError) -> (links: (LinkTokens, LinkIndex), problems: [Diagnostic]) {
        if let opened { return (opened, []) }
        if let problem = try keyProblem() {
            throw .configuration(SourceLocation(file: workspace.display(workspace.linkKeyFile)), problem)
        }
        let tokens = try LinkTokens.loadOrCreate(keyPath: workspace.linkKeyFile)
        let index = try LinkIndex(path: workspace.linkIndexFile)
        opened = (tokens, index)
        return ((tokens, index), index.problems.map { Diagnostic(.warning, nil, $0) })
    }
}
