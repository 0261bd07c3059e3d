import Foundation
import Supervision
import XCTest

/// `ExecutablePages.release`: the binary's read-only pages leave the resident
/// set, and the program goes on running (they come back when touched).
final class ExecutablePagesTests: XCTestCase {
    /// RssFile of this process, in kB.
    func residentFilePages() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    func testReleaseShrinksTheResidentSet() throws {
        let before = try residentFilePages()
        let released = ExecutablePages.release()
        guard released >= 0 else { throw XCTSkip("no MADV_PAGEOUT on this kernel") }
        XCTAssertGreaterThan(released, 0, "the test binary has read-only mappings")
        let after = try residentFilePages()
        XCTAssertLessThan(after, before, "pages of the binary left the resident set")
        // Still runs: code paged out comes back on use.
        XCTAssertEqual([3, 1, 2].sorted(), [1, 2, 3])
    }
}
