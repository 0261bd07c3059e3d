import Foundation
import XCTest
import TOML

/// The official toml-test suite, run in process for each edition: every
/// valid case decodes to the expected tagged JSON, every invalid case fails.
/// The 1.0 list holds nine invalid cases that TOML 1.1 made valid (times
/// without seconds, newlines and a trailing comma in inline tables, `\x`
/// escapes); they run with the decoder in 1.0 mode.
final class TOMLSuiteTests: XCTestCase {
    func testOfficialSuiteTOML10() throws {
        try runSuite(list: "files-toml-1.0.0", version: .v1_0)
    }

    func testOfficialSuiteTOML11() throws {
        try runSuite(list: "files-toml-1.1.0", version: .v1_1)
    }

    /// roost's default edition is 1.1: the 1.0 list's cases differ exactly
    /// where the two editions disagree.
    func testDefaultEditionIs11() throws {
        XCTAssertNoThrow(try TOML.decode("t = 07:32\n"))
        XCTAssertThrowsError(try TOML.decode("t = 07:32\n", version: .v1_0))
    }

    private func runSuite(list: String, version: TOML.Version) throws {
        let root = try SharedFixtures.require("toml-test/tests")
        let listing = try String(contentsOf: root.appendingPathComponent(list), encoding: .utf8)
        var passed = 0
        var failures: [String] = []
        for rel in listing.split(separator: "\n") where rel.hasSuffix(".toml") {
            let data = try Data(contentsOf: root.appendingPathComponent(String(rel)))
            let text = String(validating: [UInt8](data), as: UTF8.self)
            if rel.hasPrefix("invalid/") {
                if let text, (try? TOML.decode(text, version: version)) != nil { failures.append("accepted \(rel)") } else { passed += 1 }
                continue
            }
            guard let text else { failures.append("not UTF-8: \(rel)"); continue }
            do {
                let table = try TOML.decode(text, version: version)
                let expectedURL = root.appendingPathComponent(String(rel.dropLast(5)) + ".json")
                let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL))
                if Tagged.normalize(expected) == Tagged.normalize(Tagged.encode(.table(table))) { passed += 1 } else {
                    failures.append("wrong value: \(rel)")
                }
            } catch {
                failures.append("rejected \(rel): \(error)")
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertGreaterThan(passed, 700)
    }
}

/// toml-test's tagged JSON, compared after the same normalisation run.py does.
enum Tagged {
    static func encode(_ v: TOMLValue) -> Any {
        func leaf(_ t: String, _ s: String) -> Any { ["type": t, "value": s] }
        switch v {
        case .string(let s): return leaf("string", s)
        case .integer(let i): return leaf("integer", String(i))
        case .float(let d): return leaf("float", d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : d.description)
        case .bool(let b): return leaf("bool", b ? "true" : "false")
        case .datetime(let dt):
            let kinds: [TOMLDateTime.Kind: String] = [.offsetDateTime: "datetime", .localDateTime: "datetime-local",
                                                      .localDate: "date-local", .localTime: "time-local"]
            return leaf(kinds[dt.kind]!, dt.text)
        case .array(let items): return items.map(encode)
        case .table(let t): return Dictionary(uniqueKeysWithValues: t.map { ($0.key, encode($0.value)) })
        }
    }

    static func normalize(_ x: Any) -> String {
        if let d = x as? [String: Any] {
            if d.count == 2, let t = d["type"] as? String, let v = d["value"] as? String {
                switch t {
                case "integer": return "i:\(Int64(v) ?? 0)"
                case "float":
                    let s = v.lowercased().replacingOccurrences(of: "_", with: "")
                    return s.contains("nan") ? "f:nan" : "f:\(Double(s) ?? .nan)"
                case "datetime", "datetime-local", "date-local", "time-local":
                    var s = v.replacingOccurrences(of: " ", with: "T").replacingOccurrences(of: "t", with: "T")
                        .replacingOccurrences(of: "z", with: "Z")
                    if s.hasSuffix("Z") { s = String(s.dropLast()) + "+00:00" }
                    if let dot = s.firstIndex(of: ".") {
                        var end = s[dot...].dropFirst().firstIndex(where: { !$0.isNumber }) ?? s.endIndex
                        var frac = String(s[s.index(after: dot)..<end])
                        while frac.hasSuffix("0") { frac.removeLast() }
                        if end > s.endIndex { end = s.endIndex }
                        s = String(s[..<dot]) + (frac.isEmpty ? "" : "." + frac) + String(s[end...])
                    }
                    return "\(t):\(s)"
                default: return "\(t):\(v)"
                }
            }
            return "{" + d.keys.sorted().map { "\($0)=\(normalize(d[$0]!))" }.joined(separator: ",") + "}"
        }
        if let a = x as? [Any] { return "[" + a.map(normalize).joined(separator: ",") + "]" }
        return "?\(x)"
    }
}
