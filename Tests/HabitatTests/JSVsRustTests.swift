import Foundation
import XCTest
import Handlebars
import Habitat

/// The 107 micro cases of ../shared/tools/hbs-oracle/tests/js-vs-rust.json,
/// each checked against real handlebars-rust's output (Habitat's truth).
final class JSVsRustTests: XCTestCase {
    func testEveryCaseMatchesHandlebarsRust() throws {
        let url = try SharedFixtures.require("tools/hbs-oracle/tests/js-vs-rust.json")
        let document = try JSONCodec.parse(String(decoding: try Data(contentsOf: url), as: UTF8.self))
        let data = try XCTUnwrap(document["data"])
        guard case .array(let cases)? = document["cases"] else { return XCTFail("no cases") }
        XCTAssertEqual(cases.count, 107)
        let renderer = HabitatHelpers.makeRenderer()
        var failures: [String] = []
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            let source = try XCTUnwrap(c["template"]?.stringValue)
            let expected = try XCTUnwrap(c["handlebars_rust"]?.stringValue)
            var got: String
            do {
                let template = try Template(source: source, name: "t")
                do {
                    got = try renderer.render(template, data)
                } catch {
                    got = "ERR(3)"
                }
            } catch {
                got = "ERR(2)"
            }
            if expected.hasPrefix("ERR(") {
                // The same kind of failure (2: parse, 3: render), not just any output.
                if !got.hasPrefix("ERR(") || !expected.hasPrefix(got) { failures.append("\(name): expected \(expected.prefix(6)), got \(got.debugDescription)") }
            } else if got != expected {
                failures.append("\(name): expected \(expected.debugDescription), got \(got.debugDescription)")
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) cases differ from handlebars-rust")
    }
}
