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
}
