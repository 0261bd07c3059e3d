import Arguments
import XCTest

/// Help layout: sections, the aligned description column, wrapping under
/// 80 columns, defaults, the usage line, hidden commands, usage errors.
final class HelpTests: XCTestCase {
    func testLayoutAlignmentWrappingAndDefaults() {
        let command = Command(
            name: "start", abstract: "Start it.",
            discussion: String(repeating: "word ", count: 40),
            arguments: [Positional("PKG", help: "The package.", default: ".")],
            options: [
                .string("pkg-path", valueName: "IDENT=PATH", help: "Twenty-three columns of label."),
                .int("bind-timeout", valueName: "SECONDS", default: 60, help: "A label too long for the column."),
                .flag("quiet", short: "q", help: String(repeating: "long ", count: 30)),
            ],
            run: { _ in })
        let text = Help.text([Command(name: "tool", version: "1", subcommands: [command]), command])
        XCTAssertEqual(text, """
            OVERVIEW: Start it.

            word word word word word word word word word word word word word word word word
            word word word word word word word word word word word word word word word word
            word word word word word word word word

            USAGE: tool start [<options>] [<PKG>]

            ARGUMENTS:
              <PKG>                   The package. (default: .)

            OPTIONS:
              --pkg-path <IDENT=PATH> Twenty-three columns of label.
              --bind-timeout <SECONDS>
                                      A label too long for the column. (default: 60)
              -q, --quiet             long long long long long long long long long long
                                      long long long long long long long long long long
                                      long long long long long long long long long long
              --version               Show the version.
              -h, --help              Show help information.

            """)
        for line in text.split(separator: "\n") {
            XCTAssertLessThan(line.count, 80, String(line))
        }
    }

    func testGroupListsVisibleSubcommandsOnly() {
        let root = Command(name: "tool", abstract: "A tool.", subcommands: [
            Command(name: "show", abstract: "Show it.", run: { _ in }),
            Command(name: "__probe", abstract: "Internal.", isHidden: true, run: { _ in }),
        ])
        XCTAssertEqual(Help.text([root]), """
            OVERVIEW: A tool.

            USAGE: tool <subcommand>

            OPTIONS:
              -h, --help              Show help information.

            SUBCOMMANDS:
              show                    Show it.

              See 'tool help <subcommand>' for detailed help.

            """)
    }

    func testUsageCollapsesOptionalOptionsWhenTheLineIsTooLong() {
        let options = (1...8).map { Option.string("option-\($0)", valueName: "VALUE", help: "") }
        let command = Command(name: "ensure", arguments: [Positional("FILE")],
                              options: [.string("cert", valueName: "PATH", required: true, help: "")] + options, run: { _ in })
        XCTAssertEqual(Help.usage([Command(name: "tool"), command]), "tool ensure --cert <PATH> [<options>] <FILE>")
        let short = Command(name: "health", arguments: [Positional("NAME", required: false)], options: [.flag("quiet", help: "")], run: { _ in })
        XCTAssertEqual(Help.usage([Command(name: "tool"), short]), "tool health [--quiet] [<NAME>]")
    }

    func testUsageMessageNamesTheWholeCommand() {
        let leaf = Command(name: "start", options: [.string("group", help: "Group.")], run: { _ in })
        let path = [Command(name: "roost", subcommands: [leaf]), leaf]
        XCTAssertEqual(CommandLineTool.usageMessage(UsageError("Unknown option '--x'"), path), """
            Error: Unknown option '--x'
            Usage: roost start [--group <group>]
              See 'roost start --help' for more information.

            """)
        XCTAssertEqual(CommandLineTool.usageMessage(UsageError("Missing value", about: "--group <group>  Group."), path), """
            Error: Missing value
            Help:  --group <group>  Group.
            Usage: roost start [--group <group>]
              See 'roost start --help' for more information.

            """)
    }
}
