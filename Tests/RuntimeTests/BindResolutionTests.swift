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
        let groups = BindResolution.groups(binds, statuses: statuses)
        XCTAssertEqual(groups.map(\.name), ["db"], "a bind without a live member is absent")
        XCTAssertEqual(groups[0].members.map(\.ip), ["10.0.0.5", "10.0.0.6"])
        XCTAssertEqual(groups[0].activeMembers.map(\.ip), ["10.0.0.5"])
        XCTAssertEqual(groups[0].activeMembers.first?.cfg["port"], .integer(5432), "the port fills the contract's key")
    }

    func testNoStatusesMeansNoBinds() {
        XCTAssertEqual(BindResolution.groups(binds, statuses: []), [])
        XCTAssertTrue(BindResolution.problems(binds, statuses: []).isEmpty)
    }

    func testProblemsNameEachDownMemberWithItsReason() {
        let statuses = [
            status("db", "10.0.0.5", "10.0.0.5", 5432, alive: true),
            status("db", "10.0.0.6", "10.0.0.6", 5432, alive: false, "connection refused"),
            status("cache", "cache.internal", nil, 6379, alive: false, "no such host"),
        ]
        let problems = BindResolution.problems(binds, statuses: statuses)
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
        XCTAssertTrue(BindResolution.problems(binds, statuses: statuses).isEmpty)
        let groups = BindResolution.groups(binds, statuses: statuses)
        XCTAssertEqual(groups.map(\.name), ["db", "cache"])
        XCTAssertEqual(groups[1].members.map(\.hostname), ["cache.internal"])
    }
}
