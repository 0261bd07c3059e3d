import Foundation
import XCTest
@testable import Habitat
import Handlebars
import TOML

/// Hostile nesting in every layer is a one-line configuration error naming
/// the file or variable, line and column, never a stack overflow; the walks
/// after the parsers are bounded too; and memory stays linear in the input.
final class NestingLimitTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("roost-nest")
    }

    func load(defaults: String = "", user: String? = nil, env: [String: String] = [:]) throws -> LayeredConfig {
        let d = dir.appendingPathComponent("default.toml")
        try defaults.write(to: d, atomically: true, encoding: .utf8)
        let u = dir.appendingPathComponent("user.toml")
        try? FileManager.default.removeItem(at: u)
        if let user { try user.write(to: u, atomically: true, encoding: .utf8) }
        return try LayeredConfig.load(.init(defaultTOML: d.path, userTOML: [u.path], environment: env, packageName: "p"))
    }

    /// Asserts a configuration error (exit 78) naming `source`, with a line
    /// and column, that says the input nests too deep, on one line.
    func assertTooDeep(defaults: String = "", user: String? = nil, env: [String: String] = [:], source: String,
                       line: Int = 1, file: StaticString = #filePath, at: UInt = #line) {
        XCTAssertThrowsError(try load(defaults: defaults, user: user, env: env), file: file, line: at) { error in
            guard let e = error as? HabitatError else { return XCTFail("\(error)", file: file, line: at) }
            XCTAssertEqual(e.exitCode, 78, file: file, line: at)
            XCTAssertTrue(e.source?.hasSuffix(source) ?? false, "\(e.source ?? "nil")", file: file, line: at)
            XCTAssertEqual(e.line, line, file: file, line: at)
            XCTAssertNotNil(e.column, file: file, line: at)
            XCTAssertTrue(e.message.contains("nested more than \(Nesting.maxDepth) levels"), e.message, file: file, line: at)
            XCTAssertFalse(e.description.contains("\n"), "one line, no excerpt of the brackets", file: file, line: at)
        }
    }

    func testDeepArraysInEveryLayer() {
        let arrays = "a = " + String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000)
        assertTooDeep(defaults: arrays, source: "default.toml")
        assertTooDeep(defaults: "x = 1\n" + arrays, source: "default.toml", line: 2)
        assertTooDeep(user: arrays, source: "user.toml")
        assertTooDeep(env: ["HAB_P": arrays], source: "HAB_P")
    }

    func testDeepInlineTablesInEveryLayer() {
        let tables = "a = " + String(repeating: "{b=", count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        assertTooDeep(defaults: tables, source: "default.toml")
        assertTooDeep(user: tables, source: "user.toml")
        assertTooDeep(env: ["HAB_P": tables], source: "HAB_P")
        // As JSON in HAB_<PKG> the JSON reader stops at the same depth.
        let json = String(repeating: "{\"b\":", count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        assertTooDeep(env: ["HAB_P": json], source: "HAB_P")
    }

    func testDeepPerKeyOverrides() {
        // The value of a per-key override: an error, not a string.
        assertTooDeep(env: ["HAB_P__a": String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000)],
                      source: "HAB_P__a")
        // Too many key segments, and segments plus value together.
        let name = "HAB_P__" + Array(repeating: "k", count: 5_000).joined(separator: "__")
        XCTAssertThrowsError(try load(env: [name: "1"])) { error in
            XCTAssertEqual((error as? HabitatError)?.exitCode, 78)
        }
        let segments = "HAB_P__" + Array(repeating: "k", count: 100).joined(separator: "__")
        XCTAssertThrowsError(try load(env: [segments: String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])) { error in
            XCTAssertEqual((error as? HabitatError)?.exitCode, 78)
            XCTAssertTrue((error as? HabitatError)?.message.contains("nest more than") ?? false, "\(error)")
        }
    }

    /// 10,000 nested inline tables used to take about 1 GB (key paths copied
    /// per level); now the decoder refuses them at the bound. Within the
    /// bound, a wide and deep document loads and merges with its key paths
    /// shared (finishing here is the check: no timed assertion).
    func testTenThousandLevelsAndWideDocumentsStayLinear() throws {
        let tables = "a = " + String(repeating: "{b=", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        assertTooDeep(defaults: tables, source: "default.toml")
        let deepest = Nesting.maxDepth - 1
        let one = String(repeating: "{b=", count: deepest) + "1" + String(repeating: "}", count: deepest)
        let wide = (0..<1_000).map { "k\($0) = \(one)" }.joined(separator: "\n")
        // (Habitat's merge stops at 30 levels where two layers both hold
        // tables, so the deep document is in one layer.)
        let config = try load(defaults: "x = 1", user: wide)
        XCTAssertEqual(config.merged.count, 1_001)
        XCTAssertEqual(config.provenance.count, 1_001)
        XCTAssertEqual(config.provenance.values.filter { $0.hasSuffix("user.toml") }.count, 1_000)
    }

    func testWritersRefuseValuesDeeperThanTheBound() throws {
        var deep = Value.integer(1)
        for _ in 0..<(Nesting.maxDepth + 1) { deep = .array([deep]) }
        XCTAssertTrue(Nesting.exceedsLimit(deep))
        XCTAssertThrowsError(try TOMLWriter.render(.object(["a": deep]))) { XCTAssertTrue($0 is Nesting.TooDeep) }
        XCTAssertThrowsError(try YAMLWriter.render(deep)) { XCTAssertTrue($0 is Nesting.TooDeep) }
        let renderer = HabitatHelpers.makeRenderer()
        let template = try Template(source: "{{toJson x}}", name: "t")
        XCTAssertThrowsError(try renderer.render(template, ["x": deep]))
        // At the bound, all three write.
        var ok = Value.integer(1)
        for _ in 0..<(Nesting.maxDepth - 1) { ok = .array([ok]) }
        XCTAssertFalse(Nesting.exceedsLimit(.object(["a": ok])))
        XCTAssertNoThrow(try TOMLWriter.render(.object(["a": ok])))
        XCTAssertNoThrow(try YAMLWriter.render(.object(["a": ok])))
        XCTAssertNoThrow(try renderer.render(template, ["x": ok]))
    }

    func testJSONReaderUsesTheSameBound() {
        let d = Nesting.maxDepth
        XCTAssertNoThrow(try JSONCodec.parse(String(repeating: "[", count: d) + String(repeating: "]", count: d)))
        XCTAssertThrowsError(try JSONCodec.parse(String(repeating: "[", count: d + 1) + String(repeating: "]", count: d + 1))) { error in
            XCTAssertTrue((error as! JSONParseError).isTooDeep)
        }
    }

    /// A TOML document at the bound converts, merges and prints.
    func testDocumentAtTheBoundRoundTrips() throws {
        let keys = Array(repeating: "k", count: Nesting.maxDepth - 1).joined(separator: ".")
        let config = try load(defaults: "\(keys) = 1", user: "x = 2")
        XCTAssertFalse(Nesting.exceedsLimit(.object(config.merged)))
        XCTAssertNoThrow(try TOMLWriter.render(.object(config.merged)))
    }
}
