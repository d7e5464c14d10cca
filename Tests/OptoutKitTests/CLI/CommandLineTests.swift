// Command line: the dispatch over the commands table: every command's help is its usage text,
// every declared option is accepted where it belongs and refused elsewhere (exit 64).

import Testing
@testable import OptoutBase
@testable import OptoutKit

@Suite struct CommandLineTests {
    @Test(arguments: CommandLineParser.commands.map(\.name))
    func helpIsTheCommandsUsage(_ name: String) throws {
        let spec = try #require(CommandLineParser.commands.first { $0.name == name })
        #expect(try CommandLineParser.parse([name, "--help"]) == .help(spec.usage))
        #expect(try CommandLineParser.parse(["help", name]) == .help(spec.usage))
        #expect(CommandLineParser.overview.contains("  \(spec.synopsis)"))
    }

    @Test(arguments: CommandLineParser.commands.map(\.name))
    func everyDeclaredOptionIsAcceptedAndOthersAreRefused(_ name: String) throws {
        let spec = try #require(CommandLineParser.commands.first { $0.name == name })
        for option in spec.options {
            let args = [name, "--root", "/w"] + option.names.prefix(1) + (option.value == nil ? [] : [option.value == "CMD" ? "/usr/sbin/sendmail -t -i" : "1"])
            #expect(throws: Never.self, "optout \(args.joined(separator: " "))") { try CommandLineParser.parse(args) }
        }
        let others = CommandLineParser.commands.flatMap(\.options).filter { $0.value == nil }.map { $0.names[0] }
            .filter { flag in !spec.options.contains { $0.names.contains(flag) } }
        for flag in others {
            #expect(throws: OptoutError.usage("optout \(name): unknown option \(flag)"
                + (spec.options.contains { $0.value == nil } ? " (accepted: \(spec.options.filter { $0.value == nil }.flatMap(\.names).sorted().joined(separator: ", ")))" : "")
                + "\nsee: optout \(name) --help")) { try CommandLineParser.parse([name, flag]) }
        }
    }

    @Test func anUnknownCommandNamesTheTable() {
        #expect(throws: OptoutError.usage("unknown command \"frob\" (commands: run, watch, init, status, lookup, site, deliver)\nsee: optout --help")) {
            try CommandLineParser.parse(["frob"])
        }
    }

    @Test func theOverviewListsEveryExitCode() {
        let text = CommandLineParser.overview.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for entry in ExitCode.table { #expect(text.contains("\(entry.code) \(entry.short)"), "optout --help lacks exit code \(entry.code)") }
    }
}
