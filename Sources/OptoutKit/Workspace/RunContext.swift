// Run context: what every job of one run shares (workspace, settings, ledger, links, journal).
// Input: an opened workspace under its lock. Output: the shared state and the diagnostics list.

import OptoutPhone
import OptoutBase
#if canImport(Glibc)
import Glibc
#endif

public final class RunContext {
    public let workspace: Workspace
    public let settings: Settings
    public let parser: PhoneNumberParser
    public let ledger: Ledger
    public let journal: Journal
    public let now: Timestamp
    private var tokensStore: LinkTokens?
    private var linkIndexStore: LinkIndex?
    public var diagnostics: [Diagnostic] = []
    /// Inputs moved to rejected/ this run (drives exit code 65).
    public var rejectedInputs = 0
    /// Lists (by path) whose report a campaign of this run writes from its own pass.
    public var deferredListReports: [String: DroppedFile] = [:]
    /// List reports written by campaigns this run.
    public var listReportsWritten: [String] = []
    /// Progress lines for long work (nil: nobody is watching).
    public var progress: (@Sendable (String) -> Void)?
    /// Why campaigns wait this run: `context.holds.holdCampaigns(cause:)` (CampaignHolds).
    public let holds = CampaignHolds()
    /// Checked right before a campaign's outputs are published: a reason when an input it was
    /// built from changed since it was read (nothing is published; the campaign is held).
    public var publishCheck: (() -> String?)?

    public init(workspace: Workspace, settings: Settings, ledger: Ledger, journal: Journal, now: Timestamp) {
        self.workspace = workspace
        self.settings = settings
        self.parser = PhoneNumberParser(defaultRegion: settings.defaultCountry, mobileOnly: settings.mobileOnly)
        self.ledger = ledger
        self.journal = journal
        self.now = now
    }

    private var linkKeyChecked: String??

    /// Why the link key cannot be used (LinkKeyCheck), checked once per run; nil when it can.
    public func linkKeyProblem() throws(OptoutError) -> String? {
        if let linkKeyChecked { return linkKeyChecked }
        let problem = try LinkKeyCheck.problem(workspace: workspace)
        linkKeyChecked = .some(problem)
        return problem
    }

    /// The link key and index, opened on first use (a run without {optout} never creates them).
    /// A key is made only when there is none and the index is empty: a run never replaces a lost
    /// or wrong key (the campaign is held with 78 instead, see LinkKeyCheck).
    public func links() throws(OptoutError) -> (LinkTokens, LinkIndex) {
        if let tokensStore, let linkIndexStore { return (tokensStore, linkIndexStore) }
        if let problem = try linkKeyProblem() {
            throw .configuration(SourceLocation(file: display(workspace.linkKeyFile)), problem)
        }
        let tokens = try LinkTokens.loadOrCreate(keyPath: workspace.linkKeyFile)
        let index = try LinkIndex(path: workspace.linkIndexFile)
        for problem in index.problems { diagnostics.append(Diagnostic(.warning, nil, problem)) }
        tokensStore = tokens
        linkIndexStore = index
        return (tokens, index)
    }

    public func display(_ path: String) -> String { workspace.display(path) }

    /// Moves an input to rejected/ with its reasons and records the error.
    public func reject(_ file: DroppedFile, kind: InputKind, reasons: [String]) throws(OptoutError) {
        for reason in reasons {
            diagnostics.append(Diagnostic(.error, SourceLocation(file: display(file.path)), reason))
        }
        let target = try DropFolder.reject(file, into: workspace.rejected(kind), errors: reasons)
        diagnostics.append(Diagnostic(.note, nil, "moved to \(display(target)) (reasons in \(display(target)).error.txt)"))
        rejectedInputs += 1
    }

    /// Identity of an input file's bytes (hex SHA-256), read in 1 MiB chunks (bounded memory
    /// whatever the file's size).
    public static func contentKey(_ path: String) throws(OptoutError) -> String {
        try Durable.contentKey(path)
    }

    /// The same file in the same place (device, inode, size, mtime): tells a leftover from a re-drop.
    public static func fingerprint(_ file: DroppedFile) -> String {
        "\(file.device):\(file.inode):\(file.size):\(file.modified.seconds)"
    }

    /// A name safe for output files: letters, digits, '-', '_' and '.', others become '_'.
    public static func safeName(_ name: String) -> String {
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
