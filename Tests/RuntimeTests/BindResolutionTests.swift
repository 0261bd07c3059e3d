import Habitat
import Runtime
import XCTest

/// `BindResolution`: which binds templates see, and the one-line problems
/// roost logs while it waits.
final class BindResolutionTests: XCTestCase {
    private let binds = BindSet(entries: [
        BindSet.Entry(spec: BindSpec(name: "db", members: [.init(host: "10.0.0.5", port: 5432), .init(host: "10.0.0.6", port: 5432)],
                                     source: "test"), required: true, contract: ["port"], portKey: "port"),
        BindSet.Entry(spec: BindSpec(name: "cache", members: [.init(host: "cache.internal", port: 6379)], source: "test"),
                      required: false, contract: ["port"], portKey: "port"),
    ])

    private func status(_ bind: String, _ host: String, _ address: String?, _ port: Int?, alive: Bool, _ reason: String = "") -> MemberStatus {
        MemberStatus(bind: bind, host: host, address: address, port: port, alive: alive, reason: reason)
    }

    func testABindWithOneLiveMemberIsPresentWithAllItsMembers() {
        let statuses = [
            status("db", "10.0.0.5", "10.0.0.5", 5432, alive: true),
            status("db", "10.0.0.6", "10.0.0.6", 5432, alive: false, "connection refused"),
            status("cache", "cache.internal", nil, 6379, alive: false, "no such host"),
        ]
        let groups = BindResolution(binds, statuses: statuses).groups
        XCTAssertEqual(groups.map(\.name), ["db"], "a bind without a live member is absent")
        XCTAssertEqual(groups[0].members.map(\.ip), ["10.0.0.5", "10.0.0.6"])
        XCTAssertEqual(groups[0].activeMembers.map(\.ip), ["10.0.0.5"])
        XCTAssertEqual(groups[0].activeMembers.first?.cfg["port"], .integer(5432), "the port fills the contract's key")
    }

    func testNoStatusesMeansNoBinds() {
        XCTAssertEqual(BindResolution(binds, statuses: []).groups, [])
        XCTAssertTrue(BindResolution(binds, statuses: []).problems.isEmpty)
    }

    func testUnsatisfiedBindsAreThoseWithoutAnActiveMember() {
        let statuses = [
            status("db", "10.0.0.5", "10.0.0.5", 5432, alive: true),
            status("db", "10.0.0.6", "10.0.0.6", 5432, alive: false, "connection refused"),
            status("cache", "cache.internal", nil, 6379, alive: false, "no such host"),
        ]
        let resolution = BindResolution(binds, statuses: statuses)
        XCTAssertEqual(resolution.unsatisfied, [.init(bind: "cache", required: false, detail: "cache.internal:6379 (no such host)")])
        XCTAssertEqual(resolution.partial, [.init(bind: "db", required: true, detail: "10.0.0.6:5432 (connection refused)")])
        XCTAssertFalse(resolution.gaveNoResult)
        let nothing = BindResolution(binds, statuses: [])
        XCTAssertTrue(nothing.gaveNoResult)
        XCTAssertEqual(nothing.unsatisfied.map(\.detail), ["the probe gave no result", "the probe gave no result"])
        XCTAssertFalse(BindResolution(BindSet(entries: []), statuses: []).gaveNoResult, "no binds, nothing to say")
    }

    /// The in-process probe (`roost render`) and the child's answer
    /// (`start`, `dev`) are the same probe.
    func testTheChildAnswersWhatTheInProcessProbeFinds() {
        let closed = BindSet(entries: [BindSet.Entry(spec: BindSpec(name: "db", members: [.init(host: "127.0.0.1", port: 1)], source: "test"),
                                                     required: true, contract: ["port"], portKey: "port")])
        let here = BindResolution.probe(closed)
        let child = BindResolution(closed, statuses: ProbeProtocol.decodeResults(
            ProbeProtocol.answer(request: ProbeProtocol.encode(closed)).split(separator: "\n").map(String.init)))
        XCTAssertEqual(here, child)
        XCTAssertEqual(here.unsatisfied, [.init(bind: "db", required: true, detail: "127.0.0.1:1 (Connection refused)")])
    }

    func testProblemsNameEachDownMemberWithItsReason() {
        let statuses = [
            status("db", "10.0.0.5", "10.0.0.5", 5432, alive: true),
            status("db", "10.0.0.6", "10.0.0.6", 5432, alive: false, "connection refused"),
            status("cache", "cache.internal", nil, 6379, alive: false, "no such host"),
        ]
        let problems = BindResolution(binds, statuses: statuses).problems
        XCTAssertEqual(problems.map(\.bind), ["db", "cache"])
        XCTAssertEqual(problems.map(\.required), [true, false])
        XCTAssertEqual(problems.map(\.detail), ["10.0.0.6:5432 (connection refused)", "cache.internal:6379 (no such host)"])
    }

    func testAllMembersUpMeansNoProblems() {
        let statuses = [
            status("db", "10.0.0.5", "10.0.0.5", 5432, alive: true),
            status("db", "10.0.0.6", "10.0.0.6", 5432, alive: true),
            status("cache", "cache.internal", "::1", 6379, alive: true),
        ]
        XCTAssertTrue(BindResolution(binds, statuses: statuses).problems.isEmpty)
        let groups = BindResolution(binds, statuses: statuses).groups
        XCTAssertEqual(groups.map(\.name), ["db", "cache"])
        XCTAssertEqual(groups[1].members.map(\.hostname), ["cache.internal"])
    }
}
