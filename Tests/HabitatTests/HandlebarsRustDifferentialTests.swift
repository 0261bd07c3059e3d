import Foundation
import XCTest
import Handlebars
import SeededRandom
import Habitat

/// Small templates rendered by roost's engine with Habitat's settings,
/// checked against real handlebars-rust 6.4.3's answers with the same
/// settings and Habitat's helpers, recorded once into
/// Fixtures/handlebars-rust-6.4.3.json: the same output, or an error from
/// both. The fixture is in the repository, so this never skips; see
/// `recordIfAsked` to record it again from an already built harness.
final class HandlebarsRustDifferentialTests: XCTestCase {
    static let data = #"""
{"12": "bar", "true": "T", "false": "F", "null": "N", "-1": "neg", "1E5": "e", "x": "<X>", "a": {"b": "<"}, "l": [1, 2], "t": true, "f": false, "h": "<b>&'`=", "o": {"0": "zero", "k": "v"}, "s": "str", "z": 0, "key": "k", "[key]": 1, "f1": 1.0, "f2": 0.1, "f3": 1e+21, "f4": 1.5e-07, "f5": -0.0, "f6": 123456789012345678, "f7": 1e+16, "f8": 1e-05, "i": -5, "u": 18446744073709551615, "big": 9223372036854775807, "e": "", "sp": " a ", "nl": "a\nb", "arr": [1.0, [2, [3]], {"k": null}, null, true], "obj": {"a": {"b": {"c": "deep"}}, "x-y": 1, "a.b": 2, "$z": 3, ":c": 4, "é": 5, "1": "one"}, "m": [{"alive": true, "n": "a", "cfg": {"port": 1}}, {"alive": false, "n": "b"}]}
"""#

    /// One template per line (a raw string: backslashes and tabs are the
    /// template's). Left out: a partial that includes itself
    /// (`{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}`), on which handlebars-rust
    /// overflows its stack and aborts; roost reports an error (RobustnessTests).
    static let cases = #"""
{{12}}
{{13}}
{{true}}|{{false}}|{{null}}
{{-1}}
{{1E5}}
{{1.5}}
{{#with o}}{{0}}{{/with}}
{{(12)}}
{{#if (x)}}y{{/if}}
{{len (a.b)}}
{{len (lookup a "b")}}
{{#each}}x{{/each}}
{{#if}}x{{/if}}
{{#unless}}x{{/unless}}
{{#with}}x{{/with}}
{{#each}}x{{else}}y{{/each}}
{{not}}
{{len}}
{{#if nope}}y{{else}}n{{/if}}
{{#each nope}}x{{else}}e{{/each}}
a  {{~{x}~}}  b
a  {{~ { x } ~}}  b
a  {{{~x~}}}  b
a  {{{x}~}}  b
a  {{~{x}}}  b
{{{x}}}}
a {{{x}}
{{~{x}
{{a.b c}}
{{@index x}}
{{#a.b}}x{{/a.b}}
{{#if t}}{{else ../x}}{{/if}}
{{&len l}}
{{x (a.b c)}}
{{&a.b}}|{{{len l}}}
{{h}}{{{h}}}{{&h}}
{{"s"}}
{{'s'}}
{{#"s"}}x{{/s}}
{{eq 1E3 1000.0}}
{{eq 12 12}} {{lookup this 12}}
{{#if true}}y{{/if}}
{{{else}}}
{{&12}}
{{{12}}}
{{#12}}x{{/12}}
{{12 x}}
{{lookup this "true"}}
{{#with true}}{{this}}{{/with}}
{{log}}
{{and}}
{{or t}}
{{eq 1}}
{{#if t}}A{{else if}}B{{/if}}
{{ {x} }}
{{{ x }}}
{{{{raw}}}}{{x}}{{{{/raw}}}}
{{[12]}}
{{this.12}}
{{./12}}
{{#each l}}{{@index}}{{/each}}
{{@root.12}}
{{#eq 1 1}}y{{else}}n{{/eq}}
{{#ne 1 1}}y{{else}}n{{/ne}}
{{#gt 2 1}}y{{else}}n{{/gt}}
{{#not f}}y{{else}}n{{/not}}
{{#and t f}}y{{else}}n{{/and}}
{{#or t f}}y{{else}}n{{/or}}
{{and}}|{{or}}
{{#if (and)}}y{{else}}n{{/if}}
{{lookup this 12}}
{{lookup l 1}}|{{lookup l 1.0}}|{{lookup l -1}}|{{lookup l "1"}}
{{lookup o 0}}
{{#if z includeZero=true}}y{{else}}n{{/if}}
{{#if z includeZero=1}}y{{else}}n{{/if}}
{{#if z includeZero="true"}}y{{else}}n{{/if}}
{{if t}}
{{unless t}}
{{#if (if t)}}y{{/if}}
{{each l}}
{{with o}}
{{#len l}}x{{/len}}
{{eq [5] [5]}}
{{eq [1, 2] l}}
{{len [1,2,3]}}
{{eq {"a": 1} {"a": 1}}}
{{lookup [10,20] 1}}
{{len [ ]}}
{{raw}}
{{#raw}}{{x}}{{/raw}}
{{log t}}
{{#log t}}x{{/log}}
{{lookup}}
{{lookup l}}
{{len s}}
{{#with o as |p|}}{{p.k}}{{/with}}
{{#each o as |v k|}}{{k}}={{v}};{{/each}}
{{#each l as |v i|}}{{i}}={{v}};{{/each}}
{{#with z}}y{{else}}n{{/with}}
{{#each s}}y{{else}}n{{/each}}
{{eq 1E3 1000}}
{{strJoin l "-"}}
{{eq "a" 'a'}}
{{eq 'it\'s' "it's"}}
{{len "a\"b"}}
{{len "a\nb"}}
{{len "\u00e9"}}
{{lookup o [key]}}|{{#with o}}{{[k]}}{{/with}}
{{lookup this [key]}}
{{eq [1, 2] l}} {{len [ ]}} {{len [1,[2,3],{"a":null}]}} {{lookup [10, 20] 1}}
{{eq {"a": 1} {"a": 1}}}|{{len {'a': true, "b": [false]}}}|{{#with {"x": "y"}}}{{x}}{{/with}}
{{len "a\nb"}} {{len "\u00e9"}} {{len "\ud83d\ude00"}} {{eq 'it\'s' "it's"}} {{eq "\/\t" "/\u0009"}}
{{len "a\xb"}}
{{len 'a\"'}}
{{len "\ud83d"}}
{{len "abc}}
[{{if t}}][{{unless t}}]{{#if (if t)}}y{{else}}n{{/if}}
{{#eq 1 1}}y{{else}}n{{/eq}}{{#ne 1 1}}y{{else}}n{{/ne}}{{#gt 2 1}}y{{/gt}}{{#lte 2 1}}y{{else}}n{{/lte}}
{{lookup [1,2] 1}}{{lookup {"a":1} "a"}}
{{eq [1,2 ] [ 1 , 2]}}
{{eq {} {}}}
{{#each [1,2]}}{{this}}{{/each}}
{{#each {"a":1,"b":2}}}{{@key}}{{this}}{{/each}}
{{len "a	b"}}
{{len ['a']}}
{{len {'a': 1}}}
{{#each l}}{{@key}}{{/each}}
{{#each o}}{{@index}}{{@key}}{{/each}}
{{#each l}}{{#each ../l}}{{@../index}}{{/each}}{{/each}}
{{^}}
{{#if f}}a{{^}}b{{/if}}
{{#if f}}a{{else}}b{{/if}}
{{#if f}}a{{ else }}b{{/if}}
{{#if f}}a{{~else~}} b{{/if}}
{{#if f}}a{{else if t}}b{{else}}c{{/if}}
{{#if f}}a{{else unless t}}b{{else}}c{{/if}}
{{#if f}}a{{else each l}}{{this}}{{/if}}
{{#each l}}{{this}}{{else}}e{{/each}}x
{{#unless f}}u{{/unless}}
{{ x }}
{{~ x ~}}
a {{~x}} b
{{#if t}} a {{~/if}}
{{x}}}
{x{{x}}}
\{{x}}
\\{{x}}
\\\{{x}}
{{!x}}y
{{!-- x --}}y
{{!-- }} --}}y
{{! {{x}} }}y
{{x.}}
{{.x}}
{{./x}}
{{this}}
{{this/x}}
{{this.x}}
{{../x}}
{{@root.x}}
{{@root}}
{{a/b}}
{{a.[b]}}
{{a.[ b ]}}
{{l.[0]}}{{l.0}}{{l.[5]}}
{{l.x}}
{{s.length}}
{{o.k.x}}
{{1}}
{{#with a}}{{b}}{{../x}}{{/with}}
{{#with a as |q|}}{{q.b}}{{/with}}
{{#each l as |v|}}{{v}}{{/each}}
{{#each l as |v i| }}{{i}}{{/each}}
{{#each l as | v i |}}{{i}}{{/each}}
{{#each l as |v,i|}}{{i}}{{/each}}
{{#each l as |a b c|}}{{a}}{{/each}}
{{lookup l 0 x=1}}
{{len l x=1 y="2"}}
{{len x=1 l}}
{{len (len l)}}
{{len(l)}}
{{ len  l }}
{{len	l}}
{{len
l}}
{{#if t}}
x
{{/if}}
{{> missing}}
{{#> missing}}fb{{/missing}}
{{#*inline "p"}}P{{/inline}}{{> p}}
{{#*inline "p"}}P{{x}}{{/inline}}{{> p x="Q"}}
{{#*inline "p"}}{{this}}{{/inline}}{{> p s}}
{{{{raw}}}} {{x}} {{{{/raw}}}}
{{{{raw}}}}{{{{/raw}}}}
{{{{ raw }}}}a{{{{/ raw }}}}
{{{{raw}}}}a{{{{/raw}}}}b
{{f}}{{t}}{{z}}
{{nope.deeper.still}}
{{#each nope}}x{{/each}}
{{#with nope}}x{{/with}}
{{#if l}}y{{/if}}{{#if o}}y{{/if}}
{{#with s}}{{this}}{{/with}}
{{#with l}}{{this}}{{/with}}
{{#each s}}{{this}}{{/each}}
{{eq t true}}{{eq z 0}}{{eq z 0.0}}{{eq s "str"}}
{{gt 2 "1"}}{{lt "10" 9}}{{gt "b" "a"}}{{gt t f}}{{gt l 1}}
{{gte 1 1}}{{lte 1 2}}{{gt 1.5 1}}{{gt -1 -2}}
{{not 0}}{{not ""}}{{not "0"}}{{not l}}{{not o}}
{{and 1 "a" l}}{{or 0 "" nope}}
{{len 5}}{{len t}}{{len nope}}
{{#each l}}{{@first}}{{@last}}{{/each}}
{{log "a" "b"}}x
{{raw x}}
{{lookup l 5}}{{lookup nope 1}}{{lookup s 0}}
{{#lookup o "k"}}x{{/lookup}}
{{0.5}}{{eq 0.5 0.50}}
{{strJoin l}}
{{pkgPathFor}}
{{eachAlive l}}
{{#each l}}{{#if @first}}F{{/if}}{{/each}}
{{#each o}}{{#each ../l}}{{@../key}}{{/each}}{{/each}}
{{x~}}  {{~x}}
{{#if t~}}   x   {{~/if}}
  {{#if t}}  
  {{/if}}  
{{#if t}}{{/if}}
{{{x}}} {{&x}}
{{&x~}}  y
{{ & x }}
{{ {x }}}
{{# if t}}y{{/ if}}
{{#if t}}y{{/iff}}
{{else}}
{{{{raw}}}}a{{{{/raw}}}}{{{{raw}}}}b{{{{/raw}}}}
{{{{raw}}}}a{{{{x}}}}b{{{{/raw}}}}
{{{{raw}}}}a{{{{/other}}}}
{{{{raw}}}}  
 a {{{{/raw}}}}
{{{{raw}}}}a{{{{~/raw~}}}}b
{{{{raw x}}}}a{{{{/raw}}}}
{{@root.x}}{{#with a}}{{@root.x}}{{/with}}
{{#each l as |a b|}}{{a}}{{b}}{{/each}}
{{len l x=1}}|{{lookup x=1 o "k"}}
{{f1}} {{f2}} {{f3}} {{f4}} {{f5}} {{f6}} {{f7}} {{f8}}
{{i}} {{u}} {{big}}
{{arr}}
{{obj}}
{{obj.a.b.c}} {{obj.x-y}} {{obj.[a.b]}} {{obj.$z}} {{obj.:c}} {{obj.é}} {{obj.1}} {{obj.[1]}}
{{obj/a/b/c}}
{{obj.a.b.c.d}}
{{arr.1.1.0}}
{{arr.[2].k}}
{{#each arr}}[{{this}}]{{/each}}
{{#each obj}}{{@key}};{{/each}}
{{#each obj.a}}{{@key}}={{b.c}}{{/each}}
{{#eachAlive m}}{{n}}{{@index}}{{cfg.port}}{{/eachAlive}}
{{#eachAlive m as |x|}}{{x.n}}{{/eachAlive}}
{{#eachAlive m as |x i|}}{{x.n}}{{i}}{{/eachAlive}}
{{#eachAlive nope}}a{{else}}b{{/eachAlive}}
{{#eachAlive m}}{{@first}}{{@last}}{{/eachAlive}}
{{#if f5}}y{{else}}n{{/if}}{{#if f2}}y{{/if}}{{#if e}}y{{else}}n{{/if}}{{#if i}}y{{/if}}{{#if u}}y{{/if}}
{{eq f1 1}}{{eq f1 1.0}}{{eq i -5}}{{gt u big}}{{lt f4 f8}}{{eq big 9223372036854775807}}
{{gt u 1.5}}{{lt i 0}}{{gte f1 1}}
{{len sp}}{{len nl}}{{len obj}}{{len arr}}
{{sp}}|{{nl}}|{{e}}
{{#with obj}}{{#with a}}{{../x-y}}{{../../i}}{{/with}}{{/with}}
{{#each arr}}{{../i}}{{/each}}
{{#each arr}}{{@root.i}}{{/each}}
{{#with obj}}{{this.a.b.c}}{{/with}}
{{#each obj.a}}{{this.b.c}}{{/each}}
{{#with obj as |o|}}{{#with o.a as |p|}}{{o.x-y}}{{p.b.c}}{{/with}}{{/with}}
{{#each arr as |v|}}{{#each ../arr as |w|}}{{/each}}{{/each}}x
{{#each arr}}{{#if @first}}{{this}}{{/if}}{{/each}}
{{strJoin arr ","}}
{{strJoin obj ","}}
{{toYaml obj.a}}
{{lookup obj "x-y"}}{{lookup arr 1}}{{lookup arr.1 1}}
{{lookup (lookup obj "a") "b"}}
{{#with (lookup obj "a")}}{{b.c}}{{/with}}
{{#each (lookup obj "a")}}{{@key}}{{/each}}
{{#if (eq (len arr) 5)}}five{{/if}}
{{#unless (gt i 0)}}neg{{/unless}}
{{#each arr}}{{#unless @last}},{{/unless}}{{/each}}
{{#each obj}}{{@index}}{{/each}}
a
{{~{x}~}}\nb
{{#*inline "p"}}[{{this}}]{{/inline}}{{#each l}}{{> p}}{{/each}}
{{#*inline "p"}}P{{/inline}}{{#if t}}{{#*inline "p"}}Q{{/inline}}{{> p}}{{/if}}{{> p}}
{{#*inline "p"}}{{a.b}}{{/inline}}{{> p a=o}}
{{#*inline "p"}}{{k}}{{/inline}}{{> p o}}
{{#*inline "p"}}{{k}}{{x}}{{/inline}}{{> p o x="X"}}
{{#*inline "p"}}{{@index}}{{/inline}}{{#each l}}{{> p}}{{/each}}
{{#*inline "p"}}{{../s}}{{/inline}}{{#with o}}{{> p}}{{/with}}
{{#> p}}fb{{x}}{{/p}}
{{#*inline "p"}}in{{/inline}}{{#> p}}fb{{/p}}
{{> (lookup o "k")}}
{{#*inline "v"}}V{{/inline}}{{> (lookup o "k")}}
{{#*inline "a/b"}}AB{{/inline}}{{> a/b}}
{{#*inline "a.b"}}AB{{/inline}}{{> a.b}}
{{#*inline "p"}}X{{/inline}}{{> "p"}}
{{#*inline "p"}}X{{/inline}}{{> 'p'}}
{{#*inline "p"}}X{{/inline}}{{> [p]}}
{{#*inline "p"}}X{{/inline}}{{>p}}
{{#*inline "p"}}X{{/inline}}{{~> p ~}}
{{#*inline "p"}}X{{/inline}}{{> p x}}
{{#*inline "p"}}X{{/inline}}{{> p x y}}
{{#*inline}}X{{/inline}}
{{#*inline p}}X{{/inline}}
{{#*foo "p"}}X{{/foo}}
{{*foo}}
{{#if t}}a{{else}}b{{else}}c{{/if}}
{{#if t}}{{else if}}{{/if}}
{{#if f}}a{{else if f}}b{{else if t}}c{{/if}}
{{#each l}}{{else if t}}y{{/each}}
{{#if f}}{{else}}{{#if t}}y{{/if}}{{/if}}
{{#with o}}{{else}}e{{/with}}
{{#if t}}{{/}}
{{#if t}}{{/ if }}
{{#if t}}{{~/if~}}
{{# if t }}y{{/ if }}
{{ #if t }}y{{ /if }}
{{~#if t~}} y {{~/if~}}
{{~ #if t ~}} y {{~ /if ~}}
{{#if t}}y{{else~}}  n{{/if}}
{{#if	t}}y{{/if}}
{{#if t}}{{#if t}}{{/if}}{{/if}}
{{#if t}}{{#each l}}{{/if}}{{/each}}
{{#if "t"}}y{{/if}}
{{#if 0}}y{{else}}n{{/if}}{{#if 0.0}}y{{else}}n{{/if}}{{#if -0}}y{{else}}n{{/if}}
{{#if []}}y{{else}}n{{/if}}{{#if {}}}y{{else}}n{{/if}}{{#if [0]}}y{{/if}}
{{#each [1,2] as |v i|}}{{i}}{{v}}{{/each}}
{{#with "s"}}{{this}}{{/with}}
{{#with 5}}{{this}}{{/with}}
{{#each "abc"}}{{this}}{{else}}e{{/each}}
{{lookup "abc" 1}}
{{#with o}}{{#each this}}{{@key}}{{/each}}{{/with}}
{{#each o}}{{this}}{{/each}}{{#each o}}{{.}}{{/each}}
{{.}}
{{#each l}}{{./this}}{{/each}}
{{this.this}}
{{@index}}{{@first}}{{@key}}{{@nope}}
{{#each l}}{{@../index}}{{/each}}
{{#each l}}{{#with ../o}}{{@index}}{{/with}}{{/each}}
{{#each l}}{{#if t}}{{@index}}{{/if}}{{/each}}
{{#each l}}{{#each ../l}}{{@../../index}}{{/each}}{{/each}}
{{> p}}{{#*inline "p"}}X{{/inline}}
{{#*inline "p"}}A{{/inline}}{{> p}}{{#*inline "p"}}B{{/inline}}{{> p}}
{{#if t}}{{#*inline "p"}}Q{{/inline}}{{/if}}{{> p}}
{{#if f}}{{#*inline "p"}}Q{{/inline}}{{/if}}{{> p}}
{{#each l}}{{#*inline "p"}}{{this}}{{/inline}}{{/each}}{{> p}}
{{#*inline "p"}}P{{/inline}}{{#with o}}{{> p}}{{/with}}
{{#with o}}{{#*inline "p"}}{{k}}{{/inline}}{{/with}}{{> p}}
{{#*inline "p"}}{{#*inline "q"}}Q{{/inline}}{{/inline}}{{> p}}{{> q}}
{{#*inline "p"}}{{#*inline "q"}}Q{{/inline}}{{/inline}}{{> q}}
{{#*inline "p"}}{{x}}{{/inline}}{{#each l}}{{> p x=this}}{{/each}}
{{#*inline "p"}}{{#each ../l}}{{a}}{{/each}}{{/inline}}{{> p a=1}}
{{#*inline "p"}}{{0}}{{1}}{{/inline}}{{> p l a=1}}
{{#*inline "p"}}{{0}}{{/inline}}{{> p s a=1}}
{{#*inline "p"}}{{this}}{{/inline}}{{> p z a=1}}
{{#*inline "p"}}{{@index}}{{/inline}}{{#each l}}{{> p o}}{{/each}}
{{#*inline "p"}}[{{../k}}]{{/inline}}{{#with o}}{{> p}}{{/with}}
{{#*inline "p"}}[{{../k}}]{{/inline}}{{#with o}}{{> p s}}{{/with}}
"""#

    /// Templates of several lines (standalone tags, indentation), separated
    /// by lines holding only `@@@@`.
    static let multilineCases = #"""
a
  {{> p}}
b
@@@@
{{#*inline "p"}}x
y
{{/inline}}a
  {{> p}}
b
@@@@
{{#*inline "p"}}x
y{{/inline}}
  {{> p}}
b
@@@@
{{#*inline "p"}}x

y
{{/inline}}
	{{> p}}

@@@@
{{#*inline "p"}}
  x
{{/inline}}
  {{> p}}

@@@@
{{#*inline "p"}}{{x}}
{{/inline}}  {{> p}}  
b
@@@@
{{#*inline "p"}}P
{{/inline}}{{#each l}}
  {{> p}}
{{/each}}

@@@@
a
{{! c }}  
b
@@@@
a
  {{!-- c --}}
b
@@@@
  {{#if t}}
  x
  {{/if}}

@@@@
{{#if t}}
x
{{/if}}

@@@@
{{#if t}}
{{#if t}}
x
{{/if}}
{{/if}}

@@@@
{{#if t}} {{#if t}}
x
{{/if}}
{{/if}}

@@@@
x {{#if t}}
y
{{/if}} z

@@@@
{{#each l}}
{{this}}
{{else}}
none
{{/each}}

@@@@
{{#each e_arr}}
{{this}}
{{else}}
none
{{/each}}

@@@@
{{#if t}}

{{/if}}

@@@@

{{#if t}}

@@@@
{{#if t}}
x{{/if}}
@@@@
{{#if t}}x
{{/if}}
@@@@
{{x}}
{{#if t}}
y
{{/if}}
{{x}}
@@@@
a{{~#if t}}
  b  
{{~/if}}c
@@@@
a {{~#if t~}} 
 b 
 {{~else~}} c {{~/if~}} d
@@@@
{{#if f}}
a
{{else if t}}
b
{{/if}}

@@@@
{{#if f}}
a
{{^}}
b
{{/if}}

@@@@
  {{x}}  

@@@@
  {{{x}}}  

@@@@
  {{&x}}  

@@@@
{{#with o}}
  {{k}}
{{/with}}

@@@@
	{{#if t}}	
x
	{{/if}}	

@@@@
{{#if t}}  {{/if}}  

@@@@
a
{{#*inline "p"}}
P
{{/inline}}
b{{> p}}
@@@@
{{#> nope}}
fb
{{/nope}}

@@@@
x
  {{#> nope}}
  fb
  {{/nope}}

@@@@
{{#*inline "p"}}
{{x}}
{{/inline}}
  {{> p}}

@@@@
{{~x}}


@@@@


{{~x}}
@@@@
{{x~}}

  y
@@@@
{{!x~}}

  y
@@@@
a
  {{!x~}}
  y
@@@@
  {{{{raw}}}}
{{x}}
{{{{/raw}}}}

@@@@
a
  {{{{raw}}}}
  {{x}}
  {{{{/raw}}}}
b
@@@@
a {{{{raw}}}}
{{x}}
{{{{/raw}}}} b
@@@@
{{{{raw}}}}  
{{x}}
  {{{{/raw}}}}  
b
@@@@
{{{{raw}}}}x
{{{{/raw}}}}

@@@@
{{{{raw}}}}
{{{{/raw}}}}
b
@@@@
{{{{raw}}}}
x
{{{{/raw}}}}
b
@@@@
x{{{{raw}}}}
y
{{{{/raw}}}}z
@@@@
{{{{raw}}}}{{{{/raw}}}}
b
@@@@

{{{{raw}}}}

{{{{/raw}}}}

@@@@
{{#if t}}
{{{{raw}}}}
{{x}}
{{{{/raw}}}}
{{/if}}

"""#

    /// The fixture holding real handlebars-rust 6.4.3's answers, beside this
    /// file (located through #filePath, like SharedFixtures).
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/handlebars-rust-6.4.3.json")

    /// The generated templates recorded in the fixture: these seeds, this
    /// many each.
    static let generatedSeeds: [UInt64] = [1, 2, 3]
    static let generatedPerSeed = 2000

    static var fixedCases: [String] {
        cases.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            + multilineCases.split(separator: "\n@@@@\n").map(String.init)
    }

    static func generatedCases(seed: UInt64) -> [String] {
        var generator = TemplateGenerator(seed: seed)
        return (0..<generatedPerSeed).map { _ in generator.template() }
    }

    func testEveryCaseAgreesWithHandlebarsRust() throws {
        try Self.recordIfAsked()
        let fixture = try Self.loadFixture()
        let fixed = Self.fixedCases
        XCTAssertGreaterThan(fixed.count, 400)
        let recorded = fixture.cases.filter { $0.kind == "fixed" }
        try Self.requireSameTemplates(fixed, recorded, "the fixed cases")
        let differences = compare(recorded, data: fixture.data)
        XCTAssertEqual(differences, [], "\(differences.count) of \(recorded.count) cases differ from handlebars-rust 6.4.3")
    }

    /// Random templates from a small grammar (tags, literals, built-in
    /// helpers, blocks with `else` and block parameters, `~`, comments,
    /// standalone lines, raw blocks, partials): 2,000 for each of three
    /// fixed seeds, whose handlebars-rust answers are in the fixture.
    func testRandomTemplatesAgreeWithHandlebarsRust() throws {
        try Self.recordIfAsked()
        let fixture = try Self.loadFixture()
        XCTAssertEqual(fixture.seeds, Self.generatedSeeds)
        for seed in Self.generatedSeeds {
            let recorded = fixture.cases.filter { $0.kind == "generated" && $0.seed == seed }
            try Self.requireSameTemplates(Self.generatedCases(seed: seed), recorded, "the generated templates of seed \(seed)")
            let differences = compare(recorded, data: fixture.data)
            XCTAssertEqual(differences, [], "seed \(seed): \(differences.count) of \(recorded.count) random templates differ from handlebars-rust 6.4.3")
        }
    }

    // MARK: - The fixture

    /// `Fixtures/handlebars-rust-6.4.3.json`: the data every case renders
    /// (as JSON text, so that its large and negative-zero numbers stay
    /// exact), then each case's template and handlebars-rust's answer: the
    /// output, or `"error": "parse"` / `"error": "render"`.
    struct Fixture: Codable {
        var handlebarsRust: String
        var data: String
        var seeds: [UInt64]
        var cases: [Case]
    }

    enum FixtureError: Error { case missing, outOfDate, badAnswer }

    struct Case: Codable {
        var kind: String          // "fixed" or "generated"
        var seed: UInt64?         // the generator's seed, for a generated one
        var index: Int            // its place among the fixed cases, or its seed's
        var template: String
        var output: String?       // handlebars-rust's output, or nil
        var error: String?        // "parse" or "render" when it failed
    }

    static func loadFixture() throws -> Fixture {
        guard let bytes = FileManager.default.contents(atPath: fixtureURL.path) else {
            XCTFail("\(fixtureURL.path) is missing: it belongs to the repository")
            throw FixtureError.missing
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: bytes)
    }

    /// The cases of this file and of the fixture must be the same, in the
    /// same order: a case added here is checked only once recorded.
    static func requireSameTemplates(_ templates: [String], _ recorded: [Case], _ what: String) throws {
        let missing = templates.enumerated().filter { n, t in n >= recorded.count || recorded[n].template != t }
        guard missing.isEmpty, templates.count == recorded.count else {
            let first = missing.first.map { "first: #\($0.offset) \($0.element.debugDescription)" } ?? "counts \(templates.count) vs \(recorded.count)"
            XCTFail("""
                \(what) are not those recorded in \(fixtureURL.lastPathComponent) (\(first)); \
                record them again with HBS_RUST_RECORD=/path/to/hbs-rust-bench \
                swift test --filter HandlebarsRustDifferentialTests
                """)
            throw FixtureError.outOfDate
        }
    }

    /// Renders every recorded case with roost (Habitat's settings) and
    /// returns, printed as well, those where roost answers something else
    /// than handlebars-rust did (an error from both counts as agreement).
    func compare(_ recorded: [Case], data text: String) -> [String] {
        guard let data = try? JSONCodec.parse(text) else {
            XCTFail("the fixture's data does not parse")
            return []
        }
        let renderer = HabitatHelpers.makeRenderer()
        var differences: [String] = []
        for c in recorded {
            let ours: String?
            do { ours = try renderer.render(try Template(source: c.template, name: "t"), data) } catch { ours = nil }
            if ours != c.output {
                let rust = c.output.map { $0.debugDescription } ?? "\(c.error ?? "an") error"
                let line = "\(c.seed.map { "seed \($0) " } ?? "")\(c.kind) case #\(c.index) \(c.template.debugDescription): roost \(ours.map { $0.debugDescription } ?? "error"), handlebars-rust \(rust)"
                print("HandlebarsRustDifferentialTests differs: \(line)")
                differences.append(line)
            }
        }
        return differences
    }

    // MARK: - Recording (reads an already built harness; builds nothing)

    /// `HBS_RUST_RECORD=/path/to/hbs-rust-bench swift test --filter
    /// HandlebarsRustDifferentialTests` writes the fixture again from that
    /// program's `render-batch` answers (each case in a fresh registry with
    /// Habitat's settings and helpers). Done once per process.
    nonisolated(unsafe) static var recorded = false

    static func recordIfAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["HBS_RUST_RECORD"], !recorded else { return }
        recorded = true
        var cases = fixedCases.enumerated().map { n, t in Case(kind: "fixed", seed: nil, index: n, template: t) }
        for seed in generatedSeeds {
            cases += generatedCases(seed: seed).enumerated().map { n, t in Case(kind: "generated", seed: seed, index: n, template: t) }
        }
        let answers = try renderBatch(binary: URL(fileURLWithPath: path), cases.map(\.template))
        for (n, (status, text)) in answers.enumerated() {
            cases[n].output = status == "ok" ? text : nil
            cases[n].error = status == "ok" ? nil : status
        }
        let fixture = Fixture(handlebarsRust: "6.4.3", data: data, seeds: generatedSeeds, cases: cases)
        try write(fixture)
        print("HandlebarsRustDifferentialTests recorded \(cases.count) cases into \(fixtureURL.path)")
    }

    /// One case a line, so that a change shows as a small diff.
    static func write(_ fixture: Fixture) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let text = """
            {
            "handlebars_rust": \(try json(fixture.handlebarsRust)),
            "data": \(try json(fixture.data)),
            "seeds": \(try json(fixture.seeds)),
            "cases": [
            \(try fixture.cases.map(json).joined(separator: ",\n"))
            ]
            }

            """
        try FileManager.default.createDirectory(at: fixtureURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: fixtureURL, atomically: true, encoding: .utf8)
    }

    /// `hbs-rust-bench render-batch DATA.json TEMPLATES`: for each template
    /// (NUL-ended) `ok`, `parse` or `render`, a NUL, the output or error, a NUL.
    static func renderBatch(binary: URL, _ templates: [String]) throws -> [(String, String)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hbs-record-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataFile = dir.appendingPathComponent("data.json")
        let templatesFile = dir.appendingPathComponent("templates")
        try data.write(to: dataFile, atomically: true, encoding: .utf8)
        try templates.map { $0 + "\0" }.joined().write(to: templatesFile, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = binary
        process.arguments = ["render-batch", dataFile.path, templatesFile.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard process.terminationStatus == 0, fields.count >= templates.count * 2,
              (0..<templates.count).allSatisfy({ ["ok", "parse", "render"].contains(fields[2 * $0]) }) else {
            XCTFail("\(binary.path) answered \(fields.count / 2) of \(templates.count) cases (exit \(process.terminationStatus))")
            throw FixtureError.badAnswer
        }
        return (0..<templates.count).map { (fields[2 * $0], fields[2 * $0 + 1]) }
    }
}

/// Small random templates for the differential test (SplitMix64, seeded).
struct TemplateGenerator {
    var random: SplitMix64
    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick(_ items: [String]) -> String { items[below(items.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    static let atoms = ["x", "s", "t", "f", "z", "l", "o", "a.b", "o.k", "l.[0]", "l.1", "12", "@index", "@key", "@first",
                        "@last", "this", "../s", "@root.s", "obj.a", "arr", "f1", "u", "nope", "[key]", "o.[k]", "../l",
                        "@../index", "h", "sp", "nl", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "i", "big", "e", "obj.[a.b]",
                        "obj.x-y", "obj.1", "arr.1.1.0", "m", "this.k", "./k", "@root", "true", "1"]
    static let literals = ["1", "-2", "1.5", "\"q\"", "'r'", "true", "false", "null", "[1,2]", "{\"k\":\"v\"}", "\"a\\nb\"",
                           "1E3", "0", "-0", "0.0", "1e5", "\"\"", "[]", "{}", "18446744073709551615"]
    static let unary = ["not", "len"]
    static let binary = ["eq", "ne", "gt", "lt", "gte", "lte", "lookup", "and", "or"]
    static let blocks = ["if", "unless", "each", "with", "eq", "not", "and"]

    mutating func expression(_ depth: Int = 0) -> String {
        let r = below(100)
        if r < 50 || depth > 1 { return pick(Self.atoms + Self.literals) }
        if r < 75 { return "(\(pick(Self.unary)) \(expression(depth + 1)))" }
        return "(\(pick(Self.binary)) \(expression(depth + 1)) \(expression(depth + 1)))"
    }

    mutating func body(_ depth: Int) -> String {
        var out = ""
        for _ in 0..<below(5) {
            out += depth < 2 && chance(15) ? tag(depth + 1) : pick(["a", "\n", "  ", "\t", "{{v}}", "{{@index}}", "{{this}}"])
        }
        return out
    }

    mutating func tag(_ depth: Int = 0) -> String {
        let r = below(100)
        let left = chance(30) ? "~" : "", right = chance(30) ? "~" : ""
        if r < 30 {
            let inside = [pick(Self.atoms), "\(pick(Self.unary)) \(expression())", "\(pick(Self.binary)) \(expression()) \(expression())"][below(3)]
            return ["{{\(left)\(inside)\(right)}}", "{{{\(left)\(inside)\(right)}}}", "{{\(left)&\(inside)\(right)}}"][below(3)]
        }
        if r < 80 {
            let name = pick(Self.blocks)
            let param = name == "eq" ? "\(expression()) \(expression())" : expression()
            let params = pick(["", "", " as |v|", " as |v i|"])
            let inverse = chance(50) ? "" : pick(["{{else}}", "{{~else~}}", "\n{{else}}\n", "{{else if t}}", "{{^}}", "  {{else}}  \n"]) + body(depth)
            let closeLeft = chance(30) ? "~" : "", closeRight = chance(30) ? "~" : ""
            return pick(["", "\n", "  "]) + "{{\(left)#\(name) \(param)\(params)\(right)}}\(body(depth))\(inverse){{\(closeLeft)/\(name)\(closeRight)}}"
                + pick(["", "\n", "  \n", " "])
        }
        if r < 90 {
            return pick(["{{!c}}", "{{!-- c --}}", "\n{{! c }}\n", "{{{{raw}}}}{{x}}{{{{/raw}}}}",
                         "\n  {{#*inline \"p\"}}\n{{x}}{{k}}{{@index}}\n  {{/inline}}\n", "  {{> p}}\n", "{{~!c}}",
                         "{{> p o}}", "{{> p x=1}}", "{{> p \(expression()) k=\(expression())}}", "{{#> q}}fb{{/q}}"])
        }
        return pick(["\n", "  ", "x", " \n ", "\t\n"])
    }

    mutating func template() -> String {
        (0..<(1 + below(4))).map { _ in tag() }.joined()
    }
}
