// optout watch: run once, then process files as they arrive, until asked to stop.
// Input: a workspace and a stop descriptor (readable once SIGTERM/SIGINT arrived). Output: one
// `RunReport` per pass, handed to `onPass` (the CLI prints it). A pass runs when inotify reports a
// change, when files seen earlier are still settling (checked every `pollInterval`), and at every
// `rescanInterval` as a safety net if the inbox changed since the last pass; also after a change
// to settings.json and at every rescan when something waits, is held, or was left by a failed pass
// (WatchRetry; rejected/ never starts one). Held campaigns are reported once per cause. Waits its turn when
// another run holds the lock. A stop request is honoured between passes: the pass in hand
// finishes, the lock is released, and `run` returns.
// Failures: errors of a pass are reported through `onPass` and the watch goes on, except a bad
// settings file or a missing workspace at start, which are thrown. A folder that is a link (or
// not a directory) is reported on each pass, at start too, and the watch waits for the fix.

import OptoutBase
import Foundation

package struct WatchOptions: Sendable {
    /// Safety-net rescan period (seconds).
    package var rescanInterval: Double = 30
    /// How often to look again while dropped files are still being written.
    package var pollInterval: Double = 0.25
    /// Overrides settings' settle_seconds.
    package var settleSeconds: Double?
    /// `--mail-command`: each pass pipes e-mail notifications to it (MailCommand).
    package var mailCommand: [String]?

    package init(rescanInterval: Double = 30, pollInterval: Double = 0.25, settleSeconds: Double? = nil) {
        self.rescanInterval = rescanInterval
        self.pollInterval = pollInterval
        self.settleSeconds = settleSeconds
    }
}

package enum WatchJob {
    /// The files a pass would take now (settled), and whether others are still being written.
    static func readiness(_ ws: Workspace, settle: Double) -> (ready: [String], settling: Bool) {
        var items: [String] = []
        var settling = false
        for kind in InputKind.allCases {
            let scan = DropFolder.scan(ws.folder(kind), settle: settle)
            for file in scan.ready { items.append("\(kind.rawValue)/\(file.name):\(file.size):\(file.modified.seconds):\(file.inode)") }
            for (name, _) in scan.unusable { items.append("\(kind.rawValue)/\(name):unusable") }
            if !scan.unsettled.isEmpty { settling = true }
        }
        // What holds campaigns (rejected opt-out inputs, drop temp files): its end brings a pass.
        items += CampaignHolds.watchKeys(ws, now: Date().timeIntervalSince1970).map { "hold:\($0)" }
        return (items, settling)
    }

    package static func run(root: String, options: WatchOptions = WatchOptions(), stopFD: Int32,
                           onPass: (Result<RunReport, OptoutError>) -> Void) throws(OptoutError) {
        let given = Workspace(root: root)
        guard Durable.exists(given.inbox) else {
            throw .usage("no inbox/ folder in \(root): run `optout init \(root)` first, or pass --root DIR")
        }
        let watch = Watch(options: options, stopFD: stopFD)
        guard let ws = try watch.openWorkspace(root: root, given: given, onPass: onPass) else { return }
        // A bad settings file stops the watch at start (it would misapply every rule).
        var settings = try Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile))
        var watcher = watch.makeWatcher(ws)
        var failed = false
        var heldShown = Set<String>()
        var deadlinesShown = Set<String>()   // issue 17: each deadline warning once per state

        while true {
            // Held campaigns reported once per cause (WatchRetry).
            let stopped = watch.runPass(ws) { result in
                if case .success(var report) = result {
                    report.held = WatchRetry.newlyHeld(report.held, shown: &heldShown)
                    report.deadlineWarnings = PendingDeadlines.newlyWarned(report.deadlineWarnings, shown: &deadlinesShown)
                    failed = false
                    onPass(.success(report))
                } else {
                    failed = true
                    onPass(result)
                }
            }
            if stopped { return }
            if !WorkspaceCheck.problems(ws).isEmpty {
                // Reported by the pass; wait for the fix, then watch the real folders again.
                if watch.waitForFix(ws) { return }
                watcher = watch.makeWatcher(ws)
                continue
            }
            if let reloaded = try? Settings.load(path: ws.settingsFile, displayName: ws.display(ws.settingsFile)) { settings = reloaded }
            if watch.waitForWork(ws, settings: settings, watcher: watcher, lastPassFailed: failed) { return }
        }
    }

    /// One watch's options and stop descriptor; each function that can be stopped returns true
    /// when a stop was requested.
    private struct Watch {
        let options: WatchOptions
        let stopFD: Int32

        func stopRequested(_ wait: Double) -> Bool {
            var fds = [pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
            return poll(&fds, 1, Int32(wait * 1000)) > 0
        }

        func makeWatcher(_ ws: Workspace) -> InboxWatcher? {
            try? InboxWatcher(folders: InputKind.allCases.map { ws.folder($0) } + [ws.inbox], stopFD: stopFD)
        }

        /// A linked or misplaced folder: waits until it is fixed (checked every second) or until
        /// the rescan interval passed (the next pass reports it again). True when asked to stop.
        func waitForFix(_ ws: Workspace) -> Bool {
            let started = Date()
            while Date().timeIntervalSince(started) < options.rescanInterval {
                if stopRequested(min(1, options.rescanInterval)) { return true }
                if WorkspaceCheck.problems(ws).isEmpty { return false }
            }
            return false
        }

        /// The root is resolved once; a workspace whose folders are not real directories is
        /// reported on each pass (78) and the watch keeps waiting for the fix. nil: asked to stop.
        func openWorkspace(root: String, given: Workspace,
                           onPass: (Result<RunReport, OptoutError>) -> Void) throws(OptoutError) -> Workspace? {
            while true {
                do {
                    return try Workspace.open(root: root)
                } catch {
                    guard case .configuration = error else { throw error }
                    onPass(.failure(error))
                    if waitForFix(Workspace(root: WorkspaceCheck.realPath(given.root) ?? given.root)) { return nil }
                }
            }
        }

        /// One pass, waiting for the lock without missing a stop request.
        func runPass(_ ws: Workspace, onPass: (Result<RunReport, OptoutError>) -> Void) -> Bool {
            // (a pass that throws leaves its files in the inbox: the caller retries them, WatchRetry)
            while true {
                do {
                    var run = RunOptions(settleSeconds: options.settleSeconds)
                    run.mailCommand = options.mailCommand
                    onPass(.success(try RunJob.run(root: ws.root, options: run)))
                } catch .locked {
                    if stopRequested(0.5) { return true }
                    continue
                } catch {
                    onPass(.failure(error))
                }
                return false
            }
        }

        /// Waits until some file becomes ready that the last pass did not see, or (at a rescan)
        /// webhook payloads wait for a retry.
        func waitForWork(_ ws: Workspace, settings: Settings, watcher: InboxWatcher?, lastPassFailed: Bool = false) -> Bool {
            let settle = options.settleSeconds ?? settings.settleSeconds
            var (last, settling) = readiness(ws, settle: settle)
            let settingsStamp = WatchRetry.settingsStamp(ws)
            var sinceRescan = Date()
            while true {
                let timeout = settling ? options.pollInterval : max(0, options.rescanInterval - Date().timeIntervalSince(sinceRescan))
                let wake: InboxWatcher.Wake
                if let watcher {
                    wake = watcher.wait(timeout: timeout)
                } else {
                    wake = stopRequested(min(timeout, options.pollInterval)) ? .stop : .timeout
                }
                if wake == .stop { return true }
                if wake == .changed && stopRequested(0.05) { return true }  // let a burst of events pass
                let now = readiness(ws, settle: settle)
                if now.ready != last { return false }
                // settings.json changed (a fix?): a pass when something waits, is held or was left by an error.
                if WatchRetry.settingsStamp(ws) != settingsStamp && WatchRetry.somethingToRetry(ws, lastPassFailed: lastPassFailed) { return false }
                if !settling && Date().timeIntervalSince(sinceRescan) >= options.rescanInterval {
                    sinceRescan = Date()
                    if WatchRetry.somethingToRetry(ws, lastPassFailed: lastPassFailed) { return false }
                    // Webhook payloads waiting for a retry are delivered by a pass, too.
                    if settings.optoutCallbackURL != nil,
                       ((try? FileManager.default.contentsOfDirectory(atPath: ws.webhooksPending)) ?? []).contains(where: { $0.hasSuffix(".json") && !$0.hasPrefix(".") }) {
                        return false
                    }
                }
                settling = now.settling
                last = now.ready
            }
        }
    }
}
