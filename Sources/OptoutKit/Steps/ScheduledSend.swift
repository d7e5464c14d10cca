// ScheduledSend.swift — quiet hours for one scheduled campaign (a `send_at:` header or the settings
// default): each textable recipient's send row goes to the send file of its earliest allowed UTC
// time, or to the held report.
// Input: the campaign's output name, the instant the search starts from (`SendAt.instant`), the
// settings' `send_windows`, the list's `state` column (if any); then per recipient its number,
// its `state` cell and the send-file row already rendered (routed on the campaign pipeline's
// workers through `Router` copies, written in list order by CampaignOrderedWriter).
// Output (each an AtomicFile, opened on first use; groups are few: one per distinct time):
//   outbox/send/later/<name>@<YYYYMMDDTHHMMSSZ>.csv  phone,message,segments,encoding (a send file)
//   outbox/reports/<name>-held.csv                   line,phone,reason (people CSV: BOM, CRLF, formula guard)
// `commitHeld()` publishes the held report, `commitLater()` the send files (last: a gateway takes
// them), in `OutputNames.campaignTable` order. Failures: a name too long for the timed file names
// (`CampaignRejection`), an invalid `state` cell (`.skip`: the row is skipped with the reason, fail
// closed), `OptoutError` for I/O.

import Foundation
import OptoutBase
import OptoutPhone
#if canImport(Glibc)
import Glibc
#endif

package final class ScheduledSend {
    /// Where one recipient goes.
    package enum Route: Equatable {
        /// Into the send file of this UTC time (whole seconds).
        case at(Timestamp)
        /// Into the held report, with the reason (zone unknown, no allowed time).
        case held(String)
        /// Skipped (its `state` cell is not a US state code), with the reason.
        case skip(String)
    }

    /// The skipped report's category for a bad `state` cell.
    package static let skipState = "invalid state"
    /// The list column that names a recipient's US state.
    package static let stateColumnName = "state"

    /// One scheduled send file: its UTC time, rows and path (relative to the root).
    package typealias Group = CampaignSummary.ScheduledFile

    let name: String
    let root: String
    package let start: Timestamp
    package let sendAt: SendAt
    let windows: [String: [SendWindow]]
    /// Index of the list's `state` column, if it has one.
    package let stateColumn: Int?
    /// The routing of this campaign (its cache of decisions); workers route through copies.
    private var routing: Router
    private var files: [Int64: AtomicFile] = [:]
    private var counts: [Int64: Int] = [:]
    private var heldFile: AtomicFile?
    package private(set) var heldRows = 0
    private let people = CSVWriter(audience: .people)
    private var scratch: [UInt8] = []

    /// A scheduler for campaign `name`, or a rejection when the name is too long for its timed files.
    package init(name: String, root: String, start: Timestamp, sendAt: SendAt, windows: [String: [SendWindow]],
                 stateColumn: Int?) throws(CampaignRejection) {
        try Self.checkName(name)
        (self.name, self.root, self.start, self.sendAt, self.windows, self.stateColumn) = (name, root, start, sendAt, windows, stateColumn)
        routing = Router(start: start, windows: windows, stateColumn: stateColumn)
    }

    /// Where recipients go, as a value: the campaign pipeline gives each worker's output its own
    /// copy (the decision cache is not shared between threads; decisions are pure, so copies agree).
    package struct Router {
        let start: Timestamp
        let windows: [String: [SendWindow]]
        /// Index of the list's `state` column, if it has one.
        package let stateColumn: Int?
        private var decisions: [SendWindowRules.Target: SendWindows.Decision] = [:]

        init(start: Timestamp, windows: [String: [SendWindow]], stateColumn: Int?) {
            (self.start, self.windows, self.stateColumn) = (start, windows, stateColumn)
        }

        /// Where the recipient `number` goes; `state` is its `state` cell (nil without the column).
        package mutating func route(_ number: PhoneNumber, state cell: String?) -> Route {
            var state: String? = nil
            if let cell {
                switch SendWindowRules.stateColumn(cell) {
                case .success(let code): state = code
                case .failure(let error): return .skip(error.reason)
                }
            }
            let target = SendWindowRules.target(for: number, state: state, settings: windows)
            let decision: SendWindows.Decision
            if let known = decisions[target] {
                decision = known
            } else {
                decision = SendWindows.decide(after: Date(timeIntervalSince1970: TimeInterval(start.seconds)), zones: target.zones, rules: target.rules)
                decisions[target] = decision
            }
            switch decision {
            case .send(let date): return .at(Timestamp(seconds: Int64(date.timeIntervalSince1970.rounded(.up))))
            case .held(let why): return .held(why.reason)
            }
        }
    }

    /// A copy of the routing for one worker (CampaignRowOutput).
    package var router: Router { routing }

    /// The scheduler of a campaign whose template (or, without a header, settings) gives `send_at`,
    /// or nil (no `send_at`, or "now": the campaign is built exactly as before).
    /// The start is fixed in the journal at the first build: a rerun after a crash (at another
    /// clock) writes the same files, never a second schedule.
    package static func forCampaign(_ template: CampaignTemplate, name: String, state: RunState,
                                    list: ContactListReader?) throws -> ScheduledSend? {
        guard let sendAt = template.sendAt ?? state.settings.sendAt,
              let instant = sendAt.instant(now: Date(timeIntervalSince1970: TimeInterval(state.now.seconds))) else { return nil }
        var start = Int64(instant.timeIntervalSince1970)
        if let recorded = state.journal.scheduleStarts[name] {
            start = recorded
        } else {
            try checkName(name)
            try state.journal.recordScheduleStart(name: name, seconds: start)
        }
        return try ScheduledSend(name: name, root: state.workspace.root, start: Timestamp(seconds: start),
                                 sendAt: sendAt, windows: state.settings.sendWindows,
                                 stateColumn: list?.columnIndex(stateColumnName))
    }

    /// The campaign's figures for its report: each send file and the held rows.
    package func fill(_ summary: inout CampaignSummary) {
        summary.schedule = CampaignSummary.Schedule(sendAt: sendAt.description, start: start, groups: groups,
                                                    heldRows: heldRows, heldPath: heldPath)
    }

    /// Refuses a name too long for the timed file names.
    static func checkName(_ name: String) throws(CampaignRejection) {
        guard name.utf8.count <= OutputNames.longestScheduledCampaignName else {
            throw CampaignRejection(reasons: ["the campaign name is \(name.utf8.count) bytes long; a scheduled campaign (send_at) may have at most \(OutputNames.longestScheduledCampaignName), to fit outbox/send/later/<name>@<time>.csv and the temp file beside it: shorten the file name"])
        }
    }

    /// Where the recipient `number` goes; `state` is its `state` cell (nil without the column).
    /// On the calling thread only (the campaign pipeline's workers use `router` copies).
    package func route(_ number: PhoneNumber, state cell: String?) -> Route {
        routing.route(number, state: cell)
    }

    /// Appends a rendered send-file row (with its newline) to the file of `time`.
    package func write(_ row: [UInt8], at time: Timestamp) throws(OptoutError) {
        if let file = files[time.seconds] {
            try file.write(row)
        } else {
            let path = "\(root)/\(OutputNames.laterPath(name: name, time: time.compact))"
            let folder = Durable.parent(of: path)
            if !Durable.exists(folder) {
                try Durable.makeDirectory(folder)
                try Durable.syncDirectory(Durable.parent(of: folder))
            }
            let file = try AtomicFile(path: path)
            try file.write("phone,message,segments,encoding\n")
            try file.write(row)
            files[time.seconds] = file
        }
        counts[time.seconds, default: 0] += 1
    }

    /// Adds a held recipient to the held report.
    package func hold(line: Int, phone: String, reason: String) throws(OptoutError) {
        if heldFile == nil {
            let file = try AtomicFile(path: "\(root)/\(OutputNames.campaignPath(.held, name: name))")
            try file.write(CSVWriter.utf8BOM)
            try file.write("line,phone,reason\r\n")
            heldFile = file
        }
        scratch.removeAll(keepingCapacity: true)
        people.appendRow([String(line), phone, reason], to: &scratch)
        try heldFile?.write(scratch)
        heldRows += 1
    }

    /// The send files, earliest first.
    package var groups: [Group] {
        counts.keys.sorted().map { seconds in
            let time = Timestamp(seconds: seconds)
            return Group(time: time, rows: counts[seconds] ?? 0, path: OutputNames.laterPath(name: name, time: time.compact))
        }
    }

    /// The held report's path (relative to the root), when a recipient was held.
    package var heldPath: String? { heldRows > 0 ? OutputNames.campaignPath(.held, name: name) : nil }
    /// The held report's .xlsx twin, when there is a held report.
    package var heldWorkbookPath: String? { heldPath.map { PeopleWorkbookTwin.path(for: $0) } }

    /// Publishes the held report (when a recipient was held).
    package func commitHeld() throws(OptoutError) {
        guard let heldFile else { return }
        try heldFile.commit()
        // Its .xlsx twin, for people (PeopleWorkbookTwin), right after it.
        try PeopleWorkbookTwin.write(csvPath: "\(root)/\(OutputNames.campaignPath(.held, name: name))", modified: start, sheetName: "held")
    }

    /// Publishes the send files, earliest first; then removes this campaign's send files of other
    /// times (left by an interrupted earlier attempt of the same claimed name, built at another
    /// clock: never two schedules of one campaign).
    package func commitLater() throws(OptoutError) {
        for seconds in files.keys.sorted() { try files[seconds]?.commit() }
        let current = Set(groups.map { "\(root)/\($0.path)" })
        var removed = false
        for path in Self.existingFiles(name: name, root: root) where !current.contains(path) {
            if unlink(path) != 0 { throw .cannotCreate(path: path, reason: errnoText()) }
            removed = true
        }
        if removed { try Durable.syncDirectory("\(root)/\(Self.folder)") }
    }

    /// outbox/send/later, relative to the root.
    package static var folder: String { OutputNames.campaignTable.first { $0.kind == .later }!.name.folder }

    /// The send files of campaign `name` in outbox/send/later/ (absolute paths, sorted).
    package static func existingFiles(name: String, root: String) -> [String] {
        let folder = "\(root)/\(folder)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { !$0.hasPrefix(".") && LaterRefilter.parse($0)?.0 == name }.sorted().map { "\(folder)/\($0)" }
    }
}
