// Metadata: README.md lists what the code declares (nicklockwood/SwiftFormat MetadataTests
// style): every settings key with its type, default and meaning (Settings.keys), every command
// and option (CommandLineParser.commands, globalOptions), every exit code with its meaning
// (ExitCode.table), every workspace folder (Workspace.declaredFolders), and the link-token
// algorithm LinkTokens uses. A README that drifts from the tables fails here.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone

@Suite struct MetadataTests {
    static let readme: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    /// The text of a README section: from its heading line to the next heading of any level.
    static func section(_ heading: String) -> String {
        let lines = readme.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.contains(heading) }) else { return "" }
        var body: [String] = []
        var inCode = false
        for line in lines[(start + 1)...] {
            if line.hasPrefix("```") { inCode.toggle() }
            if !inCode && line.hasPrefix("#") { break }
            body.append(line)
        }
        return body.joined(separator: "\n")
    }

    /// Table rows of a section, each as its trimmed cells.
    static func rows(_ heading: String) -> [[String]] {
        section(heading).components(separatedBy: "\n").filter { $0.hasPrefix("|") && !$0.hasPrefix("|---") }.map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test func theReadmeIsThere() {
        #expect(Self.readme.count > 10_000, "README.md not found beside Package.swift")
    }

    @Test(arguments: Settings.keys.map(\.name))
    func everySettingsKeyHasItsRow(_ name: String) throws {
        let key = try #require(Settings.keys.first { $0.name == name })
        let expected = ["`\(key.name)`", key.type, key.defaultText, key.meaning]
        let row = Self.rows("Settings — `inbox/settings.json`").first { $0.first == "`\(name)`" }
        #expect(row != nil, "README \"Settings\" has no row for \(name); add: | \(expected.joined(separator: " | ")) |")
        if let row { #expect(row == expected, "README row for \(name) differs from Settings.keys (SettingsKeys.swift)") }
    }

    @Test func everySettingsRowIsAKey() {
        let rows = Self.rows("Settings — `inbox/settings.json`").dropFirst()
        #expect(rows.count >= Settings.keys.count)
        for row in rows {
            let name = row[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(Settings.knownKeys.contains(name), "README \"Settings\" names \(row[0]), which Settings.keys does not declare")
        }
    }

    @Test func theInitTemplateHasEveryKey() {
        for key in Settings.keys {
            #expect(Settings.template.contains("// \"\(key.name)\": \(key.example)"), "the init template lacks \(key.name)")
        }
    }

    @Test(arguments: CommandLineParser.commands.map(\.name))
    func everyCommandAndOptionIsInTheReadme(_ name: String) throws {
        let spec = try #require(CommandLineParser.commands.first { $0.name == name })
        let rows = Self.rows("Commands").filter { $0.first?.hasPrefix("`optout \(name)") == true }
        #expect(!rows.isEmpty, "README \"Commands\" has no row for optout \(name)")
        let synopses = rows.map { $0[0] }.joined(separator: " ")
        for option in spec.options {
            let shown = option.names[0] + (option.value.map { " " + $0 } ?? "")
            #expect(synopses.contains("[\(shown)]") || synopses.contains(" \(shown) "),
                    "README \"Commands\" does not show \(shown) for optout \(name)")
            #expect(spec.usage.contains(option.names[0]), "the usage text of \(name) does not name \(option.names[0])")
        }
        #expect(spec.usage.hasPrefix("usage: optout \(name)"))
    }

    @Test func everyReadmeCommandIsDeclared() {
        for row in Self.rows("Commands").dropFirst() {
            let word = row[0].dropFirst("`optout ".count).prefix { $0.isLetter }
            #expect(CommandLineParser.commands.contains { $0.name == word }, "README names optout \(word), which the commands table does not declare")
        }
    }

    @Test func globalOptionsAreInTheReadme() {
        for option in CommandLineParser.globalOptions {
            #expect(Self.section("Commands").contains("`\(option.names[0])"), "README \"Commands\" does not mention \(option.names[0])")
            #expect(CommandLineParser.overview.contains(option.names[0]))
        }
    }

    @Test(arguments: ExitCode.table.map(\.code))
    func everyExitCodeHasItsRow(_ code: Int32) throws {
        let entry = try #require(ExitCode.table.first { $0.code == code })
        let row = Self.rows("Exit codes").first { $0.first == "\(code)" }
        #expect(row == ["\(code)", entry.meaning], "README \"Exit codes\" row for \(code) differs from ExitCode.table; expected: | \(code) | \(entry.meaning) |")
    }

    @Test func everyReadmeExitCodeIsDeclaredAndThePrecedenceIsTheSame() {
        for row in Self.rows("Exit codes").dropFirst() {
            #expect(ExitCode.table.contains { "\($0.code)" == row[0] }, "README lists exit code \(row[0]), which ExitCode.table does not")
        }
        let order = ExitCode.precedence.map(String.init).joined(separator: ", ")
        #expect(Self.section("Exit codes").contains("**\(order)**"), "README does not give the precedence \(order)")
    }

    /// The folder tree in "Folder contract", as paths (`<kind>` stands for every inbox folder).
    static func contractFolders() -> Set<String> {
        let block = section("Folder contract").components(separatedBy: "```").dropFirst().first ?? ""
        var paths = Set<String>()
        var parent = ""
        for line in block.components(separatedBy: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let indented = line.hasPrefix(" ")
            let token = line.trimmingCharacters(in: .whitespaces).split(separator: " ")[0]
            var parts: [String] = []
            for part in token.split(separator: "/").map(String.init) {
                if part == "<kind>" || part.hasPrefix(".") || (!part.contains("<") && !part.contains(".")) { parts.append(part) } else { break }
            }
            guard !parts.isEmpty else { continue }
            let base = indented ? parent + "/" : ""
            if !indented { parent = parts[0] }
            for n in 1...parts.count {
                let path = base + parts.prefix(n).joined(separator: "/")
                if path.contains("<kind>") {
                    for kind in InputKind.allCases { paths.insert(path.replacingOccurrences(of: "<kind>", with: kind.rawValue)) }
                } else {
                    paths.insert(path)
                }
            }
        }
        return paths
    }

    @Test func everyWorkspaceFolderIsInTheFolderContract() {
        let listed = Self.contractFolders()
        for folder in Workspace(root: "/w").declaredFolders {
            #expect(listed.contains(folder), "README \"Folder contract\" does not list \(folder)/")
        }
        for kind in InputKind.allCases {
            #expect(listed.contains("inbox/\(kind.rawValue)"), "README \"Folder contract\" does not list inbox/\(kind.rawValue)/")
        }
    }

    @Test(arguments: InputKind.allCases)
    func everyInboxFolderSaysWhichNamesItTakes(_ kind: InputKind) {
        let text = Self.section("Folder contract").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let shown = kind.acceptedExtensions.map { $0.map { "`\($0)`" }.joined(separator: ", ") } ?? "any name"
        #expect(text.contains("\(kind.rawValue): \(shown)"), "README \"Folder contract\" does not say \(kind.rawValue): \(shown)")
    }

    @Test func theReadmeNamesTheLinkTokenAlgorithm() {
        let text = Self.section("Opt-out links")
        #expect(text.contains(LinkTokens.algorithm), "README \"Opt-out links\" does not name \(LinkTokens.algorithm)")
        #expect(text.contains("\(LinkTokens.keyDerivation)(link key, \"\(LinkTokens.keyLabel)\")"),
                "README \"Opt-out links\" does not give the key derivation")
        #expect(text.contains("`\(LinkTokens.messagePrefix)`"), "README \"Opt-out links\" does not give the message prefix")
    }

    /// The constants name what the code computes: a token is SipHash-2-4 of the prefix and the
    /// number under the first 16 bytes of HMAC-SHA256(key, label), in base 62.
    @Test func theAlgorithmConstantsAreWhatTheCodeComputes() {
        #expect(LinkTokens.algorithm == "SipHash-2-4" && LinkTokens.keyDerivation == "HMAC-SHA256")
        let key = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let number = PhoneNumber(unchecked: 447_700_900_321)
        let subkey = HMACSHA256.authenticationCode(key: key, message: Array(LinkTokens.keyLabel.utf8))
        var value = SipHash24(key: Array(subkey.prefix(16))).hash(Array((LinkTokens.messagePrefix + "+447700900321").utf8))
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var token = [Character](repeating: "0", count: LinkTokens.length)
        for i in stride(from: LinkTokens.length - 1, through: 0, by: -1) { token[i] = alphabet[Int(value % 62)]; value /= 62 }
        #expect(LinkTokens(key: key).token(for: number) == String(token))
    }

    @Test func theWrongExtensionMessageComesFromTheTable() {
        #expect(InputKind.lists.acceptedDescription == "(.csv, .tsv, .txt, .xlsx or .ods files)")
        #expect(InputKind.suppressions.acceptedDescription == "(.csv, .txt, .tsv, .xlsx or .ods files)")
        #expect(InputKind.campaigns.acceptedDescription == "(.txt templates)")
        #expect(InputKind.lists.accepts("People.TSV") && InputKind.lists.accepts("people.XLSX") && !InputKind.lists.accepts("people.xls"))
        #expect(ListFiles.extensions == InputKind.lists.acceptedExtensions)
    }
}
