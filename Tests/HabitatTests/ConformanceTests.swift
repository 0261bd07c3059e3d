import XCTest
import Handlebars
import Habitat
import TOML

/// Template and helper conformance cases 26–56 of
/// ../shared/spec/habitat-semantics.md section 10 (handlebars-rust truth).
final class ConformanceTests: XCTestCase {
    let renderer = HabitatHelpers.makeRenderer()

    func render(_ source: String, _ data: Value, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            return try renderer.render(try Template(source: source, name: "t"), data)
        } catch {
            return nil
        }
    }

    func check(_ source: String, _ data: Value, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(render(source, data), expected, source, file: file, line: line)
    }

    func cfg(_ toml: String) throws -> Value {
        .object(["cfg": .object(Object(table: try TOML.decode(toml)))])
    }

    func testPrinting() throws {
        check("{{cfg.missing}}", try cfg(""), "")                                          // 26
        check("{{cfg.v}}", try cfg("v = \"<a href='x'>&\""), "<a href='x'>&")              // 27
        check("{{cfg.t}}", try cfg("[t]\nx=1"), "[object]")                                 // 28
        check("{{cfg.arr}}", try cfg("arr = [1, \"a\", true]"), "[1, a, true]")           // 29
        check("{{cfg.f}}", try cfg("f = 1.0"), "1.0")                                       // 30
        check("{{cfg.f}}", try cfg("f = 0.5"), "0.5")
        check("{{pkg.exposes}}", ["pkg": ["exposes": ["2112"]]], "[2112]")                 // 37
        check("{{cfg.when}}", try cfg("when = 1979-05-27T07:32:00Z"), "[object]")           // 38
    }

    func testTruthiness() throws {                                                           // 31
        let t = "{{#if cfg.z}}y{{else}}n{{/if}}"
        check(t, try cfg("z = 0"), "n")
        check(t, try cfg("z = \"0\""), "y")
        check(t, try cfg("[z]"), "n")
        check(t, try cfg("z = []"), "n")
    }

    func testPaths() throws {
        let members: Value = ["svc": ["members": [["member_id": "a1"], ["member_id": "b2"]]]]
        check("{{svc.members.length}}", members, nil)                                       // 32
        check("{{svc.members.[0].member_id}}", members, "a1")
        check("{{cfg.backlog-size}}", try cfg("backlog-size = 200"), "200")                 // 33
        check("{{cfg.[a.b]}}", try cfg("\"a.b\" = 1"), "1")
        check("{{#each cfg.t}}{{@key}}={{this}};{{/each}}", try cfg("[t]\nz=1\na=2"), "z=1;a=2;") // 34
        check("a\n{{#if x}}\nb\n{{/if}}\nc", ["x": true], "a\nb\nc")                        // 35
        check("{{cfg[key]}}", try cfg("key = 1"), nil)                                       // 36
    }

    func testSerializerHelpers() throws {
        let x: Value = ["x": ["test": "something"]]
        check("{{toJson x}}", x, "{\n  \"test\": \"something\"\n}")                         // 39
        check("{{toJson cfg.l}}", try cfg("l = [1, 2]"), "[\n  1,\n  2\n]")                  // 40
        check("{{toJson cfg.nope}}", try cfg(""), "null")
        check("{{toToml x}}", x, "test = \"something\"\n")                                   // 41
        check("{{toToml cfg.l}}", try cfg("l = [\"x86_64-linux\"]"), "[\"x86_64-linux\"]")   // 42
        check("{{toToml cfg.l}}", try cfg("l = [1, 2]"), "[1, 2]")
        check("{{toToml cfg}}", try cfg("b = 2\n[a]\nx = 1"), "b = 2\n\n[a]\nx = 1\n")       // 43
        check("{{toToml cfg.s}}", try cfg("s = 'C:\\dir'"), "'C:\\dir'")                     // 44
        check("{{toToml cfg.s}}", try cfg("s = \"plain\""), "\"plain\"")
        check("{{toToml cfg.nope}}", try cfg(""), nil)                                        // 45
        check("{{toYaml x}}", x, "test: something\n")                                        // 46
        check("{{toYaml cfg}}", try cfg("s = \"true\"\nn = \"007\"\ne = \"\""), "s: 'true'\nn: '007'\ne: ''\n") // 47
        check("{{toYaml cfg}}", try cfg("list = [1, 2]"), "list:\n- 1\n- 2\n")               // 48
        check("{{toYaml cfg}}", try cfg("[m]\nk = \"v\""), "m:\n  k: v\n")
    }

    func testStringHelpers() throws {
        check("{{strConcat \"foo\" \"bar\" \"baz\"}}", [:], "foobarbaz")                    // 49
        check("{{strConcat \"a\" 1 true cfg.nope}}", try cfg(""), "a1truenull")
        check("{{strConcat \"say \\\"hi\\\"\"}}", [:], "say \\hi\\")                          // 50
        check("{{strConcat cfg.t \"x\"}}", try cfg("[t]\nk=1"), "x")
        let join = "{{strJoin l \",\"}}"                                                     // 51
        check(join, ["l": ["foo", "bar", "baz"]], "foo,bar,baz")
        check(join, ["l": [["foo": "bar"]]], "")
        check(join, ["l": ["a", [1, 2]]], "a,[1,2]")
        check(join, ["l": "str"], nil)
        check("{{strReplace \"this is old\" \"old\" \"new\"}}", [:], "this is new")         // 52
        check("{{strReplace \"abc\" \"\" \"-\"}}", [:], "-a-b-c-")
        check("{{strReplace cfg.port \"1\" \"2\"}}", try cfg("port = 1"), nil)
        check("{{toUppercase \"value\"}}", [:], "VALUE")                                     // 53
        check("{{toUppercase \"straße\"}}", [:], "STRASSE")
        check("{{toLowercase \"VALUE\"}}", [:], "value")
        check("{{toUppercase 5}}", [:], nil)
    }

    func testLogRendersNothing() {
        // handlebars-rust's `log` writes to the Supervisor's log and renders nothing.
        check("a{{log \"x\"}}b", [:], "ab")
        check("a{{log cfg.v level=\"warn\"}}b", ["cfg": ["v": 1]], "ab")
        check("{{#if (log 1)}}y{{else}}n{{/if}}", [:], "n")
    }

    func testStrictPkgPathForNamesTheIdent() throws {
        let strict = HabitatHelpers.makeRenderer(HabitatHelpers(strictPkgPathFor: true))
        let data: Value = ["pkg": ["deps": []]]
        XCTAssertThrowsError(try strict.render(try Template(source: "x{{pkgPathFor \"core/zzz\"}}", name: "t"), data)) { error in
            XCTAssertTrue("\(error)".contains("core/zzz"), "\(error)")
        }
    }

    func testPkgPathFor() {                                                                   // 54
        let data: Value = ["pkg": ["deps": [["origin": "core", "name": "acl", "version": "2.2.52", "release": "20161208223311"]]]]
        check("{{pkgPathFor \"core/acl\"}}", data, "/hab/pkgs/core/acl/2.2.52/20161208223311")
        check("{{pkgPathFor \"core/zzz\"}}", data, "")
        check("{{pkgPathFor \"core\"}}", data, nil)
    }

    func testEachAlive() {                                                                    // 55, 56
        let members: Value = ["svc": ["members": [["member_id": "A", "alive": true], ["member_id": "B", "alive": false],
                                                  ["member_id": "C", "alive": true]]]]
        check("{{#eachAlive svc.members as |m|}}{{m.member_id}} {{@index}} {{@first}} {{@last}};{{/eachAlive}}", members,
              "A 1 true false;C 2 false true;")
        let t = "{{#eachAlive l}}x{{else}}E{{/eachAlive}}"
        check(t, ["l": []], "E")
        check(t, ["l": [["alive": false]]], "")
        check(t, [:], "E")
        check(t, ["l": "s"], nil)
    }

    /// Where roost's engine differed from handlebars-rust (issue 13, item 5),
    /// checked against handlebars-rust 6's grammar.pest and helpers.
    func testLiteralWordsAsTheExpressionAreLookups() {
        // grammar: a mustache holds a `name` (subexpression or path), never a
        // literal, and digits, `true` and `false` are identifier characters.
        check("{{12}}", ["12": "bar"], "bar")
        check("{{12}}", [:], "")
        check("{{true}}|{{false}}", ["true": "T", "false": "F"], "T|F")
        check("{{true}}|{{false}}", [:], "|")
        check("{{#if true}}y{{/if}}{{strConcat 12 true}}", ["12": "x", "true": false], "y12true")
    }

    func testBlockHelpersWithoutTheirParameterAreRenderErrors() {
        // helper_if.rs, helper_each.rs, helper_with.rs: `h.param(0)` or
        // ParamNotFoundForIndex; each_alive.rs alike.
        for name in ["each", "if", "unless", "with", "eachAlive"] {
            check("{{#\(name)}}x{{else}}y{{/\(name)}}", ["x": 1], nil)
        }
        check("{{toJson}}", [:], nil)
        check("{{#if cfg.nope}}x{{else}}y{{/if}}", try! cfg(""), "y")
    }

    func testTripleStashWhitespaceControl() {
        // grammar: html_expression_triple_bracket takes `~` outside the braces,
        // the legacy form inside them.
        let data: Value = ["x": "<X>"]
        check("a \n{{~{x}~}}\n b", data, "a<X>b")
        check("a {{~ {x} ~}} b", data, "a<X>b")
        check("a {{{~x~}}} b", data, "a<X>b")
        check("a {{{x}~}} b", data, "a <X>b")
    }

    func testNoEscapingInAnyForm() {                                                        // spec 3.1
        let data: Value = ["h": "<a href=\"x\">&'`="]
        check("{{h}}|{{{h}}}|{{&h}}|{{~{h}~}}|{{lookup this \"h\"}}", data,
              Array(repeating: "<a href=\"x\">&'`=", count: 5).joined(separator: "|"))
    }

    func testParseErrorsNamePosition() {
        XCTAssertThrowsError(try Template(source: "a\n  {{#if x}}\nb\n", name: "t")) { error in
            let e = error as! TemplateError
            XCTAssertEqual([e.line, e.column], [2, 3])
            XCTAssertTrue(e.message.contains("unclosed block 'if'"), e.message)
        }
        XCTAssertThrowsError(try Template(source: "{{#if x}}{{/each}}", name: "t")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("does not match"))
        }
        XCTAssertThrowsError(try Template(source: "{{foo", name: "t"))
    }
}
