import XCTest
import Handlebars

/// The engine alone, with its defaults (handlebars-rust's registry: HTML
/// escaping on, the built-in helpers only). Each case names the
/// handlebars-rust 6 rule it follows.
final class EngineTests: XCTestCase {
    func render(_ source: String, _ data: Value, _ engine: Handlebars = Handlebars()) throws -> String {
        try engine.render(try Template(source: source, name: "t"), data)
    }

    func check(_ source: String, _ data: Value, _ expected: String, _ engine: Handlebars = Handlebars(),
               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try render(source, data, engine), expected, source, file: file, line: line)
    }

    // MARK: Escaping (registry setting, like handlebars-rust's escape fn)

    func testDoubleStashEscapesHTMLByDefault() {
        let data: Value = ["h": "<a href=\"x\" title='y'>&`=</a>"]
        check("{{h}}", data, "&lt;a href&#x3D;&quot;x&quot; title&#x3D;&#x27;y&#x27;&gt;&amp;&#x60;&#x3D;&lt;/a&gt;")
        check("é {{h}}", ["h": "ü<"], "é ü&lt;")
    }

    func testTripleStashAndAmpersandAreNeverEscaped() {
        let data: Value = ["h": "<b>&'"]
        check("{{{h}}}|{{&h}}|{{~{h}~}}", data, "<b>&'|<b>&'|<b>&'")
    }

    func testHelperValuesAreEscapedBlockOutputIsNot() {
        let data: Value = ["o": ["k": "<v>"], "h": "<b>"]
        check("{{lookup o \"k\"}}", data, "&lt;v&gt;")
        check("{{#if h}}<i>{{h}}</i>{{/if}}", data, "<i>&lt;b&gt;</i>")
        check("{{#with o}}{{{k}}}{{/with}}", data, "<v>")
    }

    func testEscapingCanBeTurnedOffOrReplaced() {
        var plain = Handlebars()
        plain.escaping = .none
        check("{{h}}{{{h}}}", ["h": "<&>"], "<&><&>", plain)
        var shout = Handlebars()
        shout.escaping = .custom { $0.uppercased() }
        check("{{h}}-{{{h}}}", ["h": "ab"], "AB-ab", shout)
    }

    func testNumbersAndArraysAreEscapedAsPrinted() {
        check("{{a}} {{l}}", ["a": 1.5, "l": ["<", 2]], "1.5 [&lt;, 2]")
    }

    // MARK: A literal-looking word as the whole expression is a path

    func testNumberOrBooleanAsTheExpressionIsALookup() {
        let data: Value = ["12": "bar", "true": "T", "false": "F", "null": "N", "-1": "neg", "1E5": "e"]
        check("{{12}}|{{true}}|{{false}}|{{null}}|{{-1}}|{{1E5}}", data, "bar|T|F|N|neg|e")
        check("[{{12}}][{{true}}][{{false}}]", ["x": 1], "[][][]")
        check("{{#with o}}{{0}}{{/with}}", ["o": ["0": "zero"]], "zero")
        check("{{#each l}}{{1}}{{/each}}", ["l": [["1": "a"], ["1": "b"]]], "ab")
        check("{{(12)}}", ["12": "sub"], "sub")
    }

    func testLiteralsAsArgumentsStayLiterals() {
        let data: Value = ["12": "bar", "true": false]
        check("{{#if true}}y{{else}}n{{/if}}", data, "y")
        check("{{eq 12 12}} {{lookup this 12}}", data, "true bar")
        check("{{len (lookup this 12)}}", data, "3")
        // `E` exponents are number literals (serde_json reads them as floats).
        check("{{eq 1E3 1000.0}}", [:], "true")
    }

    func testAStringLiteralCannotStartATag() {
        for source in ["{{\"s\"}}", "{{'s'}}", "{{#\"s\"}}x{{/s}}"] {
            XCTAssertThrowsError(try Template(source: source, name: "t"), source) { error in
                XCTAssertTrue((error as! TemplateError).message.contains("string literal"), "\(error)")
            }
        }
    }

    // MARK: Block helpers without their parameter are render errors

    func testBuiltinBlockHelpersRequireTheirParameter() throws {
        for name in ["if", "unless", "each", "with"] {
            let template = try Template(source: "a\n  {{#\(name)}}x{{else}}y{{/\(name)}}", name: "t")
            XCTAssertThrowsError(try Handlebars().render(template, ["x": 1]), name) { error in
                let e = error as! RenderError
                XCTAssertEqual(e.message, "Param not found for helper \"\(name)\"")
                XCTAssertEqual([e.line, e.column], [2, 3])
            }
        }
        for source in ["{{not}}", "{{len}}", "{{#if (not)}}x{{/if}}"] {
            XCTAssertThrowsError(try render(source, [:]), source)
        }
    }

    func testAMissingPathIsStillAParameter() {
        // `{{#if nope}}`: the parameter is there, its value is null.
        check("{{#if nope}}y{{else}}n{{/if}}{{#each nope}}x{{else}}e{{/each}}{{#with nope}}w{{else}}v{{/with}}{{not nope}}",
              [:], "nevtrue")
    }

    // MARK: Whitespace control on a triple-stash

    func testTripleStashWhitespaceControl() {
        let data: Value = ["x": "X"]
        check("a  {{~{x}~}}  b", data, "aXb")
        check("a  {{~ { x } ~}}  b", data, "aXb")
        check("a  {{{~x~}}}  b", data, "aXb")
        check("a  {{{x}~}}  b", data, "a  Xb")
        check("a  {{~{x}}}  b", data, "aX  b")
        check("a\n\n{{~{x}~}}\n\nb", data, "aXb")
        check("{{{x}}}}", data, "X}")
    }

    func testUnclosedTripleStashIsAParseError() {
        XCTAssertThrowsError(try Template(source: "a {{{x}}", name: "t")) { error in
            let e = error as! TemplateError
            XCTAssertEqual([e.line, e.column], [1, 3])
            XCTAssertTrue(e.message.contains("}}}"), e.message)
        }
        XCTAssertThrowsError(try Template(source: "{{~{x}", name: "t"))
    }

    // MARK: Helper API

    func testHelperParamIsNilOnlyWhenAbsent() throws {
        var engine = Handlebars()
        engine.registerHelper("probe") { call in
            .string([0, 1].map { call.param($0).map { "\($0)" } ?? "absent" }.joined(separator: ","))
        }
        check("{{probe nope}}", [:], "null,absent", engine)
        check("{{probe}}", [:], "absent,absent", engine)
    }
}
