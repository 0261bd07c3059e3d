import Foundation
import XCTest
import Handlebars
import Habitat

/// The parser and renderer never crash or hang: mutated corpus templates and
/// random bytes only ever parse, render, or fail with an error. (The fuzz
/// executable `hbs-fuzz` runs far more inputs; this is the sample CI runs.)
final class RobustnessTests: XCTestCase {
    func testMutatedTemplatesNeverCrash() throws {
        var seeds = ["{{#if a}}x{{else if b}}y{{else}}z{{/if}}", "{{#each l as |v k|}}{{@index}}{{v}}{{/each}}",
                     "{{> p}}{{#*inline \"p\"}}{{../x}}{{/inline}}", "{{{{raw}}}}{{x}}{{{{/raw}}}}", "{{!-- c --}}{{~x~}}",
                     "{{toJson (lookup cfg \"a\") }}", "a\n  {{#with x}}\n{{this}}\n{{/with}}\n"]
        if let dir = try? SharedFixtures.require("corpus/core-plans") {
            let rows = (try String(contentsOf: dir.appendingPathComponent("manifest.tsv"), encoding: .utf8)).split(separator: "\n").dropFirst()
            for row in rows.prefix(60) {
                let path = String(row.split(separator: "\t")[1])
                if let s = try? String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8) { seeds.append(s) }
            }
        }
        let data: Value = ["a": 1, "l": [1, 2], "x": ["y": "z"], "cfg": ["a": [1]]]
        let renderer = HabitatHelpers.makeRenderer()
        let alphabet = Array("{}#/^>!~&@.[]()|=\"' \nelse as this ../".utf8)
        var rng = SystemRandomNumberGenerator()
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
}
