import Habitat
import Runtime
import Supervision
import XCTest

/// Binds as `--bind`/a binds file would give them, and probe results.
enum BindFixture {
    /// `db` (required, two members) and `cache` (optional, one member).
    static let binds = BindSet(entries: [
        BindSet.Entry(spec: BindSpec(name: "db", members: [.init(host: "10.0.0.5", port: 5432), .init(host: "10.0.0.6", port: 5432)],
                                     source: "test"), required: true, contract: ["port"], portKey: "port"),
        BindSet.Entry(spec: BindSpec(name: "cache", members: [.init(host: "cache.internal", port: 6379)], source: "test"),
                      required: false, contract: ["port"], portKey: "port"),
    ])
    /// Only `db`.
    static let dbOnly = BindSet(entries: [binds.entries[0]])

    static func status(_ bind: String, _ host: String, alive: Bool, _ reason: String = "reachable") -> MemberStatus {
        MemberStatus(bind: bind, host: host, address: host == "cache.internal" ? "10.0.0.9" : host,
                     port: bind == "db" ? 5432 : 6379, alive: alive, reason: reason)
    }

    static let dbUp = [status("db", "10.0.0.5", alive: true), status("db", "10.0.0.6", alive: true)]
    static let dbDown = [status("db", "10.0.0.5", alive: false, "connection refused"),
                         status("db", "10.0.0.6", alive: false, "connection refused")]
    static let cacheUp = [status("cache", "cache.internal", alive: true)]
    static let cacheDown = [status("cache", "cache.internal", alive: false, "timed out")]
}

/// Waiting for binds and membership changes, decided from probe results and
/// the elapsed time alone: no processes, no clock.
final class BindWaitTests: XCTestCase {
    typealias F = BindFixture
    let t0 = ContinuousClock.now

    /// A lifecycle that waits for binds, with a 60 s bind timeout.
    func waiting() -> Lifecycle {
        var l = Lifecycle(restartTracker: RestartTracker(policy: RestartPolicy(mode: .onFailure, jitter: 0)),
                          bindTimeout: .seconds(60))
        XCTAssertEqual(l.handle(.begin(waitForBinds: true)), [])
        return l
    }

    /// The same lifecycle once its service runs with `groups` (pid 42).
    func running(with groups: [BoundGroup]) -> Lifecycle {
        var l = waiting()
        let effects = l.handle(.bindsProbed(BindResolution(F.binds, statuses: F.dbUp + F.cacheUp), elapsed: .zero, current: []))
        XCTAssertEqual(effects.last, .renderInitial)
        _ = l.handle(.rendered(ok: true))
        _ = l.handle(.hookFinished(.initialize, HookOutcome(status: .exited(0))))
        _ = l.handle(.serviceStarted(pid: 42))
        XCTAssertEqual(l.state, .running(pid: 42, healthy: false))
        return l
    }

    func probed(_ l: inout Lifecycle, _ statuses: [MemberStatus], after seconds: Int, current: [BoundGroup] = [],
                binds: BindSet = F.binds) -> [Lifecycle.Effect] {
        l.handle(.bindsProbed(BindResolution(binds, statuses: statuses), elapsed: .seconds(seconds), current: current))
    }

    func exits(_ effects: [Lifecycle.Effect]) -> Int32? {
        for case .exit(let code) in effects { return code }
        return nil
    }

    // MARK: Before the start

    func testAllBindsAnsweringStartsAtOnce() {
        var l = waiting()
        let statuses = F.dbUp + F.cacheUp
        XCTAssertEqual(probed(&l, statuses, after: 0),
                       [.log(.info, "binds ready after 0 s"),
                        .useBinds(BindResolution(F.binds, statuses: statuses).groups), .renderInitial])
        XCTAssertEqual(l.state, .waitingForBinds, "the state moves on with the render")
    }

    func testKeepsWaitingAndReportsEveryFiveSeconds() {
        var l = waiting()
        let statuses = F.dbDown + F.cacheUp
        XCTAssertEqual(probed(&l, statuses, after: 1), [.probeBinds(after: .seconds(1))], "no report in the first 5 s")
        XCTAssertEqual(probed(&l, statuses, after: 5),
                       [.log(.info, "waiting for bind db (5 s of 60): 10.0.0.5:5432 (connection refused), 10.0.0.6:5432 (connection refused)"),
                        .probeBinds(after: .seconds(1))])
        XCTAssertEqual(probed(&l, statuses, after: 9), [.probeBinds(after: .seconds(1))])
        XCTAssertEqual(probed(&l, statuses, after: 10).count, 2, "the next report 5 s after the last")
        XCTAssertEqual(l.state, .waitingForBinds)
    }

    func testARequiredBindFailsTheStartAtTheTimeout() {
        var l = waiting()
        let effects = probed(&l, F.dbDown + F.cacheUp, after: 60)
        XCTAssertEqual(effects.first,
                       .log(.error, "required bind db: no member reachable after 60 s: 10.0.0.5:5432 (connection refused), 10.0.0.6:5432 (connection refused)"))
        XCTAssertFalse(effects.contains(.renderInitial))
        XCTAssertEqual(exits(effects), 69)
        XCTAssertEqual(l.exitCode, 69)
    }

    func testAnOptionalBindIsLeftOutAtTheTimeout() {
        var l = waiting()
        let statuses = F.dbUp + F.cacheDown
        XCTAssertEqual(probed(&l, statuses, after: 59),
                       [.log(.info, "waiting for bind cache (59 s of 60): 10.0.0.9:6379 (timed out)"), .probeBinds(after: .seconds(1))],
                       "waits for the optional bind too")
        let effects = probed(&l, statuses, after: 60)
        XCTAssertEqual(effects, [
            .log(.warn, "optional bind cache: no member reachable after 60 s; starting without it: 10.0.0.9:6379 (timed out)"),
            .useBinds(BindResolution(F.binds, statuses: statuses).groups), .renderInitial,
        ])
        guard case .useBinds(let groups) = effects[1] else { return XCTFail() }
        XCTAssertEqual(groups.map(\.name), ["db"])
    }

    func testOneLiveMemberSatisfiesABindAndTheOthersAreNamed() {
        var l = waiting()
        let statuses = [F.status("db", "10.0.0.5", alive: true), F.status("db", "10.0.0.6", alive: false, "connection refused")] + F.cacheUp
        let effects = probed(&l, statuses, after: 2)
        XCTAssertEqual(effects, [
            .log(.info, "binds ready after 2 s"),
            .log(.warn, "bind db: starting without the members that do not answer yet: 10.0.0.6:5432 (connection refused)"),
            .useBinds(BindResolution(F.binds, statuses: statuses).groups), .renderInitial,
        ])
    }

    /// A probe that could not run says nothing about the members: it satisfies
    /// no bind, and at the timeout a required bind fails (it used to start
    /// without it).
    func testAProbeWithoutResultsSatisfiesNothing() {
        var l = waiting()
        XCTAssertEqual(probed(&l, [], after: 5),
                       [.log(.info, "waiting for bind db (5 s of 60): the probe gave no result"),
                        .log(.info, "waiting for bind cache (5 s of 60): the probe gave no result"),
                        .probeBinds(after: .seconds(1))])
        let effects = probed(&l, [], after: 60)
        XCTAssertEqual(effects.first, .log(.error, "required bind db: no member reachable after 60 s: the probe gave no result"))
        XCTAssertEqual(exits(effects), 69)
    }

    func testTermWhileWaitingExitsAndLaterResultsAreIgnored() {
        var l = waiting()
        _ = probed(&l, F.dbDown, after: 1)
        XCTAssertEqual(exits(l.handle(.signal(.term))), 143)
        XCTAssertEqual(probed(&l, F.dbUp + F.cacheUp, after: 2), [], "a probe that ends after the TERM starts nothing")
        XCTAssertEqual(l.handle(.bindsFileRead(F.binds, current: [])), [])
        XCTAssertEqual(l.exitCode, 143)
    }

    func testTheBindsFileReadAgainWhileWaitingIsProbedAtOnce() {
        var l = waiting()
        _ = probed(&l, F.dbDown + F.cacheDown, after: 3)
        XCTAssertEqual(l.handle(.bindsFileRead(F.dbOnly, current: [])),
                       [.log(.info, "binds file read again: db"), .probeBinds(after: .zero)])
        XCTAssertEqual(l.state, .waitingForBinds)
        XCTAssertEqual(probed(&l, F.dbUp, after: 4, binds: F.dbOnly).last, .renderInitial,
                       "the optional bind that left the file is no longer waited for")
    }

    /// A binds file emptied while waiting leaves nothing to wait for (it
    /// used to wait for the whole bind timeout).
    func testABindsFileEmptiedWhileWaitingStartsWithoutBinds() {
        var l = waiting()
        let none = BindSet(entries: [])
        XCTAssertEqual(l.handle(.bindsFileRead(none, current: [])),
                       [.log(.info, "binds file read again: no binds"), .probeBinds(after: .zero)])
        XCTAssertEqual(probed(&l, [], after: 4, binds: none),
                       [.log(.info, "binds ready after 4 s"), .useBinds([]), .renderInitial])
    }

    // MARK: While the service is up

    func testAChangeOfMembersRendersAgain() {
        let before = BindResolution(F.binds, statuses: F.dbUp + F.cacheUp).groups
        var l = running(with: before)
        XCTAssertEqual(probed(&l, F.dbUp + F.cacheUp, after: 70, current: before), [], "nothing changed")
        let statuses = [F.status("db", "10.0.0.5", alive: true), F.status("db", "10.0.0.6", alive: false, "connection refused")] + F.cacheDown
        let after = BindResolution(F.binds, statuses: statuses).groups
        XCTAssertEqual(probed(&l, statuses, after: 80, current: before),
                       [.log(.info, "bind membership changed: db=[10.0.0.5]"), .useBinds(after), .reloadBinds])
        XCTAssertEqual(l.state, .running(pid: 42, healthy: false))
    }

    func testAProbeWithoutResultsKeepsTheCurrentMembers() {
        let current = BindResolution(F.binds, statuses: F.dbUp + F.cacheUp).groups
        var l = running(with: current)
        XCTAssertEqual(probed(&l, [], after: 70, current: current),
                       [.log(.warn, "the bind probe gave no result; keeping the current members")])
    }

    func testTheBindsFileReadAgainWhileRunning() {
        let current = BindResolution(F.binds, statuses: F.dbUp + F.cacheUp).groups
        var l = running(with: current)
        XCTAssertEqual(l.handle(.bindsFileRead(F.dbOnly, current: current)),
                       [.log(.info, "binds file read again: db"), .probeBindsPeriodically, .probeBinds(after: .zero)])
        XCTAssertEqual(l.handle(.bindsFileRead(BindSet(entries: []), current: current)),
                       [.log(.info, "binds file read again: no binds"), .useBinds([]), .reloadBinds])
        XCTAssertEqual(l.handle(.bindsFileRead(BindSet(entries: []), current: [])),
                       [.log(.info, "binds file read again: no binds")])
    }

    func testResultsThatArriveAfterShutdownBeganChangeNothing() {
        let current = BindResolution(F.binds, statuses: F.dbUp + F.cacheUp).groups
        let changed = F.dbDown + F.cacheUp
        // TERM while running: the stop is under way.
        var stopping = running(with: current)
        _ = stopping.handle(.signal(.term))
        XCTAssertEqual(probed(&stopping, changed, after: 70, current: current), [])
        XCTAssertEqual(stopping.handle(.bindsFileRead(F.dbOnly, current: current)), [])
        _ = stopping.handle(.serviceStopped(.exited(0)))
        XCTAssertEqual(probed(&stopping, changed, after: 71, current: current), [], "nor during post-stop")
        // TERM after the service exited on its own, while post-stop runs.
        var exited = running(with: current)
        _ = exited.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t0))
        _ = exited.handle(.signal(.term))
        XCTAssertEqual(probed(&exited, changed, after: 70, current: current), [])
        // TERM during init.
        var initializing = waiting()
        _ = initializing.handle(.bindsProbed(BindResolution(F.binds, statuses: F.dbUp), elapsed: .seconds(60), current: []))
        _ = initializing.handle(.rendered(ok: true))
        _ = initializing.handle(.signal(.term))
        XCTAssertEqual(probed(&initializing, changed, after: 61, current: current), [])
    }

    func testAChangeWhileARestartIsPendingIsRenderedForTheNextStart() {
        let current = BindResolution(F.binds, statuses: F.dbUp + F.cacheUp).groups
        var l = running(with: current)
        _ = l.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t0))
        _ = l.handle(.hookFinished(.postStop, HookOutcome(status: .exited(0))))
        XCTAssertEqual(l.state, .restartPending)
        XCTAssertEqual(probed(&l, F.dbUp, after: 70, current: current).last, .reloadBinds)
    }
}
