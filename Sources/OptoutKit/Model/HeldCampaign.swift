// Held campaign: a campaign that waits this run, with the cause a person reads and its exit code.
// A value of `RunReport.held`, printed on stderr by the CLI; steps (name checks, holds) make them.
// No failures of its own.

/// A campaign that stays in the inbox this run, and why.
package struct HeldCampaign: Sendable, Equatable {
    /// The template, workspace-relative (`inbox/campaigns/x.txt`).
    package var file: String
    /// Why it waits, for a person ("inbox/stops/log.csv is still being written").
    package var cause: String
    /// 75 (try later) or 78 (settings or state to fix).
    package var exitCode: Int32

    package init(file: String, cause: String, exitCode: Int32) {
        self.file = file
        self.cause = cause
        self.exitCode = exitCode
    }
}
