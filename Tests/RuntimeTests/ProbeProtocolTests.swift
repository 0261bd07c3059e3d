import Habitat
import Runtime
import XCTest

/// `ProbeProtocol`: what crosses between PID 1 and the `__probe-binds` child
/// survives the trip, and a reason cannot break the line format.
final class ProbeProtocolTests: XCTestCase {
    private func entry(_ name: String, _ members: [BindSpec.MemberSpec], check: String? = nil) -> BindSet.Entry {
        BindSet.Entry(spec: BindSpec(name: name, members: members, httpCheckPath: check, source: "test"),
                      required: false, contract: [], portKey: "port")
    }

    func testRequestRoundTripKeepsBindsMembersPortsAndCheckPath() {
        let binds = BindSet(entries: [
            entry("db", [.init(host: "10.0.0.5", port: 5432), .init(host: "db.internal")]),
            entry("web", [.init(host: "::1", port: 80)], check: "/healthz"),
        ])
        let text = ProbeProtocol.encode(binds)
        XCTAssertEqual(text, "db\t5432\t-\t10.0.0.5\ndb\t-\t-\tdb.internal\nweb\t80\t/healthz\t::1")
        let decoded = ProbeProtocol.decodeRequest(text)
        XCTAssertEqual(decoded.entries.map(\.spec.name), ["db", "web"])
        XCTAssertEqual(decoded.entries[0].spec.members, [.init(host: "10.0.0.5", port: 5432), .init(host: "db.internal")])
        XCTAssertNil(decoded.entries[0].spec.httpCheckPath)
        XCTAssertEqual(decoded.entries[1].spec.httpCheckPath, "/healthz")
        XCTAssertEqual(decoded.entries[1].spec.members, [.init(host: "::1", port: 80)])
    }

    func testMalformedRequestLinesAreSkipped() {
        let decoded = ProbeProtocol.decodeRequest("garbage\ndb\t1\t-\nweb\t80\t-\thost\n\n")
        XCTAssertEqual(decoded.entries.map(\.spec.name), ["web"])
        // A port out of range is no port (it trapped the probe on UInt16(port)).
        let odd = ProbeProtocol.decodeRequest("db\t99999\t-\t127.0.0.1\ndb\t0\t-\th\ndb\t-5\t-\th\ndb\t65535\t-\th")
        XCTAssertEqual(odd.entries.first?.spec.members.map(\.port), [nil, nil, nil, 65535])
    }

    func testResultsRoundTrip() {
        let statuses = [
            MemberStatus(bind: "db", host: "db.internal", address: "10.0.0.5", port: 5432, alive: true, reason: ""),
            MemberStatus(bind: "db", host: "gone.internal", address: nil, port: nil, alive: false, reason: "no such host"),
        ]
        let text = ProbeProtocol.encode(statuses)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(ProbeProtocol.decodeResults(text.split(separator: "\n").map(String.init)), statuses)
    }

    /// A reason with tabs or line breaks (from a server's answer) stays one
    /// field of one line.
    func testReasonCannotBreakTheLineFormat() {
        let status = MemberStatus(bind: "db", host: "h", address: "10.0.0.5", port: 80, alive: false,
                                  reason: "HTTP 500\tInternal\nError\r\nmore")
        let text = ProbeProtocol.encode([status])
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        XCTAssertEqual(lines.count, 1, text)
        let decoded = ProbeProtocol.decodeResults(lines)
        XCTAssertEqual(decoded.count, 1)
        XCTAssertEqual(decoded.first?.reason, "HTTP 500 Internal Error more")
    }

    func testMalformedResultLinesAreSkipped() {
        XCTAssertEqual(ProbeProtocol.decodeResults(["", "db\th", "db\th\t-\t-\t0\tx\textra"]), [])
    }
}
