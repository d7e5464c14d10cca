// Run attempt: .optout/last-attempt.json, what `optout status` says about the last run that
// started, finished or not. Written when a run has the lock ("started", "pid", "step"), again at
// each step (the step's label), and at the end with the outcome: "ok", "some input rejected",
// "held", or "failed" with the exit code and the error line. A record without "finished" whose pid
// is alive is a run in progress; one whose pid is gone was interrupted.
// Input: the workspace's state folder, the run's clock. Output: the record (temp file + rename,
// not fsynced: it is a look, not state; a crash leaves the previous or the new record).
// Failures: none raised (status must never stop a run); a record that cannot be read is "none".

import OptoutBase
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package final class RunAttempt {
    let path: String
    let started: Timestamp
    private var step = "start"

    /// Starts the record of a run that holds the lock.
    package init(path: String, started: Timestamp) {
        self.path = path
        self.started = started
        write([:])
    }

    /// The run reached `label` (a pause point for tests too: PauseHook).
    package func step(_ label: String) {
        step = label
        write([:])
        PauseHook.at(label)
    }

    /// The run ended with a report: its outcome and exit code.
    package func finish(_ report: RunReport, at time: Timestamp) {
        let code = CommandRunner.exitCode(for: report)
        let outcome = code == ExitCode.ok ? "ok" : (report.rejectedInputs > 0 ? "some input rejected" : (report.held.isEmpty ? "some input could not be used" : "campaigns held"))
        let line = report.diagnostics.first { $0.severity == .error }?.description
        write(["finished": time.iso8601, "outcome": outcome, "exit_code": Int(code), "error": line ?? NSNull()])
    }

    /// The run stopped on an error.
    package func fail(_ error: OptoutError, at time: Timestamp) {
        write(["finished": time.iso8601, "outcome": "failed", "exit_code": Int(CommandRunner.code(for: error)),
               "error": "optout: " + error.description])
    }

    private func write(_ extra: [String: Any]) {
        var object: [String: Any] = ["started": started.iso8601, "pid": Int(getpid()), "step": step]
        for (key, value) in extra { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        let temp = Durable.parent(of: path) + "/.last-attempt.json.tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let ok = (try? Durable.writeAll(fd, Array(data) + [0x0A], path: temp)) != nil
        close(fd)
        if !ok || rename(temp, path) != 0 { unlink(temp) }
    }

    /// The record as written, nil when there is none (or it cannot be read).
    package static func read(path: String) -> [String: Any]? {
        guard let bytes = try? Durable.readFile(path, limit: 1 << 16) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }

    /// Whether the process `pid` still exists.
    package static func alive(_ pid: Int) -> Bool {
        pid > 0 && (kill(pid_t(pid), 0) == 0 || errno == EPERM)
    }
}
