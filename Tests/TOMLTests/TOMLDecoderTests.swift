import XCTest
import TOML

final class TOMLDecoderTests: XCTestCase {
    func testKeysKeepSourceOrder() throws {
        let t = try TOML.decode("z = 1\na = 2\n[m]\ny = 1\nb = 2\n[c]\n")
        XCTAssertEqual(t.keys, ["z", "a", "m", "c"])
        guard case .table(let m)? = t["m"] else { return XCTFail("m is a table") }
        XCTAssertEqual(m.keys, ["y", "b"])
    }

    func testErrorsCarryLineAndColumn() {
        XCTAssertThrowsError(try TOML.decode("a = 1\nport = \n")) { error in
            let e = error as! TOMLError
            XCTAssertEqual(e.line, 2)
            XCTAssertEqual(e.column, 8)
        }
        XCTAssertThrowsError(try TOML.decode("a = 1\na = 2\n")) { error in
            let e = error as! TOMLError
            XCTAssertEqual([e.line, e.column], [2, 1])
            XCTAssertTrue(e.message.contains("duplicate key 'a'"), e.message)
        }
        XCTAssertThrowsError(try TOML.decode("s = \"unterminated\n")) { error in
            XCTAssertEqual((error as! TOMLError).line, 1)
        }
    }

    func testDatetimeText() throws {
        let t = try TOML.decode("a = 1979-05-27 07:32:00z\nb = 1979-05-27T00:32:00.999999-07:00\nc = 1979-05-27\nd = 07:32:00\n")
        let texts = t.map { pair -> String in
            if case .datetime(let dt) = pair.value { return dt.text }
            return ""
        }
        XCTAssertEqual(texts, ["1979-05-27T07:32:00Z", "1979-05-27T00:32:00.999999-07:00", "1979-05-27", "07:32:00"])
        XCTAssertThrowsError(try TOML.decode("x = 2023-02-29"))
        XCTAssertNoThrow(try TOML.decode("x = 2024-02-29"))
    }

    func testNumbers() throws {
        let t = try TOML.decode("a = 0xff\nb = 1_000\nc = -0.5e2\nd = inf\ne = 9223372036854775807\n")
        XCTAssertEqual(t["a"], .integer(255))
        XCTAssertEqual(t["b"], .integer(1000))
        XCTAssertEqual(t["c"], .float(-50))
        XCTAssertEqual(t["d"], .float(.infinity))
        XCTAssertEqual(t["e"], .integer(.max))
        XCTAssertThrowsError(try TOML.decode("x = 9223372036854775808"))
        XCTAssertThrowsError(try TOML.decode("x = 01"))
    }

    /// No input crashes or hangs the decoder: random bytes and mutations of
    /// valid documents only ever decode or throw.
    func testRandomInputsNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        let seeds = ["a = 1\n[t]\nx = \"s\"\n", "[[a.b]]\nc = [1, {d = 2}]\n", "s = '''\nx\n'''\n", "d = 1979-05-27T07:32:00Z"]
        let alphabet = Array("[]{}=\"'.,#\n \\tx1-_:+e".utf8)
        for n in 0..<5000 {
            var bytes = Array(seeds[n % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0...bytes.count, using: &rng)
                if Bool.random(using: &rng), i < bytes.count { bytes.remove(at: i) } else {
                    bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                }
            }
            if let text = String(validating: bytes, as: UTF8.self) { _ = try? TOML.decode(text) }
        }
    }

    /// TOML 1.1, what Habitat's parser reads, without the shared suite.
    func testTOML11Additions() throws {
        let t = try TOML.decode("""
            e = "\\e[0m"
            x = "\\x41\\xe6"
            t = 07:32
            d = 1979-05-27 07:32Z
            l = 1979-05-27T07:32
            i = {
              a = 1, # a comment
              b = [1,
                   2],
            }
            """)
        XCTAssertEqual(t["e"], .string("\u{1B}[0m"))
        XCTAssertEqual(t["x"], .string("A\u{E6}"))
        guard case .datetime(let time)? = t["t"], case .datetime(let d)? = t["d"], case .datetime(let l)? = t["l"] else {
            return XCTFail("datetimes expected")
        }
        XCTAssertEqual([time.text, d.text, l.text], ["07:32:00", "1979-05-27T07:32:00Z", "1979-05-27T07:32:00"])
        guard case .table(let i)? = t["i"] else { return XCTFail("i is a table") }
        XCTAssertEqual(i.keys, ["a", "b"])
        XCTAssertEqual(i["b"], .array([.integer(1), .integer(2)]))
        // Still invalid in 1.1: a fraction without seconds, a short \x, a
        // comma alone, two trailing commas.
        for bad in ["t = 07:32.5", "x = \"\\x4\"", "i = {,}", "i = { a = 1,, }", "x = '\\x41' y"] {
            XCTAssertThrowsError(try TOML.decode(bad), bad)
        }
        // TOML 1.0 rejects each addition.
        for old in ["e = \"\\e\"", "x = \"\\x41\"", "t = 07:32", "i = { a = 1, }", "i = {\n a = 1 }"] {
            XCTAssertThrowsError(try TOML.decode(old, version: .v1_0), old)
            XCTAssertNoThrow(try TOML.decode(old), old)
        }
    }

    /// Nesting deeper than `TOML.maxDepth` is an error with a position, never
    /// a stack overflow; input far deeper than the bound is refused early.
    func testDepthIsBounded() {
        func expectTooDeep(_ text: String, line: Int = 1, file: StaticString = #filePath, at: UInt = #line) {
            XCTAssertThrowsError(try TOML.decode(text), file: file, line: at) { error in
                let e = error as! TOMLError
                XCTAssertTrue(e.message.contains("nested more than \(TOML.maxDepth) levels"), e.message, file: file, line: at)
                XCTAssertEqual(e.line, line, file: file, line: at)
            }
        }
        let n = 60_000
        expectTooDeep("a = " + String(repeating: "[", count: n) + String(repeating: "]", count: n))
        expectTooDeep("a = " + String(repeating: "{b=", count: 20_000) + "1" + String(repeating: "}", count: 20_000))
        expectTooDeep("x = 1\na = " + String(repeating: "[{b=", count: 10_000), line: 2)
        expectTooDeep(Array(repeating: "k", count: 10_000).joined(separator: ".") + " = 1")
        expectTooDeep("[" + Array(repeating: "k", count: 10_000).joined(separator: ".") + "]")
        // A header and a dotted key add up.
        let half = Array(repeating: "k", count: 100).joined(separator: ".")
        expectTooDeep("[\(half)]\n\(half) = 1", line: 2)
        expectTooDeep("[\(half)]\nv = " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40), line: 2)
        // Exactly at the bound is fine.
        let d = TOML.maxDepth
        XCTAssertNoThrow(try TOML.decode("a = " + String(repeating: "[", count: d - 1) + String(repeating: "]", count: d - 1)))
        XCTAssertNoThrow(try TOML.decode(Array(repeating: "k", count: d).joined(separator: ".") + " = 1"))
        XCTAssertThrowsError(try TOML.decode("a = " + String(repeating: "[", count: d) + String(repeating: "]", count: d)))
    }

    /// Bytes that are not UTF-8 are a syntax error with a line and column.
    func testInvalidUTF8Bytes() {
        XCTAssertThrowsError(try TOML.decode(bytes: Array("a = 1\nb = \"x".utf8) + [0xFF] + Array("\"\n".utf8))) { error in
            let e = error as! TOMLError
            XCTAssertEqual([e.line, e.column], [2, 7])
            XCTAssertTrue(e.message.contains("UTF-8"), e.message)
        }
    }

    /// Many `[[arr]]` headers decode into one array, in order, in linear
    /// time: each header copied the whole array before (100,000 took 75 s).
    func testManyArrayOfTablesHeaders() throws {
        let count = 50_000
        var text = ""
        for i in 0..<count { text += "[[arr]]\nx = \(i)\n" }
        text += "[[arr.sub]]\ny = 1\n"
        let t = try TOML.decode(text)
        guard case .array(let elements)? = t["arr"] else { return XCTFail("arr is an array") }
        XCTAssertEqual(elements.count, count)
        guard case .table(let first) = elements[0], case .table(let last) = elements[count - 1] else { return XCTFail("tables") }
        XCTAssertEqual(first["x"], .integer(0))
        XCTAssertEqual(last["x"], .integer(Int64(count - 1)))
        XCTAssertNotNil(last["sub"], "a sub-array goes into the last element")
    }
}
