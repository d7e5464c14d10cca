// Command line: argv into a `Command` (Commands/CommandSpec.swift), by a dispatch over the commands
// table (each command's usage, options, parsing and job call live in its own file in Commands/), and the overview help text
// built from that table and the exit-code table. Input: the arguments after the program name.
// Output: a `Command` value. Failures: `OptoutError.usage` saying what was wrong and what is
// accepted (exit 64).

import OptoutBase

package enum CommandLineParser {
    package static let version = "optout \(OptoutVersion.number)"

    /// Every command, in the order `optout --help` lists them.
    package static let commands: [CommandSpec] = [
        RunCommand.spec, WatchCommand.spec, InitCommand.spec, StatusCommand.spec, LookupCommand.spec, SiteCommand.spec, DeliverCommand.spec,
    ]

    /// Options every command takes, and the program's own.
    package static let globalOptions: [OptionSpec] = [
        OptionSpec(["--root"], value: "DIR", "the workspace (default: the current directory)"),
        OptionSpec(["--help", "-h"], "help for a command"),
        OptionSpec(["--version"], "print the version"),
    ]

    package static let overview: String = {
        func column(_ text: String) -> String { text.count >= 14 ? text + " " : text + String(repeating: " ", count: 15 - text.count) }
        let commandLines = commands.map { "  " + column($0.synopsis) + $0.summary }
        let optionLines = globalOptions.map { "  " + column($0.names.joined(separator: ", ") + ($0.value.map { " " + $0 } ?? "")) + $0.help }
        let codes = ExitCode.table.map { "\($0.code) \($0.short)" }.joined(separator: "; ")
        return (["optout — keeps SMS campaigns compliant with opt-outs.", "",
                 "usage: optout <command> [--root DIR] [options]", "", "commands:"] + commandLines
                + ["", "options:"] + optionLines + [""] + wrap("exit codes: " + codes + ".")).joined(separator: "\n")
    }()

    /// Text cut into lines of at most 96 characters, at spaces.
    static func wrap(_ text: String) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > 96 { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines + [line]
    }

    /// The usage text of a command, by name.
    static func help(_ name: String) -> String? { commands.first { $0.name == name }?.usage }

    package static func parse(_ args: [String]) throws(OptoutError) -> Command {
        guard let first = args.first else { return .help(overview) }
        if first == "--help" || first == "-h" || first == "help" {
            if args.count > 1, let text = help(args[1]) { return .help(text) }
            return .help(overview)
        }
        if first == "--version" { return .version }
        guard let spec = commands.first(where: { $0.name == first }) else { throw unknown(first) }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") { return .help(spec.usage) }
        return try spec.parse(rest)
    }

    static func unknown(_ name: String) -> OptoutError {
        .usage("unknown command \"\(name)\" (commands: \(commands.map(\.name).joined(separator: ", ")))\nsee: optout --help")
    }
}
