import XCTest
@testable import Runtime

/// The one-line health record `roost start` keeps and `roost health` reads.
final class HealthRecordTests: XCTestCase {
    func testPlainSummaryIsKeptAndReadBack() throws {
        let record = HealthRecord(status: .ok, checkedAt: 1_796_198_105, summary: "service is up")
        XCTAssertEqual(record.encoded, "ok 1796198105 service is up\n")
        let read = try XCTUnwrap(HealthRecord(decoding: record.encoded))
        XCTAssertEqual([read.status.rawValue, String(read.checkedAt), read.summary], ["ok", "1796198105", "service is up"])
    }

    /// Whatever a health-check hook printed stays on one line: every kind of
    /// line break becomes a space; tabs and other text are kept.
    func testSummaryNeverBreaksTheLine() throws {
        let summary = "a\nb\r\nc\u{2028}d\u{85}e\u{0B}f\tg ünï"
        let record = HealthRecord(status: .critical, checkedAt: 7, summary: summary)
        XCTAssertEqual(record.encoded, "critical 7 a b c d e f\tg ünï\n")
        XCTAssertEqual(record.encoded.filter(\.isNewline).count, 1)
        XCTAssertEqual(HealthRecord(decoding: record.encoded)?.summary, "a b c d e f\tg ünï")
        XCTAssertEqual(HealthRecord(status: .unknown, checkedAt: 0, summary: "").encoded, "unknown 0 \n")
    }

    /// A record that roost cannot have written reads as no record (unknown):
    /// `roost health` computed its age as now − time and trapped on Int.min.
    func testRecordsWithImpossibleTimesAreUnreadable() {
        for text in ["ok -9223372036854775808 hi\n", "ok -1 x\n", "ok 99999999999999999999 x\n", "ok  x\n", "fine 7 x\n"] {
            XCTAssertNil(HealthRecord(decoding: text), text)
        }
        XCTAssertEqual(HealthRecord(decoding: "warning 0 slow\n")?.status, .warning)
    }
}
