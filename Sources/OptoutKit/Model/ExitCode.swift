// Exit codes: the sysexits values optout returns and which wins when several apply (README "Exit
// codes"). Here, below the commands, because runs record the code of a held campaign; the CLI
// (CLI/CommandRunner.swift) is still the one place that maps errors to them. No failures.

public enum ExitCode {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let software: Int32 = 70
    public static let cannotCreate: Int32 = 73
    public static let ioError: Int32 = 74
    public static let tempFail: Int32 = 75
    public static let config: Int32 = 78

    /// When several codes apply to one run, the first of these wins (README "Exit codes").
    public static let precedence: [Int32] = [software, ioError, cannotCreate, config, dataError, tempFail]

    /// The code that wins among `codes` (0 when there is none).
    public static func combine(_ codes: [Int32]) -> Int32 {
        for code in precedence where codes.contains(code) { return code }
        return codes.first(where: { $0 != ok }) ?? ok
    }
}
