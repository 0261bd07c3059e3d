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
    }

    // MARK: Where a helper's name is required

    func testASubexpressionAlwaysCallsAHelper() throws {
        // render.rs: a subexpression's name is looked up as a helper only.
        for source in ["{{(12)}}", "{{#if (x)}}y{{/if}}", "{{len (a.b)}}"] {
            XCTAssertThrowsError(try render(source, ["12": "v", "x": true, "a": ["b": [1]]]), source) { error in
                XCTAssertTrue((error as! RenderError).message.hasPrefix("Helper not found"), "\(error)")
            }
        }
        check("{{len (lookup a \"b\")}}", ["a": ["b": [1, 2]]], "2")
    }

    func testArgumentsAndBlocksNeedAHelperName() {
        // grammar.pest: `identifier ~ (hash|helper_parameter)+`, and exp_line
        // (blocks) starts with an identifier; `{{&…}}` holds a name only.
        let cases = [("{{a.b c}}", "not a helper name", 3), ("{{@index x}}", "not a helper name", 3),
                     ("{{#a.b}}x{{/a.b}}", "a block must start", 4),
                     ("{{&len l}}", "{{&…}} takes a name or path only", 4), ("{{x (a.b c)}}", "not a helper name", 6)]
        for (source, message, column) in cases {
            XCTAssertThrowsError(try Template(source: source, name: "t"), source) { error in
                let e = error as! TemplateError
                XCTAssertTrue(e.message.contains(message), "\(source): \(e.message)")
                XCTAssertEqual(e.column, column, source)
            }
        }
        check("{{&a.b}}|{{{len l}}}|{{#with a}}{{b}}{{/with}}", ["a": ["b": "<"], "l": [1]], "<|1|&lt;")
    }

    func testLiteralsAsArgumentsStayLiterals() {
        let data: Value = ["12": "bar", "true": false]
        check("{{#if true}}y{{else}}n{{/if}}", data, "y")
        check("{{eq 12 12}} [{{lookup this 12}}] {{lookup this \"12\"}}", data, "true [] bar")
        // `E` exponents are number literals (serde_json reads them as floats).
        check("{{eq 1E3 1000.0}}", [:], "true")
    }

    func testNumberLiteralsReadAsSerdeJSONReadsThem() {
        // 64-bit integers (unsigned above Int64.max), `-0` a float, the rest floats.
        check("{{#each [-0, 18446744073709551615, -9223372036854775809, 1E3]}}{{this}},{{/each}}", [:],
              "-0.0,18446744073709551615,-9.223372036854776e18,1000.0,")
        check("{{eq -0 0}}|{{eq -0 0.0}}|{{eq 18446744073709551615 u}}", ["u": .unsigned(UInt64.max)], "false|true|true")
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

    // MARK: Built-in helpers, as handlebars-rust 6.4 defines them

    func testComparisonHelpersWorkAsBlocks() {
        let data: Value = ["t": true, "f": false]
        check("{{#eq 1 1}}y{{else}}n{{/eq}}{{#ne 1 1}}y{{else}}n{{/ne}}{{#gt 2 1}}y{{/gt}}{{#lte 2 1}}y{{else}}n{{/lte}}", data, "ynyn")
        check("{{#not f}}y{{/not}}{{#and t f}}y{{else}}n{{/and}}{{#or t f}}y{{/or}}", data, "yny")
    }

    func testAndOrWithoutArguments() {
        check("{{and}}|{{or}}|{{#if (and)}}y{{/if}}", [:], "true|false|y")
    }

    func testLookupKeys() {
        let data: Value = ["o": ["0": "zero", "k": "v"], "l": [10, 20]]
        check("[{{lookup o 0}}][{{lookup o \"k\"}}][{{lookup l 1}}][{{lookup l 1.0}}][{{lookup l -1}}][{{lookup l \"1\"}}]", data,
              "[][v][20][][][]")
    }

    func testIncludeZeroMustBeTheBooleanTrue() {
        let data: Value = ["z": 0]
        check("{{#if z includeZero=true}}y{{else}}n{{/if}}{{#if z includeZero=1}}y{{else}}n{{/if}}{{#if z includeZero=\"true\"}}y{{else}}n{{/if}}",
              data, "ynn")
    }

    func testIfAndUnlessOutsideABlockRenderNothing() {
        check("[{{if t}}][{{unless t}}]{{#if (if t)}}y{{else}}n{{/if}}", ["t": true], "[][]n")
    }

    // MARK: Literals

    func testStringLiteralsTakeJSONEscapes() {
        check("{{len \"a\\nb\"}} {{len \"\\u00e9\"}} {{len \"\\ud83d\\ude00\"}} {{eq 'it\\'s' \"it's\"}} {{eq \"\\/\\t\" \"/\\u0009\"}}", [:],
              "3 2 4 true true")
        for source in ["{{len \"a\\xb\"}}", "{{len 'a\\\"'}}", "{{len \"\\ud83d\"}}", "{{len \"abc}}", "{{len \"a\tb\"}}", "{{len 'a\nb'}}"] {
            XCTAssertThrowsError(try Template(source: source, name: "t"), source)
        }
    }

    func testArrayAndObjectLiterals() {
        let data: Value = ["l": [1, 2], "key": "k", "o": ["k": "v"]]
        check("{{eq [1, 2] l}} {{len [ ]}} {{len [1,[2,3],{\"a\":null}]}} {{lookup [10, 20] 1}}", data, "true 0 3 20")
        check("{{eq {\"a\": 1} {\"a\": 1}}}|{{len {\"a\": true, \"b\": [false]}}}|{{#with {\"x\": \"y\"}}}{{x}}{{/with}}", data, "true|2|y")
        // Not a literal: a path segment in brackets.
        check("{{lookup o [key]}}|{{#with o}}{{[k]}}{{/with}}", data, "v|v")
        // The literal's text is read as JSON: single quotes only outside one.
        for source in ["{{len ['a']}}", "{{len {'a': 1}}}", "{{len [1, {\"b\": ['c']}]}}"] {
            XCTAssertThrowsError(try Template(source: source, name: "t"), source) { error in
                XCTAssertTrue((error as! TemplateError).message.contains("double quotes"), "\(error)")
            }
        }
    }

    // MARK: Grammar details

    func testRootAloneIsTheDataVariableRoot() {
        check("[{{@root}}][{{@root.x}}][{{#with a}}{{@root.x}}{{/with}}]", ["x": 1, "a": ["b": 2]], "[][1][1]")
    }

    func testAtMostTwoBlockParameters() {
        XCTAssertThrowsError(try Template(source: "{{#each l as |a b c|}}{{a}}{{/each}}", name: "t"))
        check("{{#each l as |a b|}}{{b}}{{a}}{{/each}}", ["l": ["x"]], "0x")
    }

    func testKeyValuePairsAndArgumentsInAnyOrder() {
        check("{{len x=1 l}}|{{lookup x=1 o \"k\"}}", ["l": [1, 2], "o": ["k": "v"]], "2|v")
    }

    func testRawBlockBodyStartsAfterWhitespaceAndItsCloseTagTakesSpaces() {
        check("{{{{raw}}}} \n {{x}} {{{{/raw}}}}|{{{{ raw }}}}a{{{{/ raw }}}}|{{{{raw}}}}b{{{{~/raw~}}}}", ["x": 1], "{{x}} |a|b")
        XCTAssertThrowsError(try Template(source: "{{{{raw}}}}a{{{{x}}}}b{{{{/raw}}}}", name: "t"))
    }

    func testThisSegmentsAndTheLoneDot() {
        let data: Value = ["a": ["b": 1], "l": [1, 2]]
        check("{{a.this.b}}|{{#each l}}{{./this}}{{/each}}|{{this.this.a.b}}|{{a.[this].b}}", data, "1|12|1|1")
        XCTAssertThrowsError(try Template(source: "{{.}}", name: "t")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("write this"), "\(error)")
        }
    }

    func testCommentsHaveNoWhitespaceControl() {
        // grammar.pest: `{{!--` … the first `--}}`, else `{{!` … the first
        // `}}`; a `~` inside is text. A space before `!` is no comment.
        check("{{!x~}}  y|{{!-- x --~}}  y", [:], "  y|  y")
        // The long form runs to the first `--}}`, even a later comment's.
        check("{{!-- a }} b --}}c|{{!-- x --~}}  y|{{!-- z --}}w", [:], "c|w")
        check("a\n  {{!x~}}\n  y", [:], "a\n  y")
        XCTAssertThrowsError(try Template(source: "{{ !x }}", name: "t"))
        XCTAssertThrowsError(try Template(source: "{{~!x}}", name: "t"))
    }

    func testSpacesBeforeTheEndAreNoLineBreak() {
        // A tag followed by spaces and then the end of the template does not
        // stand alone (handlebars-rust's starts_with_empty_line).
        check("{{#with o}}k\n{{/with}}  ", ["o": ["k": 1]], "k\n  ")
        check("{{#with o}}k\n{{/with}}", ["o": ["k": 1]], "k\n")
    }

    func testTildeReachesPastComments() {
        // Comments leave the last tag's `~` in force for the text after them.
        check("{{x~}} {{!c}}  \n  y|", ["x": "X"], "Xy|")
        check("{{x~}} a {{!c}} b", ["x": "X"], "Xa b")
    }

    func testStandaloneTagWithTildeMovesItsLineTrimToTheNextText() {
        // handlebars-rust: the line removal of `{{#if t~}}` is not used up by
        // the whitespace its `~` already removed, so it applies after `{{v}}`.
        check("{{#if t~}}\n{{v}}\n{{/if}}X", ["t": true], "X")
        check("{{#if t~}} {{v}}\n{{/if}}X", ["t": true], "\nX")
        check("{{#if t~}}\n{{v}}\n{{#if t}}\nZ{{/if}}{{/if}}X", ["t": true], "ZX")
    }

    func testWithBindsOnlyASingleBlockParameter() {
        check("{{#with o as |v i|}}[{{v}}]{{/with}}{{#with o as |v|}}[{{v.k}}]{{/with}}", ["o": ["k": "v"]], "[][v]")
    }

    func testObjectLiteralInsideTripleStash() {
        check("{{{len {\"a\":{\"b\":1}}}}}", [:], "1")
    }

    func testRawBlockTagsAloneOnTheirLinesGoWithThem() {
        check("  {{{{raw}}}}\n{{x}}\n{{{{/raw}}}}\n", [:], "{{x}}\n")
        check("a\n  {{{{raw}}}}\n  {{x}}\n  {{{{/raw}}}}\nb", [:], "a\n{{x}}\nb")
        check("a {{{{raw}}}}\n{{x}}\n{{{{/raw}}}} b", [:], "a {{x}}\n b")
        check("{{{{raw}}}}\r\nx\r\n{{{{/raw}}}}\r\nb", [:], "x\r\nb")
    }

    // MARK: Partials, as handlebars-rust scopes them

    func testInlinePartialsAreDefinedWhereTheyStandInTheCurrentScope() throws {
        let data: Value = ["t": true, "o": ["k": "v"]]
        // Not hoisted: a later definition replaces an earlier one from there on.
        check("{{#*inline \"p\"}}A{{/inline}}{{> p}}{{#*inline \"p\"}}B{{/inline}}{{> p}}", data, "AB")
        XCTAssertThrowsError(try render("{{> p}}{{#*inline \"p\"}}X{{/inline}}", data))
        // `if` opens no scope, so its definition outlives it; `with` does.
        check("{{#if t}}{{#*inline \"p\"}}Q{{/inline}}{{/if}}{{> p}}", data, "Q")
        XCTAssertThrowsError(try render("{{#with o}}{{#*inline \"p\"}}{{k}}{{/inline}}{{/with}}{{> p}}", data))
    }

    func testAPartialIsAScopeOfItsOwn() {
        let data: Value = ["o": ["k": "v"], "l": [1, 2], "s": "str"]
        check("{{#*inline \"p\"}}[{{../k}}]{{/inline}}{{#with o}}{{> p}}{{/with}}", data, "[v]")
        // key=value pairs are merged into the context and are block parameters.
        check("{{#*inline \"p\"}}{{#each ../l}}{{a}}{{/each}}{{/inline}}{{> p a=1}}", data, "11")
        check("{{#*inline \"p\"}}{{0}}{{1}}|{{k}}{{/inline}}{{> p l a=1}}{{> p o a=1}}", data, "12||v")
        check("{{#*inline \"p\"}}{{0}}{{1}}{{/inline}}{{> p s a=1}}", data, "st")
        // Only the first argument counts.
        check("{{#*inline \"p\"}}{{k}}{{/inline}}{{> p o l}}", data, "v")
    }

    func testPartialNames() {
        XCTAssertThrowsError(try Template(source: "{{> \"p\"}}", name: "t"))
        // A single-quoted name keeps its quotes.
        XCTAssertThrowsError(try render("{{#*inline \"p\"}}X{{/inline}}{{> 'p'}}", [:])) { error in
            XCTAssertTrue("\(error)".contains("'p'"), "\(error)")
        }
        check("{{#*inline \"a/b.c\"}}X{{/inline}}{{> a/b.c}}", [:], "X")
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
