// Pause hook: a testing aid that stops a run at a named step so a test can look at it mid-run
// (`optout status` while a run is in progress). Environment, read once per process:
//   OPTOUT_PAUSE_AT=<label>     the step to stop at (RunAttempt's step labels: "settings",
//                               "opt-out inputs", "lists", "campaigns", "suppressions", "delivery");
//   OPTOUT_PAUSE_FILE=path      created (with the pid) when the step is reached; the process sleeps
//                               until a test removes it (at most 10 minutes).
// With OPTOUT_PAUSE_AT unset, `at` is one load of a once-initialised value. Failures: none (a
// pause file that cannot be created means no pause: it is a testing aid).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

package enum PauseHook {
    static let config: (label: String, file: String)? = {
        guard let label = ProcessInfo.processInfo.environment["OPTOUT_PAUSE_AT"], !label.isEmpty,
              let file = ProcessInfo.processInfo.environment["OPTOUT_PAUSE_FILE"], !file.isEmpty else { return nil }
        return (label, file)
    }()

    /// Sleeps here while the pause file exists, when `label` is the configured step.
    package static func at(_ label: String) {
        guard let config, config.label == label else { return }
        guard FileManager.default.createFile(atPath: config.file, contents: Data("\(getpid())\n".utf8)) else { return }
        let until = Date().addingTimeInterval(600)
        while Durable.exists(config.file) && Date() < until { usleep(20_000) }
    }
}
