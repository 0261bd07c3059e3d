import Foundation
import XCTest
import Handlebars
import SeededRandom

/// The parser and renderer never crash or hang: mutated corpus templates and
/// random bytes only ever parse, render, or fail with an error. (`roost-bench fuzz`
/// runs 100,000 inputs; this is the sample CI runs.)
final class RobustnessTests: XCTestCase {
    func testMutatedTemplatesNeverCrash() throws {
        var seeds = ["{{#if a}}x{{else if b}}y{{else}}z{{/if}}", "{{#each l as |v k|}}{{@index}}{{v}}{{/each}}",
                     "{{> p}}{{#*inline \"p\"}}{{../x}}{{/inline}}", "{{{{raw}}}}{{x}}{{{{/raw}}}}", "{{!-- c --}}{{~x~}}",
                     "{{len (lookup cfg \"a\") }}", "a\n  {{#with x}}\n{{this}}\n{{/with}}\n"]
        if let dir = try? SharedFixtures.require("corpus/core-plans") {
            let rows = (try String(contentsOf: dir.appendingPathComponent("manifest.tsv"), encoding: .utf8)).split(separator: "\n").dropFirst()
            for row in rows.prefix(60) {
                let path = String(row.split(separator: "\t")[1])
                if let s = try? String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8) { seeds.append(s) }
            }
        }
        let data: Value = ["a": 1, "l": [1, 2], "x": ["y": "z"], "cfg": ["a": [1]]]
        let renderer = Handlebars()
        let alphabet = Array("{}#/^>!~&@.[]()|=\"' \nelse as this ../".utf8)
        // Seeded, and the seed printed, so that a failure can be replayed
        // (ROOST_FUZZ_SEED=… swift test --filter RobustnessTests).
        let seed = ProcessInfo.processInfo.environment["ROOST_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("RobustnessTests seed: \(seed)")
        var rng = SplitMix64(seed: seed)
        for n in 0..<3000 {
            var bytes = Array(seeds[n % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where i < bytes.count: bytes.remove(at: i)
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let t = try? Template(source: text, name: "fuzz") { _ = try? renderer.render(t, data) }
        }
    }

    /// Nesting far deeper than any real template: it parses and renders, or
    /// fails with an error, but never overflows the stack.
    func testDeepNestingIsAnErrorOrWorksNeverACrash() throws {
        let renderer = Handlebars()
        let data: Value = ["a": true, "x": "v"]
        // At the limits (200 blocks, 100 subexpressions) it works; past them it is an error.
        let atLimit = String(repeating: "{{#if a}}", count: 200) + "{{x}}" + String(repeating: "{{/if}}", count: 200)
        XCTAssertEqual(try renderer.render(try Template(source: atLimit, name: "deep"), data), "v")
        let subAtLimit = "{{not " + String(repeating: "(not ", count: 99) + "a" + String(repeating: ")", count: 99) + "}}"
        XCTAssertEqual(try renderer.render(try Template(source: subAtLimit, name: "deep"), data), "true")  // 100 nots of true
        for depth in [201, 5_000, 100_000] {
            let blocks = String(repeating: "{{#if a}}", count: depth) + "{{x}}" + String(repeating: "{{/if}}", count: depth)
            let subexpressions = "{{not " + String(repeating: "(not ", count: depth) + "a" + String(repeating: ")", count: depth) + "}}"
            let unclosed = String(repeating: "{{#each a}}", count: depth)
            let arrays = "{{len " + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) + "}}"
            let objects = "{{len " + String(repeating: "{\"k\": ", count: depth) + "1" + String(repeating: "}", count: depth) + "}}"
            for source in [blocks, subexpressions, unclosed, arrays, objects] {
                do {
                    let t = try Template(source: source, name: "deep")
                    let out = try renderer.render(t, data)
                    if source == blocks { XCTAssertEqual(out, "v") }
                } catch let e as TemplateError {
                    XCTAssertFalse(e.message.isEmpty)
                } catch {
                    // A render error is an answer too.
                }
            }
        }
    }

    /// Long runs inside a tag cost linear time (this finishes in well under
    /// a second; a quadratic scanner would take minutes).
    func testHugePaddingInsideTags() throws {
        let pad = String(repeating: " ", count: 200_000)
        let renderer = Handlebars()
        let t = try Template(source: "{{#if a}}x{{else" + pad + "}}y{{/if}}{{{{raw" + pad + "}}}}r{{{{/raw}}}}{{" + pad + "a" + pad + "}}", name: "pad")
        XCTAssertEqual(try renderer.render(t, ["a": false]), "yrfalse")
    }

    /// A template of 100,000 tags on one line (minified JSON or XML) parses
    /// in linear time: each tag's column was counted from the start of its
    /// line (20 s). Positions stay exact, multi-byte characters counted once.
    func testManyTagsOnOneLine() throws {
        let count = 100_000
        let renderer = Handlebars()
        let t = try Template(source: String(repeating: "é{{a}},", count: count), name: "line")
        XCTAssertEqual(try renderer.render(t, ["a": 1]).utf8.count, count * 4)
        XCTAssertThrowsError(try Template(source: String(repeating: "é{{a}},", count: count) + "{{/nope}}", name: "line")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.line, 1)
            XCTAssertEqual(e.column, count * 7 + 1, "\(e)")
        }
        XCTAssertThrowsError(try Template(source: "ab\ncd{{a}}{{/x}}", name: "two")) { error in
            let e = error as! TemplateError
            XCTAssertEqual([e.line, e.column], [2, 8])
        }
    }

    /// Renders that fan out stop with an error naming the tag instead of
    /// running for hours: nested loops (10^9 renders) and a partial that
    /// calls itself twice per level. A long list still renders.
    func testFanOutIsBoundedButLongListsRender() throws {
        var renderer = Handlebars()
        renderer.maximumSteps = 20_000   // the mechanism; the default is a million
        let ten: Value = .array((0..<10).map { .integer(Int64($0)) })
        let nested = String(repeating: "{{#each @root.a}}", count: 9) + "x" + String(repeating: "{{/each}}", count: 9)
        XCTAssertThrowsError(try renderer.render(try Template(source: "ok\n" + nested, name: "loops"), ["a": ten])) { error in
            XCTAssertTrue("\(error)".contains("more than 20000 steps"), "\(error)")
            XCTAssertTrue("\(error)".contains("2:"), "names the line: \(error)")
        }
        var deep: Value = ["x": true]
        for _ in 0..<40 { deep = ["x": deep] }
        let fanning = "{{#*inline \"p\"}}{{#if x}}{{> p x}}{{> p x}}{{/if}}{{/inline}}{{> p this}}"
        XCTAssertThrowsError(try renderer.render(try Template(source: fanning, name: "fan"), deep))
        let long: Value = ["a": .array((0..<200_000).map { .integer(Int64($0)) })]
        XCTAssertEqual(try Handlebars().render(try Template(source: "{{#each a}}{{this}},{{/each}}", name: "long"), long).count, 1_288_890)
    }
}

