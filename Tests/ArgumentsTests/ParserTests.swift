import Arguments
import XCTest

/// Parsing: every error path, the `=` form, `--`, negative numbers,
/// repeated options, short flags, subcommands, help and version.
final class ParserTests: XCTestCase {
    static let leaf = Command(
        name: "start", abstract: "Start it.",
        arguments: [Positional("PKG", help: "The package.", default: ".")],
        options: [
            .string("group", default: "default", help: "Group."),
            .string("svc-root", valueName: "DIR", help: "Where."),
            .int("timeout", valueName: "SECONDS", default: 60, help: "Seconds."),
            .int("limit", help: "No default."),
            .strings("bind", valueName: "SPEC", help: "Repeatable."),
            .flag("check", help: "Check only."),
            .flag("quiet", short: "q", help: "Quiet."),
            .flag("verbose", short: "v", help: "Verbose."),
            .string("format", default: "toml", choices: ["toml", "json"], help: "Format."),
            Option(long: "output", short: "o", valueName: "FILE", help: "Output.", kind: .string),
        ],
        run: { _ in }
    )
    static let required = Command(
        name: "ensure",
        arguments: [Positional("FILE", help: "The file.")],
        options: [.string("cert", valueName: "PATH", required: true, help: "Certificate.")],
        run: { _ in }
    )
    static let root = Command(
        name: "tool", abstract: "A tool.", version: "1.2.3",
        subcommands: [leaf, Command(name: "cert", abstract: "Certificates.", subcommands: [required]),
                      Command(name: "__hidden", isHidden: true, run: { _ in })]
    )

    /// Subcommands declared by name are built only when a command line
    /// names them, or when help lists them.
    func testLazySubcommandsAreBuiltWhenNamed() {
        final class Built: @unchecked Sendable { var names: [String] = [] }
        let built = Built()
        func declared(_ name: String, hidden: Bool = false) -> Subcommand {
            Subcommand(name) {
                built.names.append(name)
                return Command(name: name, abstract: "The \(name) command.", isHidden: hidden, run: { _ in })
            }
        }
        let tool = Command(name: "tool", subcommands: [declared("one"), declared("two"), declared("__three", hidden: true)])
        guard case .run(let path, _) = Parser.resolve(tool, ["two"]) else { return XCTFail("two did not parse") }
        XCTAssertEqual(path.map(\.name), ["tool", "two"])
        XCTAssertEqual(built.names, ["two"])
        guard case .help(let text) = Parser.resolve(tool, ["--help"]) else { return XCTFail("no help") }
        XCTAssertTrue(text.contains("one                     The one command."), text)
        XCTAssertFalse(text.contains("__three"), text)
        guard case .failure(_, let error) = Parser.resolve(tool, ["four"]) else { return XCTFail("four parsed") }
        XCTAssertEqual(error.message, "Unknown command 'four'")
    }

    func parsed(_ words: [String], file: StaticString = #filePath, line: UInt = #line) -> ParsedArguments? {
        guard case .run(_, let parsed) = Parser.resolve(Self.root, words) else {
            XCTFail("\(words) did not parse: \(Parser.resolve(Self.root, words))", file: file, line: line)
            return nil
        }
        return parsed
    }

    func failure(_ words: [String]) -> UsageError? {
        if case .failure(_, let error) = Parser.resolve(Self.root, words) { return error }
        return nil
    }

    func testDefaultsWhenNothingIsGiven() throws {
        let p = try XCTUnwrap(parsed(["start"]))
        XCTAssertEqual(p.command.name, "start")
        XCTAssertEqual(p.string("group"), "default")
        XCTAssertNil(p.optionalString("svc-root"))
        XCTAssertEqual(p.int("timeout"), 60)
        XCTAssertNil(p.optionalInt("limit"))
        XCTAssertEqual(p.strings("bind"), [])
        XCTAssertFalse(p.flag("check"))
        XCTAssertEqual(p.argument("PKG"), ".")
    }

    func testValuesSpaceAndEqualsFormsAndPositional() throws {
        let p = try XCTUnwrap(parsed(["start", "--group", "g1", "--svc-root=/x=y", "--timeout=7", "pkg", "--check", "-q"]))
        XCTAssertEqual(p.string("group"), "g1")
        XCTAssertEqual(p.optionalString("svc-root"), "/x=y", "only the first '=' separates")
        XCTAssertEqual(p.int("timeout"), 7)
        XCTAssertEqual(p.argument("PKG"), "pkg")
        XCTAssertTrue(p.flag("check"))
        XCTAssertTrue(p.flag("quiet"))
        XCTAssertFalse(p.flag("verbose"))
        XCTAssertEqual(try XCTUnwrap(parsed(["start", "--svc-root="])).optionalString("svc-root"), "",
                       "an empty value is the command's to judge")
    }

    func testRepeatedSingleValueOptionLastWinsRepeatableKeepsAll() throws {
        let p = try XCTUnwrap(parsed(["start", "--group", "a", "--group=b", "--bind", "x=1", "--bind=y=2", "--check", "--check"]))
        XCTAssertEqual(p.string("group"), "b")
        XCTAssertEqual(p.strings("bind"), ["x=1", "y=2"])
        XCTAssertTrue(p.flag("check"))
    }

    func testNumbersMayBeNegativeAndAreCheckedWhileParsing() throws {
        XCTAssertEqual(try XCTUnwrap(parsed(["start", "--timeout", "-5"])).int("timeout"), -5)
        XCTAssertEqual(try XCTUnwrap(parsed(["start", "--limit=-1"])).optionalInt("limit"), -1)
        for bad in ["abc", "1.5", "", "99999999999999999999999", "5s"] {
            let error = failure(["start", "--timeout", bad])
            XCTAssertEqual(error?.message, "The value '\(bad)' is invalid for '--timeout <SECONDS>': expected a whole number")
            XCTAssertEqual(error?.about, "--timeout <SECONDS>  Seconds.")
        }
    }

    func testTextValueMayNotLookLikeAnOption() {
        XCTAssertEqual(failure(["start", "--group", "--check"])?.message, "Missing value for '--group <group>'")
        XCTAssertEqual(failure(["start", "--group", "-q"])?.message, "Missing value for '--group <group>'")
        XCTAssertEqual(failure(["start", "--group"])?.message, "Missing value for '--group <group>'")
        XCTAssertEqual(failure(["start", "--group"])?.about, "--group <group>  Group.")
        XCTAssertEqual(parsed(["start", "--group", "-"])?.string("group"), "-", "'-' alone is a value (standard input)")
    }

    func testUnknownOptionsLongShortAndGrouped() {
        XCTAssertEqual(failure(["start", "--no-such-option"])?.message, "Unknown option '--no-such-option'")
        XCTAssertEqual(failure(["start", "--no-such=1"])?.message, "Unknown option '--no-such'")
        XCTAssertEqual(failure(["start", "-x"])?.message, "Unknown option '-x'")
        XCTAssertEqual(failure(["start", "-qx"])?.message, "Unknown option '-x'")
        let grouped = parsed(["start", "-qv"])
        XCTAssertEqual(grouped?.flag("quiet"), true)
        XCTAssertEqual(grouped?.flag("verbose"), true)
    }

    func testShortOptionWithAValueTakesTheNextWordAndOnlyLastInAGroup() {
        XCTAssertEqual(parsed(["start", "-o", "out.txt"])?.optionalString("output"), "out.txt")
        let grouped = parsed(["start", "-qo", "out.txt"])
        XCTAssertEqual(grouped?.optionalString("output"), "out.txt")
        XCTAssertEqual(grouped?.flag("quiet"), true)
        XCTAssertEqual(failure(["start", "-oq", "out.txt"])?.message, "Missing value for '-o <FILE>'")
        XCTAssertEqual(failure(["start", "-o"])?.message, "Missing value for '--output <FILE>'")
    }

    func testFlagTakesNoValue() {
        XCTAssertEqual(failure(["start", "--check=yes"])?.message,
                       "The option '--check' does not take any value, but 'yes' was specified.")
    }

    func testChoices() {
        XCTAssertEqual(parsed(["start", "--format", "json"])?.string("format"), "json")
        XCTAssertEqual(failure(["start", "--format", "xml"])?.message,
                       "The value 'xml' is invalid for '--format <format>': expected toml or json")
    }

    func testPositionalsExtraMissingAndAfterDoubleDash() throws {
        XCTAssertEqual(failure(["start", "a", "b"])?.message, "Unexpected argument 'b'")
        let p = try XCTUnwrap(parsed(["start", "--check", "--", "--group"]))
        XCTAssertEqual(p.argument("PKG"), "--group", "after --, words are arguments")
        XCTAssertEqual(p.string("group"), "default")
        let missing = failure(["cert", "ensure", "--cert", "c"])
        XCTAssertEqual(missing?.message, "Missing expected argument '<FILE>'")
        XCTAssertEqual(missing?.about, "<FILE>  The file.")
    }

    func testMissingRequiredOption() {
        let error = failure(["cert", "ensure", "f"])
        XCTAssertEqual(error?.message, "Missing expected argument '--cert <PATH>'")
        XCTAssertEqual(error?.about, "--cert <PATH>  Certificate.")
        XCTAssertEqual(parsed(["cert", "ensure", "f", "--cert", "c"])?.string("cert"), "c")
    }

    func testUnknownCommandsAndGroups() {
        XCTAssertEqual(failure(["nosuch"])?.message, "Unknown command 'nosuch'")
        XCTAssertEqual(failure(["cert", "nosuch"])?.message, "Unknown command 'nosuch'")
        XCTAssertEqual(failure(["help", "nosuch"])?.message, "Unknown command 'nosuch'")
        XCTAssertEqual(failure(["cert", "--bogus"])?.message, "Unknown option '--bogus'")
        guard case .help(let text) = Parser.resolve(Self.root, ["cert"]) else { return XCTFail("a group alone shows its help") }
        XCTAssertTrue(text.hasPrefix("OVERVIEW: Certificates.\n"), text)
        guard case .run = Parser.resolve(Self.root, ["__hidden"]) else { return XCTFail("hidden commands still run") }
    }

    func testHelpAndVersionWinOverOtherWordsBeforeDoubleDash() {
        for words in [["start", "--help"], ["start", "--bogus", "-h"], ["help", "start"]] {
            guard case .help(let text) = Parser.resolve(Self.root, words) else { return XCTFail("\(words)") }
            XCTAssertEqual(text, Help.text([Self.root, Self.leaf]), "\(words)")
        }
        guard case .help(let nested) = Parser.resolve(Self.root, ["help", "cert", "ensure"]) else { return XCTFail() }
        XCTAssertEqual(nested, Help.text([Self.root, Self.root.subcommand("cert")!, Self.required]))
        for words in [["--version"], ["start", "--version"], ["cert", "ensure", "--version"]] {
            guard case .version(let v) = Parser.resolve(Self.root, words) else { return XCTFail("\(words)") }
            XCTAssertEqual(v, "1.2.3", "inherited from the root")
        }
        guard case .run(_, let p) = Parser.resolve(Self.root, ["start", "--", "--help"]) else { return XCTFail() }
        XCTAssertEqual(p.argument("PKG"), "--help")
    }
}
