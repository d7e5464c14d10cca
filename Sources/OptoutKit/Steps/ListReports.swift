// List reports (step 3 of a run, and its end in 4b): a report for each new or changed list. A
// list that a campaign of this run names is checked by that campaign's pass (one pass over the
// list instead of two): its report is deferred; the lists whose campaign did not check them
// (held or rejected before its pass) get their own pass after the campaigns.
// Input: the run plan and state. Output: `ListReportsResult` (reports written, lists deferred,
// files waiting, diagnostics). Failures: `OptoutError` for I/O; an unusable list is rejected.

import OptoutBase

package struct ListReportsResult {
    /// Reports written (workspace-relative).
    package var reports: [String] = []
    /// Lists (by path) whose report is due and left to their campaign's pass.
    package var deferred: [String: DroppedFile] = [:]
    package var waiting: [String] = []
    package var log = StepLog()
}

package enum ListReports {
    package static func run(plan: RunPlan, state: RunState) throws(OptoutError) -> ListReportsResult {
        var out = ListReportsResult()
        let used = plan.usedLists
        let taken = try plan.take(.lists, state: state)
        out.waiting = taken.waiting
        out.log = taken.log
        for file in taken.files {
            if used.contains(file.path) && ListReportJob.isDue(file, journal: state.journal) {
                out.deferred[file.path] = file
                continue
            }
            if let outcome = try ListReportJob.run(file, state: state, log: &out.log) {
                out.reports.append(state.display(outcome.reportPath))
            }
        }
        return out
    }

    /// The deferred lists that no campaign checked: each gets its own pass (in name order).
    package static func finish(_ remaining: [DroppedFile], state: RunState) throws(OptoutError) -> (reports: [String], log: StepLog) {
        var log = StepLog()
        var reports: [String] = []
        for file in remaining.sorted(by: { $0.name < $1.name }) {
            if let outcome = try ListReportJob.run(file, state: state, log: &log) {
                reports.append(state.display(outcome.reportPath))
            }
        }
        return (reports, log)
    }
}
