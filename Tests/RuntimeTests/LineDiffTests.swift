@testable import Runtime
import SeededRandom
import XCTest

/// `LineDiff`: unified-diff output (headers, hunk ranges, context, merging of
/// nearby changes) and that its edit script is a shortest one.
final class LineDiffTests: XCTestCase {
    private func diff(_ old: String, _ new: String, context: Int = 3) -> String {
        LineDiff.unified(old: old, new: new, oldName: "a", newName: "b", context: context)
    }

    private func numbered(_ range: ClosedRange<Int>, replacing: [Int: String] = [:]) -> String {
        range.map { replacing[$0] ?? "l\($0)" }.joined(separator: "\n") + "\n"
    }

    func testEqualTextsHaveNoDiff() {
        XCTAssertEqual(diff("a\nb\nc\n", "a\nb\nc\n"), "")
        XCTAssertEqual(diff("", ""), "")
    }

    func testOneChangedLineWithContext() {
        XCTAssertEqual(diff("a\nb\nc\n", "a\nx\nc\n"), "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n")
    }

    func testWholeFileAddedOrRemoved() {
        XCTAssertEqual(diff("", "one\ntwo\n"), "--- a\n+++ b\n@@ -1,0 +1,2 @@\n+one\n+two\n")
        XCTAssertEqual(diff("one\ntwo\n", ""), "--- a\n+++ b\n@@ -1,2 +1,0 @@\n-one\n-two\n")
    }

    func testAMissingFinalNewlineIsNotAChange() {
        XCTAssertEqual(diff("port = 80\nhost = x", "port = 8080\nhost = x\n"),
                       "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-port = 80\n+port = 8080\n host = x\n")
    }

    func testDistantChangesMakeTwoHunks() {
        let expected = """
            --- a
            +++ b
            @@ -1,6 +1,6 @@
             l1
             l2
            -l3
            +X
             l4
             l5
             l6
            @@ -14,7 +14,7 @@
             l14
             l15
             l16
            -l17
            +Y
             l18
             l19
             l20

            """
        XCTAssertEqual(diff(numbered(1...20), numbered(1...20, replacing: [3: "X", 17: "Y"])), expected)
    }

    func testNearbyChangesShareOneHunk() {
        // Five unchanged lines between the changes, fewer than 2 × 3 context lines.
        let result = diff(numbered(1...12), numbered(1...12, replacing: [3: "X", 9: "Y"]))
        XCTAssertEqual(result.split(separator: "\n").filter { $0.hasPrefix("@@") }, ["@@ -1,12 +1,12 @@"])
        XCTAssertEqual(diff("a\nb\nc\nd\n", "a\nc\nd\ne\n", context: 1),
                       "--- a\n+++ b\n@@ -1,4 +1,4 @@\n a\n-b\n c\n d\n+e\n")
    }

    /// The edit script replays to both texts and keeps a longest common
    /// subsequence (checked against a small dynamic-programming LCS).
    func testEditScriptIsShortest() {
        var generator = SplitMix64(seed: 0x5EED_D1FF)
        for round in 0..<500 {
            let a = (0..<Int.random(in: 0...25, using: &generator)).map { _ in "x\(Int.random(in: 0...3, using: &generator))" }
            let b = (0..<Int.random(in: 0...25, using: &generator)).map { _ in "x\(Int.random(in: 0...3, using: &generator))" }
            var oldSide: [String] = [], newSide: [String] = [], kept = 0
            for op in LineDiff.diff(a, b) {
                switch op {
                case .same(let line): oldSide.append(line); newSide.append(line); kept += 1
                case .removed(let line): oldSide.append(line)
                case .added(let line): newSide.append(line)
                }
            }
            XCTAssertEqual(oldSide, a, "round \(round)")
            XCTAssertEqual(newSide, b, "round \(round)")
            XCTAssertEqual(kept, lcsLength(a, b), "round \(round): \(a) → \(b)")
        }
    }

    func testVeryLargeChangesFallBackToRemoveAllAddAll() {
        let old = (0..<3000).map { "old \($0)" }, new = (0..<3000).map { "new \($0)" }
        let ops = LineDiff.diff(old, new)
        XCTAssertEqual(ops.count, 6000)
        guard case .removed("old 0") = ops.first, case .added("new 2999") = ops.last else {
            return XCTFail("expected all removed, then all added")
        }
    }

    private func lcsLength(_ a: [String], _ b: [String]) -> Int {
        var row = [Int](repeating: 0, count: b.count + 1)
        for x in a {
            var diagonal = 0
            for (j, y) in b.enumerated() {
                let above = row[j + 1]
                row[j + 1] = x == y ? diagonal + 1 : max(row[j + 1], row[j])
                diagonal = above
            }
        }
        return row[b.count]
    }
}
