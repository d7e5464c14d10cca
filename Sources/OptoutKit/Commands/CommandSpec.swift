// Command specs: the parsed command (`Command`), the shape of one row of the commands table
// (CLI/CommandLine.swift dispatches over it), and argv split by a command's options. Input: the arguments after the command name. Output: the
// workspace root, flags, option values and positional arguments. Failures: `OptoutError.usage`
// for an option without its value, an unknown option or an extra argument (exit 64).

import OptoutBase
import Foundation

package enum Command: Equatable, Sendable {
    case run(root: String, verbose: Bool, mailCommand: [String]? = nil)
    case initialize(dir: String)
    /// `init --new-link-key [DIR]`: a new link key on purpose (InitJob.newLinkKey).
    case newLinkKey(dir: String)
    case status(root: String, json: Bool)
    /// `lookup NUMBER [--json]`: one number's history (LookupJob).
    case lookup(root: String, number: String, json: Bool)
    case site(root: String, options: SiteOptions)
    case deliver(root: String, verbose: Bool, maxSeconds: Double = DeliveryJob.deliverBudgetSeconds, now: Bool = false,
                 mailCommand: [String]? = nil)
    case watch(root: String, verbose: Bool, mailCommand: [String]? = nil)
    case help(String)
    case version
}

/// One option: its names (the first is the one shown), the value it takes (nil: a flag), its help.
package struct OptionSpec: Sendable {
    package let names: [String]
    package let value: String?
    package let help: String

    package init(_ names: [String], value: String? = nil, _ help: String) {
        self.names = names; self.value = value; self.help = help
    }
}

/// One command: its name, the overview's line for it, its usage text, its options and how many
/// positional arguments it takes, and how its arguments become a `Command`.
package struct CommandSpec: Sendable {
    package let name: String
    /// "init [DIR]": the overview's first column.
    package let synopsis: String
    package let summary: String
    package let usage: String
    package let options: [OptionSpec]
    package let maxPositional: Int
    let make: @Sendable (ParsedArguments) throws(OptoutError) -> Command

    init(_ name: String, synopsis: String? = nil, summary: String, usage: String, options: [OptionSpec] = [],
         maxPositional: Int = 0, make: @escaping @Sendable (ParsedArguments) throws(OptoutError) -> Command) {
        self.name = name; self.synopsis = synopsis ?? name; self.summary = summary; self.usage = usage
        self.options = options; self.maxPositional = maxPositional; self.make = make
    }

    /// Splits `args` by this command's options and checks them.
    func parse(_ args: [String]) throws(OptoutError) -> Command {
        var parsed = ParsedArguments()
        let valueNames = Set(options.filter { $0.value != nil }.flatMap(\.names))
        var rest = args[...]
        while let arg = rest.popFirst() {
            if arg == "--root" {
                guard let value = rest.first, !value.hasPrefix("--") else { throw .usage("--root needs a directory: optout \(name) --root DIR") }
                parsed.root = value
                rest.removeFirst()
            } else if arg.hasPrefix("--root=") {
                parsed.root = String(arg.dropFirst(7))
            } else if valueNames.contains(arg) {
                guard let value = rest.first, !value.hasPrefix("--") else { throw .usage("\(arg) needs a value: optout \(name) \(arg) VALUE") }
                parsed.values[arg] = value
                rest.removeFirst()
            } else if let eq = arg.firstIndex(of: "="), valueNames.contains(String(arg[..<eq])) {
                parsed.values[String(arg[..<eq])] = String(arg[arg.index(after: eq)...])
            } else if arg.hasPrefix("-") {
                parsed.flags.insert(arg)
            } else {
                parsed.positional.append(arg)
            }
        }
        try check(parsed)
        return try make(parsed)
    }

    /// Unknown flags and extra arguments, named with what is accepted.
    func check(_ parsed: ParsedArguments) throws(OptoutError) {
        let allowed = Set(options.filter { $0.value == nil }.flatMap(\.names))
        if let bad = parsed.flags.subtracting(allowed).sorted().first {
            let accepted = allowed.isEmpty ? "" : " (accepted: \(allowed.sorted().joined(separator: ", ")))"
            throw .usage("optout \(name): unknown option \(bad)\(accepted)\nsee: optout \(name) --help")
        }
        if parsed.positional.count > maxPositional {
            throw .usage("optout \(name): unexpected argument \"\(parsed.positional[maxPositional])\"\nsee: optout \(name) --help")
        }
    }
}

/// A command's arguments, split.
package struct ParsedArguments: Sendable {
    package var root = "."
    package var flags = Set<String>()
    package var values: [String: String] = [:]
    package var positional: [String] = []

    /// Whether any name of the flag was given.
    func has(_ option: OptionSpec) -> Bool { !flags.isDisjoint(with: option.names) }
    /// The value of an option that takes one.
    func value(_ option: OptionSpec) -> String? { option.names.lazy.compactMap { values[$0] }.first }
}

/// OPTOUT_NOW=2026-11-26T12:00:00Z: a fixed clock for the run (testing aid: reproducible output
/// names and ledger times; the crash tests compare runs byte for byte).
enum FixedClock {
    static func now() throws(OptoutError) -> Timestamp? {
        guard let text = ProcessInfo.processInfo.environment["OPTOUT_NOW"], !text.isEmpty else { return nil }
        guard let time = Timestamp.parse(text, zone: TimeZone(identifier: "UTC")!) else {
            throw .usage("OPTOUT_NOW=\(text) is not a time such as 2026-11-26T12:00:00Z")
        }
        return time
    }
}
