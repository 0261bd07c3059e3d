import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

final class ReaperTests: XCTestCase {
    func testOrphansAreReapedAndNoZombiesRemain() throws {
        let loop = try makeLoop()
        XCTAssertTrue(Reaper.reapsOrphans)
        let before = loop.reaper.orphansReaped
        var orphans: [pid_t] = []
        loop.reaper.onOrphan = { pid, _ in orphans.append(pid) }
        // Each child double-forks: the subshell's sleep is re-parented to us.
        var finished = 0
        for _ in 0..<5 {
            try loop.spawn(shell("(sleep 0.2; exit 3) & echo $!; exit 0")) { _ in finished += 1 }
        }
        eventually(loop, "all five orphans were reaped") { finished == 5 && loop.reaper.orphansReaped - before >= 5 }
        XCTAssertGreaterThanOrEqual(orphans.count, 5)
        XCTAssertEqual(ourZombies(), [], "zombies left behind")
    }

    func testNoStatusIsLostWhenManyChildrenExitAtOnce() throws {
        let loop = try makeLoop()
        var statuses: [pid_t: ExitStatus] = [:]
        var expected: [pid_t: ExitStatus] = [:]
        // 200 children that exit together once a file appears.
        let dir = try temporaryDirectory()
        for index in 0..<200 {
            let code = Int32(index % 100)
            let spec = ProcessSpec(executable: "/bin/sh",
                                   arguments: ["-c", "while [ ! -e \(dir)/go ]; do sleep 0.05; done; exit \(code)"])
            let child = try loop.spawn(spec) { statuses[$0.pid] = $0.status }
            expected[child.pid] = .exited(code)
        }
        XCTAssertEqual(loop.runningChildren.count, 200)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/go", contents: Data()))
        eventually(loop, "200 statuses arrived") { statuses.count == 200 }
        XCTAssertEqual(statuses, expected)
        XCTAssertTrue(loop.runningChildren.isEmpty)
        XCTAssertEqual(ourZombies(), [])
    }

    func testSignalsFromOutsideReachOnSignal() throws {
        let loop = try makeLoop()
        var received: [Signal] = []
        loop.onSignal = { received.append($0) }
        // A process-directed signal, as the host sends it to PID 1.
        let result = try runToEnd(loop, shell("kill -USR2 $PPID; kill -HUP $PPID"))
        XCTAssertEqual(result.status, .exited(0))
        eventually(loop, "both signals arrived") { received.count >= 2 }
        XCTAssertEqual(Set(received), [.usr2, .hup])
        XCTAssertFalse(received.contains(.chld), "SIGCHLD is the reaper's")
    }

    /// tini's rule: a signal roost does not act on reaches the service, even
    /// one whose default action would have killed roost (SIGPWR, real-time).
    func testPowerAndRealTimeSignalsReachTheChild() throws {
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        let realTime = Signal(rawValue: __libc_current_sigrtmin() + 3)
        // The child records each signal; it exits 0 once it has seen both.
        let script = """
            trap 'touch \(dir)/pwr' PWR; trap 'touch \(dir)/rt' RTMIN+3; touch \(dir)/ready
            while [ ! -e \(dir)/pwr ] || [ ! -e \(dir)/rt ]; do sleep 0.05; done
            exit 0  # the loop's own status is the interrupted sleep's
            """
        var result: ProcessResult?
        let child = try loop.spawn(ProcessSpec(executable: "/usr/bin/bash", arguments: ["-c", script],
                                               environment: ["PATH": "/usr/bin:/bin"])) { result = $0 }
        var forwarded: [Signal] = []
        loop.onSignal = { signal in
            // What the driver does with a signal it does not act on.
            if SignalSet.forwarded.contains(signal), loop.signal(child, signal) { forwarded.append(signal) }
        }
        eventually(loop, "the child set its traps") { FileManager.default.fileExists(atPath: dir + "/ready") }
        // Process-directed, as the host sends them to PID 1.
        XCTAssertEqual(kill(getpid(), Signal(rawValue: SIGPWR).rawValue), 0)
        XCTAssertEqual(kill(getpid(), realTime.rawValue), 0)
        eventually(loop, "the child saw both signals and exited") { result != nil }
        XCTAssertEqual(result?.status, .exited(0))
        XCTAssertEqual(Set(forwarded), [Signal(rawValue: SIGPWR), realTime])
    }

    func testSignalSetHoldsEveryLinuxSignalNumberInOrder() {
        var set: SignalSet = [.term, Signal(rawValue: 64), .hup]
        set.insert(Signal(rawValue: 34))
        set.insert(Signal(rawValue: 65))   // no such signal: ignored
        set.insert(Signal(rawValue: 0))
        XCTAssertEqual(set.map(\.rawValue), [SIGHUP, SIGTERM, 34, 64])
        XCTAssertTrue(set.contains(Signal(rawValue: 64)))
        XCTAssertFalse(set.contains(Signal(rawValue: 65)))
        XCTAssertFalse(set.contains(Signal(rawValue: -1)))
        XCTAssertEqual(set.subtracting([.hup, .int]).map(\.rawValue), [SIGTERM, 34, 64])
        XCTAssertEqual(Array(SignalSet.supervisor).count, 64 - SignalSet.neverBlocked.map { $0 }.count)
    }

    func testSignalSetFollowsTinisRule() {
        let realTime = Signal(rawValue: __libc_current_sigrtmin() + 3)
        for signal in [Signal.alrm, .quit, .usr1, .winch, Signal(rawValue: SIGPWR), realTime] {
            XCTAssertTrue(SignalSet.supervisor.contains(signal), "\(signal) is read from the signalfd")
            XCTAssertTrue(SignalSet.forwarded.contains(signal), "\(signal) is forwarded")
        }
        for signal in SignalSet.handled {
            XCTAssertTrue(SignalSet.supervisor.contains(signal), "\(signal) is read from the signalfd")
            XCTAssertFalse(SignalSet.forwarded.contains(signal), "\(signal) is roost's, never forwarded")
        }
        for number in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS, SIGKILL, SIGSTOP, SIGPIPE] {
            XCTAssertFalse(SignalSet.supervisor.contains(Signal(rawValue: number)), "\(Signal(rawValue: number)) is never blocked")
        }
    }

    func testExitStatusDecoding() {
        XCTAssertEqual(ExitStatus(waitStatus: 3 << 8), .exited(3))
        XCTAssertEqual(ExitStatus(waitStatus: SIGKILL), .signaled(.kill))
        XCTAssertEqual(ExitStatus(waitStatus: SIGSEGV | 0x80), .signaled(Signal(rawValue: SIGSEGV)))  // core dumped
        XCTAssertEqual(ExitStatus.signaled(.int).shellCode, 130)
        XCTAssertEqual(ExitStatus.exited(0).description, "exited with status 0")
    }

    func testSignalNames() {
        XCTAssertEqual(Signal(name: "TERM"), .term)
        XCTAssertEqual(Signal(name: "sigquit"), .quit)
        XCTAssertEqual(Signal(name: "10"), Signal(rawValue: 10))
        XCTAssertNil(Signal(name: "NOPE"))
        XCTAssertNil(Signal(name: "0"))
        XCTAssertEqual(Signal.winch.name, "WINCH")
        XCTAssertEqual(Signal.hup.description, "SIGHUP")
        XCTAssertEqual(Signal(rawValue: 40).description, "signal 40")
        XCTAssertTrue(SignalSet.supervisor.contains(.chld))
        XCTAssertFalse(SignalSet.forwarded.contains(.chld))
    }

    func testTimersFireInOrderAndCanBeCancelled() throws {
        let loop = try makeLoop()
        var fired: [String] = []
        loop.schedule(after: .milliseconds(60)) { fired.append("b") }
        let cancelled = loop.schedule(after: .milliseconds(30)) { fired.append("x") }
        loop.schedule(after: .milliseconds(20)) { fired.append("a") }
        loop.cancel(cancelled)
        loop.schedule(after: .milliseconds(60)) { fired.append("c") }
        eventually(loop, "three timers fired") { fired.count == 3 }
        XCTAssertEqual(fired, ["a", "b", "c"])
        XCTAssertFalse(loop.run(until: { false }, timeout: .milliseconds(50)), "run(until:timeout:) returns at the timeout")
    }
}
