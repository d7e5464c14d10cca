// Exit codes: the one table of the sysexits values optout returns, what each means (README "Exit
// codes" shows the same rows; MetadataTests keeps them equal), and which wins when several apply.
// Here, below the commands, because runs record the code of a held campaign; the CLI
// (CLI/CommandRunner.swift) is still the one place that maps errors to them. No failures.

package enum ExitCode {
    package static let ok: Int32 = 0
    package static let usage: Int32 = 64
    package static let dataError: Int32 = 65
    package static let software: Int32 = 70
    package static let cannotCreate: Int32 = 73
    package static let ioError: Int32 = 74
    package static let tempFail: Int32 = 75
    package static let config: Int32 = 78

    /// One exit code: its value, a few words for `optout --help`, and its README meaning.
    package struct Entry: Sendable {
        package let code: Int32
        package let short: String
        package let meaning: String
    }

    /// Every code optout returns, in numeric order.
    package static let table: [Entry] = [
        Entry(code: ok, short: "done", meaning: "all done"),
        Entry(code: usage, short: "usage",
              meaning: "usage: unknown command or option, or no `inbox/` in the workspace; an `optout site` value nginx would read as syntax"),
        Entry(code: dataError, short: "some input could not be used (the rest was processed)",
              meaning: "an input, or rows of an opt-out input or of a review decision file, could not be used (moved to `rejected/`, or listed in `<file>.error.txt` beside it in `processed/`), or campaigns were held until a person renames list files that would share a report; the rest was processed"),
        Entry(code: software, short: "internal error", meaning: "internal error"),
        Entry(code: cannotCreate, short: "cannot write", meaning: "cannot write an output"),
        Entry(code: ioError, short: "I/O error or a damaged ledger record",
              meaning: "I/O error, or a damaged ledger record (named on stderr and in the review report; a torn *final* record, what a crash leaves, is repaired silently)"),
        Entry(code: tempFail, short: "try later (lock held, or campaigns held for an opt-out input)",
              meaning: "try later: another run holds the workspace lock, or campaigns were held for an opt-out input still arriving (or waiting in `rejected/`); everything else was done"),
        Entry(code: config, short: "bad settings or workspace",
              meaning: "settings or workspace invalid (the message names the key, line or path), including a missing link key, a link base on an example domain or a workspace folder that is a symbolic link; nothing was processed, or the campaigns it concerns were held"),
    ]

    /// When several codes apply to one run, the first of these wins (README "Exit codes").
    package static let precedence: [Int32] = [software, ioError, cannotCreate, config, dataError, tempFail]

    /// The code that wins among `codes` (0 when there is none).
    package static func combine(_ codes: [Int32]) -> Int32 {
        for code in precedence where codes.contains(code) { return code }
        return codes.first(where: { $0 != ok }) ?? ok
    }
}
