import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

final class RestartPolicyTests: XCTestCase {
    private func seconds(_ decision: RestartDecision) -> Double? {
        guard case .restart(let delay, _) = decision else { return nil }
        return delay.seconds
    }

    func testCappedExponentialBackoffWithJitter() {
        let policy = RestartPolicy(mode: .always, initialDelay: .seconds(1), maximumDelay: .seconds(10), jitter: 0.5)
        var tracker = RestartTracker(policy: policy, random: { 0 })
        let base = ContinuousClock.now
        let delays = (0..<6).map { index in
            seconds(tracker.decide(exit: .exited(1), ranFor: .seconds(1), now: base + .seconds(index)))!
        }
        XCTAssertEqual(delays, [1, 2, 4, 8, 10, 10])
        XCTAssertEqual(tracker.attempt, 6)

        // random 0.5 with jitter 0.5 takes a quarter off.
        XCTAssertEqual(policy.delay(attempt: 3, random: 0.5).seconds, 3, accuracy: 1e-9)
        XCTAssertEqual(policy.delay(attempt: 100, random: 0.999).seconds, 10 * (1 - 0.4995), accuracy: 1e-9)
        XCTAssertEqual(policy.delay(attempt: 10_000, random: 0).seconds, 10, "no overflow past the cap")
    }

    func testAttemptNumbersAndResetAfterALongRun() {
        var tracker = RestartTracker(policy: RestartPolicy(mode: .always, initialDelay: .seconds(2), resetAfter: .seconds(60)),
                                     random: { 0 })
        let base = ContinuousClock.now
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), now: base), .restart(after: .seconds(2), attempt: 1))
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), now: base), .restart(after: .seconds(4), attempt: 2))
        // It stayed up for the reset threshold: back to the first delay.
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(60), now: base), .restart(after: .seconds(2), attempt: 1))
        tracker.reset()
        XCTAssertEqual(tracker.attempt, 0)
    }

    func testAHealthyRunResetsTheBackoffButNotTheWindow() {
        var tracker = RestartTracker(policy: RestartPolicy(mode: .always, initialDelay: .seconds(2), resetAfter: .seconds(60),
                                                           maxRestarts: 3, window: .seconds(300)), random: { 0 })
        let base = ContinuousClock.now
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), now: base), .restart(after: .seconds(2), attempt: 1))
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), now: base), .restart(after: .seconds(4), attempt: 2))
        // A short run whose health check passed: back to the first delay.
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), healthy: true, now: base), .restart(after: .seconds(2), attempt: 1))
        // The crash-loop limit still counts all three restarts.
        XCTAssertEqual(tracker.decide(exit: .exited(1), ranFor: .seconds(5), healthy: true, now: base), .giveUp(.exited(1), restarts: 3, window: .seconds(300)))
    }

    /// Writes `passwd` and `group` into a new folder and passes their
    /// paths (and the folder) to `body`; the folder goes afterwards.
    private func withAccountFiles(passwd: String, group: String, _ body: (_ passwd: String, _ group: String, _ dir: String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roost-accounts-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let passwdPath = dir.appendingPathComponent("passwd").path, groupPath = dir.appendingPathComponent("group").path
        try passwd.write(toFile: passwdPath, atomically: true, encoding: .utf8)
        try group.write(toFile: groupPath, atomically: true, encoding: .utf8)
        try body(passwdPath, groupPath, dir.path)
    }

    func testAccountFilesWithoutNSS() throws {
        // The static binary's lookups: straight from the files, supplementary groups included.
        try withAccountFiles(passwd: "root:x:0:0:root:/root:/bin/sh\nsvc:x:1500:1500::/nonexistent:/usr/sbin/nologin\n",
                             group: "root:x:0:\nsvc:x:1500:\nssl-cert:x:110:svc,other\naudio:x:29:other\nshared:x:2000:root,svc\n") { passwd, group, dir in
            XCTAssertEqual(AccountFiles.user(named: "svc", in: passwd)?.uid, 1500)
            XCTAssertEqual(AccountFiles.user(named: "1500", in: passwd)?.name, "svc")
            XCTAssertNil(AccountFiles.user(named: "nope", in: passwd))
            XCTAssertEqual(AccountFiles.group(named: "ssl-cert", in: group)?.gid, 110)
            XCTAssertEqual(AccountFiles.groups(of: "svc", primary: 1500, in: group), [1500, 110, 2000])
            XCTAssertEqual(AccountFiles.groups(of: "svc", primary: 1500, in: dir + "/missing"), [1500])
        }
    }

    func testAccountFilesSkipLinesThatAreNotEntries() throws {
        // A comment, a blank line, an NIS entry, an id that is not a number,
        // too few fields, a member list without a trailing newline.
        try withAccountFiles(passwd: "# accounts\n\n+::::::\nbad:x:12a:1::/:/bin/sh\nshort:x:7\nsvc:x:1500:1501::/:/bin/sh",
                             group: "+:::\nodd:x:-1:svc\nweb:x:33:other,svc") { passwd, group, dir in
            XCTAssertNil(AccountFiles.user(named: "bad", in: passwd))
            XCTAssertNil(AccountFiles.user(named: "short", in: passwd))
            XCTAssertNil(AccountFiles.user(named: "+", in: passwd))
            let svc = try XCTUnwrap(AccountFiles.user(named: "svc", in: passwd))
            XCTAssertEqual([svc.uid, svc.gid], [1500, 1501])
            XCTAssertEqual(AccountFiles.groups(of: "svc", primary: 1501, in: group), [1501, 33])
            XCTAssertEqual(AccountFiles.groups(of: "sv", primary: 1501, in: group), [1501], "a member name matches whole")
            XCTAssertEqual(AccountFiles.groups(of: "other", primary: 1501, in: group), [1501, 33], "first in the list")
            XCTAssertEqual(AccountFiles.groups(of: "", primary: 1501, in: group), [1501], "an empty name is no member")
            XCTAssertNil(AccountFiles.user(named: "svc", in: dir), "a directory is not an account file")
        }
        try withAccountFiles(passwd: "", group: "pre:x:40:xsvc,svcx,\nempty:x:42:\nlast:x:41:a,,svc\nagain:x:41:svc\n") { _, group, _ in
            XCTAssertEqual(AccountFiles.groups(of: "svc", primary: 41, in: group), [41], "no prefix or suffix matches; each id once")
            XCTAssertEqual(AccountFiles.groups(of: "svc", primary: 1, in: group), [1, 41])
            XCTAssertEqual(AccountFiles.groups(of: "svcx", primary: 1, in: group), [1, 40])
            XCTAssertEqual(AccountFiles.groups(of: "", primary: 1, in: group), [1], "an empty list and ',,' hold no one")
        }
    }

    func testModes() {
        var never = RestartTracker(policy: RestartPolicy(mode: .never))
        XCTAssertEqual(never.decide(exit: .exited(2), ranFor: .zero), .finished(.exited(2)))
        var onFailure = RestartTracker(policy: RestartPolicy(mode: .onFailure, initialDelay: .zero), random: { 0 })
        XCTAssertEqual(onFailure.decide(exit: .exited(0), ranFor: .zero), .finished(.exited(0)))
        XCTAssertEqual(onFailure.decide(exit: .signaled(.kill), ranFor: .zero), .restart(after: .zero, attempt: 1))
        var always = RestartTracker(policy: RestartPolicy(mode: .always, initialDelay: .zero, maximumDelay: .zero))
        XCTAssertEqual(always.decide(exit: .exited(0), ranFor: .zero), .restart(after: .zero, attempt: 1), "Habitat's defaults restart immediately")
        XCTAssertEqual(RestartPolicy.Mode(rawValue: "on-failure"), .onFailure)
        XCTAssertNil(RestartPolicy.Mode(rawValue: "sometimes"))
    }

    func testGivesUpAfterTooManyRestartsInTheWindow() {
        var tracker = RestartTracker(policy: RestartPolicy(mode: .always, maxRestarts: 3, window: .seconds(60)), random: { 0 })
        let base = ContinuousClock.now
        for index in 0..<3 {
            guard case .restart = tracker.decide(exit: .exited(1), ranFor: .zero, now: base + .seconds(index * 10)) else {
                return XCTFail("restart \(index) should be allowed")
            }
        }
        XCTAssertEqual(tracker.decide(exit: .exited(9), ranFor: .zero, now: base + .seconds(30)),
                       .giveUp(.exited(9), restarts: 3, window: .seconds(60)))
        // Once the first restart left the window, one more is allowed.
        guard case .restart = tracker.decide(exit: .exited(1), ranFor: .zero, now: base + .seconds(61)) else {
            return XCTFail("the window slides")
        }
    }
}

final class HealthCheckTests: XCTestCase {
    func testStatusFromExit() {
        XCTAssertEqual(HealthStatus(exitStatus: .exited(0)), .ok)
        XCTAssertEqual(HealthStatus(exitStatus: .exited(1)), .warning)
        XCTAssertEqual(HealthStatus(exitStatus: .exited(2)), .critical)
        XCTAssertEqual(HealthStatus(exitStatus: .exited(3)), .unknown)
        XCTAssertEqual(HealthStatus(exitStatus: .exited(42)), .unknown)
        XCTAssertEqual(HealthStatus(exitStatus: .signaled(.term)), .unknown)
        let timedOut = ProcessResult(pid: 1, status: .signaled(.kill), timedOut: true, runtime: .seconds(1), output: [])
        XCTAssertEqual(HealthStatus(result: timedOut), .critical)
        XCTAssertEqual(HealthStatus.warning.description, "WARNING")
    }

    func testScheduleFollowsHabitat() {
        var schedule = HealthCheckSchedule(interval: .seconds(60), youngRetry: .zero)
        XCTAssertEqual(schedule.delay(after: .critical, random: 0.5), .seconds(30), "non-OK retries after min(interval, 30s)")
        XCTAssertEqual(schedule.delay(after: .ok, random: 0.5), .seconds(30), "first OK: splay in [0, interval)")
        XCTAssertEqual(schedule.delay(after: .ok, random: 0.5), .seconds(60))
        XCTAssertEqual(schedule.delay(after: .warning, random: 0.5), .seconds(30))
        var short = HealthCheckSchedule(interval: .seconds(5), youngRetry: .zero)
        XCTAssertEqual(short.delay(after: .unknown, random: 0), .seconds(5))
        XCTAssertEqual(HealthCheckSchedule(interval: .zero).interval, .seconds(1))
    }

    func testYoungServiceIsRetriedEverySecondUntilItFirstPasses() {
        var schedule = HealthCheckSchedule(interval: .seconds(30))
        for attempt in 1...30 {
            XCTAssertEqual(schedule.delay(after: .critical, random: 0.5), .seconds(1), "quick retry \(attempt) before the first OK")
        }
        XCTAssertEqual(schedule.delay(after: .critical, random: 0.5), .seconds(30), "after about one interval of quick retries: Habitat's delay")
        XCTAssertEqual(schedule.delay(after: .ok, random: 0.5), .seconds(15), "first OK: splay")
        XCTAssertEqual(schedule.delay(after: .critical, random: 0.5), .seconds(30), "once it has passed, a failure waits the normal delay")
        schedule.reset()
        XCTAssertEqual(schedule.delay(after: .warning, random: 0.5), .seconds(1), "young again after a restart")
        var tiny = HealthCheckSchedule(interval: .milliseconds(500))
        XCTAssertEqual(tiny.delay(after: .critical, random: 0), .milliseconds(500), "never slower than the interval")
    }

    /// The quick retries number the whole retry periods in one interval.
    func testQuickRetriesFillOneInterval() {
        func quickRetries(_ interval: Duration, _ retry: Duration) -> Int {
            var schedule = HealthCheckSchedule(interval: interval, retryCap: .seconds(1_000_000), youngRetry: retry)
            var count = 0
            while count <= 100_000, retry < interval, schedule.delay(after: .critical, random: 0) == retry { count += 1 }
            return count
        }
        XCTAssertEqual(quickRetries(.seconds(30), .seconds(1)), 30)
        XCTAssertEqual(quickRetries(.milliseconds(2_500), .seconds(1)), 2, "2.5 periods: two")
        XCTAssertEqual(quickRetries(.seconds(10), .milliseconds(300)), 33)
        XCTAssertEqual(quickRetries(.seconds(3), .seconds(3)), 0, "a retry as long as the interval is no quicker")
        // A retry of one attosecond: 3·10^19 periods in 30 s would not fit an
        // Int; counted in nanoseconds it is capped, and nothing traps.
        var fine = HealthCheckSchedule(interval: .seconds(30), youngRetry: Duration(secondsComponent: 0, attosecondsComponent: 1))
        XCTAssertEqual(fine.delay(after: .critical, random: 0), Duration(secondsComponent: 0, attosecondsComponent: 1))
        XCTAssertEqual(HealthCheckSchedule.nanoseconds(.seconds(2)), 2_000_000_000)
        XCTAssertEqual(HealthCheckSchedule.nanoseconds(.milliseconds(1_500)), 1_500_000_000)
        XCTAssertEqual(HealthCheckSchedule.nanoseconds(.seconds(Int64.max)), Int64.max)
        XCTAssertEqual(HealthCheckSchedule.nanoseconds(.seconds(-5)), 0)
    }

    func testCheckerRunsTheCommandOnSchedule() throws {
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        // Exit 2 the first time, then 0.
        let check = shell("if [ -e \(dir)/seen ]; then exit 0; fi; touch \(dir)/seen; exit 2")
        var results: [HealthCheckResult] = []
        let checker = HealthChecker(loop: loop, check: check,
                                    schedule: HealthCheckSchedule(interval: .milliseconds(50), timeout: .seconds(30)),
                                    isServiceUp: { true }, random: { 0 }) { results.append($0) }
        checker.start()
        eventually(loop, "three checks") { results.count >= 3 }
        checker.stop()
        XCTAssertEqual(results.prefix(3).map(\.status), [.critical, .ok, .ok])
        XCTAssertEqual(checker.lastResult?.status, .ok)
        let count = results.count
        loop.run(until: { false }, timeout: .milliseconds(200))
        XCTAssertEqual(results.count, count, "no checks after stop()")
    }

    func testCheckerTimeoutAndMissingCommand() throws {
        let loop = try makeLoop()
        var results: [HealthCheckResult] = []
        let hung = HealthChecker(loop: loop, check: shell("sleep 300"),
                                 schedule: HealthCheckSchedule(interval: .seconds(30), timeout: .milliseconds(200)),
                                 isServiceUp: { true }) { results.append($0) }
        hung.start()
        eventually(loop, "the hung check timed out") { !results.isEmpty }
        hung.stop()
        XCTAssertEqual(results.first?.status, .critical)
        XCTAssertEqual(results.first?.process?.timedOut, true)

        results = []
        let missing = HealthChecker(loop: loop, check: ProcessSpec(executable: "/nonexistent/health-check"),
                                    schedule: HealthCheckSchedule(), isServiceUp: { true }) { results.append($0) }
        missing.start()
        eventually(loop, "result") { !results.isEmpty }
        missing.stop()
        XCTAssertEqual(results.first?.status, .unknown)
        XCTAssertEqual(results.first?.spawnError?.errno, ENOENT)

        results = []
        var up = false
        let noHook = HealthChecker(loop: loop, check: nil, schedule: HealthCheckSchedule(), isServiceUp: { up }) { results.append($0) }
        noHook.start()
        eventually(loop, "result") { !results.isEmpty }
        up = true
        noHook.checkNow()
        eventually(loop, "second result") { results.count == 2 }
        noHook.stop()
        XCTAssertEqual(results.map(\.status), [.critical, .ok])
    }
}

final class UserLookupTests: XCTestCase {
    func testRootAndNobody() throws {
        let root = try UserLookup.identity(user: "root")
        XCTAssertEqual(root.uid, 0)
        XCTAssertEqual(root.gid, 0)
        XCTAssertTrue(root.groups.contains(0))
        XCTAssertEqual(root.description, "user=root(0), group=root(0)")

        let nobody = try UserLookup.identity(user: "nobody", group: "nogroup")
        XCTAssertEqual(nobody.uid, 65534)
        XCTAssertEqual(nobody.gid, 65534)
        XCTAssertEqual(nobody.groupName, "nogroup")
    }

    func testNumericIdsWithoutEntries() throws {
        let identity = try UserLookup.identity(user: "4242", group: "4343")
        XCTAssertEqual(identity, Identity(uid: 4242, gid: 4343, groups: [4343]))
        XCTAssertEqual(try UserLookup.identity(user: "0").userName, "root")
    }

    func testUnknownNames() {
        XCTAssertThrowsError(try UserLookup.identity(user: "no-such-user-roost")) { error in
            XCTAssertEqual("\(error)", "user 'no-such-user-roost' does not exist (add it to the image, or set a different svc user)")
        }
        XCTAssertThrowsError(try UserLookup.identity(user: "root", group: "no-such-group-roost")) { error in
            XCTAssertEqual((error as? UserLookupError)?.kind, .noSuchGroup("no-such-group-roost"))
        }
    }
}
