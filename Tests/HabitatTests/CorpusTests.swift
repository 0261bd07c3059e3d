import Foundation
import XCTest
import Handlebars
import Habitat

/// Every template of ../shared/corpus/core-plans, rendered in process with
/// Habitat's truth (expected-rust/ where handlebars-rust differs from the
/// handlebars.js oracle).
final class CorpusTests: XCTestCase {
    func run(manifest: String) throws -> (passed: Int, failures: [String]) {
        let dir = try SharedFixtures.require("corpus/core-plans")
        let rows = try String(contentsOf: dir.appendingPathComponent(manifest), encoding: .utf8).split(separator: "\n").dropFirst()
        let renderer = HabitatHelpers.makeRenderer()
        var passed = 0
        var failures: [String] = []
        for row in rows {
            let cols = row.split(separator: "\t").map(String.init)
            guard cols.count >= 4 else { continue }
            let rust = cols[3].replacingOccurrences(of: "/expected/", with: "/expected-rust/")
            let expectedPath = FileManager.default.fileExists(atPath: dir.appendingPathComponent(rust).path) ? rust : cols[3]
            let source = try String(contentsOf: dir.appendingPathComponent(cols[1]), encoding: .utf8)
            let data = try JSONCodec.parse(try String(contentsOf: dir.appendingPathComponent(cols[2]), encoding: .utf8))
            let expected = try Data(contentsOf: dir.appendingPathComponent(expectedPath))
            do {
                let out = try renderer.render(try Template(source: source, name: cols[1]), data)
                if Data(out.utf8) == expected { passed += 1 } else { failures.append("differs: \(cols[1])") }
            } catch {
                failures.append("\(cols[1]): \(error)")
            }
        }
        return (passed, failures)
    }

    func testManifest() throws {
        let r = try run(manifest: "manifest.tsv")
        XCTAssertEqual(r.failures, [])
        XCTAssertGreaterThan(r.passed, 380)
    }

    func testCompatManifest() throws {
        let r = try run(manifest: "manifest-compat.tsv")
        XCTAssertEqual(r.failures, [])
        XCTAssertGreaterThan(r.passed, 20)
    }
}
