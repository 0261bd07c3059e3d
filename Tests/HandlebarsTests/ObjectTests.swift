import Handlebars
import SeededRandom
import XCTest

/// `Object`: insertion order, replace in place, removal, and lookups on
/// both sides of the size where it starts keeping a key index.
final class ObjectTests: XCTestCase {
    func testOrderReplaceAndRemoveAcrossTheIndexedSize() {
        var object = Object()
        for i in 0..<30 { object["key\(i)"] = .integer(Int64(i)) }
        XCTAssertEqual(object.count, 30)
        XCTAssertEqual(object.keys, (0..<30).map { "key\($0)" })
        for i in 0..<30 { XCTAssertEqual(object["key\(i)"], .integer(Int64(i))) }
        XCTAssertNil(object["key30"])

        object["key7"] = "seven"   // replaced where it stands
        XCTAssertEqual(object.keys[7], "key7")
        XCTAssertEqual(object["key7"], "seven")

        for i in stride(from: 29, through: 1, by: -2) { object["key\(i)"] = nil }
        XCTAssertEqual(object.keys, stride(from: 0, to: 30, by: 2).map { "key\($0)" })
        for i in 0..<30 { XCTAssertEqual(object["key\(i)"] != nil, i % 2 == 0, "key\(i)") }
        object["key7"] = "back"    // appended again, at the end
        XCTAssertEqual(object.keys.last, "key7")
        XCTAssertEqual(object["key7"], "back")
        XCTAssertEqual(object["key28"], .integer(28))
    }

    func testEqualityIsOrderAndValues() {
        let small: Object = ["a": 1, "b": 2]
        XCTAssertEqual(small, ["a": 1, "b": 2])
        XCTAssertNotEqual(small, ["b": 2, "a": 1], "order is part of an object")
        XCTAssertNotEqual(small, ["a": 1, "b": 3])
        var big = Object(), shrunk = Object()
        for i in 0..<20 { big["k\(i)"] = .integer(Int64(i)) }
        for i in 0..<25 { shrunk["k\(i)"] = .integer(Int64(i)) }
        for i in 20..<25 { shrunk["k\(i)"] = nil }
        XCTAssertEqual(big, shrunk, "built differently, same entries")
    }

    /// Built from pairs, small and past the indexed size, with repeated keys:
    /// the same object as assigning the pairs one by one (the last value wins,
    /// in the place of the first), and it stays editable after.
    func testBuiltFromPairsWithRepeatedKeys() {
        for size in [3, 12, 13, 40] {
            var pairs: [(String, Value)] = (0..<size).map { ("k\($0)", .integer(Int64($0))) }
            pairs.append(("k1", "again"))
            pairs.insert(("k2", "first"), at: 0)
            var assigned = Object()
            for (k, v) in pairs { assigned[k] = v }
            var built = Object(pairs)
            XCTAssertEqual(built, assigned, "size \(size)")
            XCTAssertEqual(built.keys.first, "k2", "size \(size)")
            XCTAssertEqual(built["k2"], .integer(2), "size \(size)")
            XCTAssertEqual(built["k1"], "again", "size \(size)")
            XCTAssertEqual(built.count, size, "size \(size)")
            built["k0"] = nil
            built["new"] = true
            XCTAssertNil(built["k0"], "size \(size)")
            XCTAssertEqual(built["new"], true, "size \(size)")
            XCTAssertEqual(built["k\(size - 1)"], .integer(Int64(size - 1)), "size \(size)")
            XCTAssertEqual(built.keys.last, "new", "size \(size)")
        }
    }

    /// Random inserts, replacements and removals against a plain model.
    func testMatchesAModelUnderRandomEdits() {
        var random = SplitMix64(seed: 15)
        var object = Object()
        var model: [(String, Int64)] = []
        for step in 0..<5_000 {
            let key = "k\(random.next() % 40)"
            let existing = model.firstIndex { $0.0 == key }
            if random.next() % 3 == 0 {
                object[key] = nil
                if let existing { model.remove(at: existing) }
            } else {
                let value = Int64(step)
                object[key] = .integer(value)
                if let existing { model[existing].1 = value } else { model.append((key, value)) }
            }
            XCTAssertEqual(object.keys, model.map(\.0), "step \(step)")
            for (k, v) in model where object[k] != .integer(v) { XCTFail("step \(step): \(k)") }
        }
    }
}
