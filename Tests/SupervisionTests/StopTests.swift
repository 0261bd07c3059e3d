import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

final class StopTests: XCTestCase {
    /// Runs `script` (which prints the pids of background grandchildren, one
    /// per line, then "ready"), and waits until "ready" was printed.
    private func startGroup(_ loop: EventLoop, _ script: String, timeout: Duration? = nil,
                            onExit: @escaping (ProcessResult) -> Void) throws -> (ChildProcess, [pid_t]) {
        let child = try loop.spawn(shell(script), timeout: timeout, onExit: onExit)
        eventually(loop, "the child printed ready") {
            child.recentOutput.contains(OutputLine(.stdout, "ready")) || !child.isRunning
        }
        let grandchildren = child.recentOutput.compactMap { pid_t($0.text) }
        // A backgrounded child is a copy of the shell (with its traps) until it
        // execs; a signal in that window can be swallowed by the shell's
        // deferred trap handling. Wait until each one really runs its program.
        eventually(loop, "the grandchildren exec'd") {
            grandchildren.allSatisfy { pid in
                let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
                return comm.hasPrefix("sleep") || isGone(pid)
            }
        }
        return (child, grandchildren)
    }

    func testHookTimeoutKillsTheWholeProcessGroup() throws {
        let loop = try makeLoop()
        var result: ProcessResult?
        let (_, grandchildren) = try startGroup(loop, "sleep 300 & echo $!; sleep 300 & echo $!; echo ready; sleep 300",
                                                timeout: .milliseconds(500)) { result = $0 }
        XCTAssertEqual(grandchildren.count, 2)
        eventually(loop, "the hook was killed") { result != nil }
        XCTAssertEqual(result?.timedOut, true)
        XCTAssertEqual(result?.status, .signaled(.kill))
        XCTAssertEqual(result?.output.first?.text, grandchildren.first.map(String.init), "output before the kill is kept")
        eventually(loop, "grandchildren are gone") { grandchildren.allSatisfy(isGone) }
    }

    func testHookFinishingBeforeTimeoutIsNotKilled() throws {
        let loop = try makeLoop()
        let result = try runToEnd(loop, shell("echo done"), timeout: .seconds(30))
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.status, .exited(0))
        XCTAssertEqual(stdoutLines(result), ["done"])
    }

    func testGracefulStopOfAChildThatExitsOnTerm() throws {
        let loop = try makeLoop()
        var result: ProcessResult?
        var outcome: StopOutcome?
        let (child, grandchildren) = try startGroup(
            loop, "trap 'echo bye; exit 0' TERM; sleep 300 & echo $!; echo ready; wait") { result = $0 }
        loop.stop(child, signal: .term, timeout: .seconds(30)) { outcome = $0 }
        eventually(loop, "the stop completed") { outcome != nil }
        XCTAssertEqual(outcome, .exited(.exited(0)))
        XCTAssertNotNil(result, "onExit runs before the stop completion")
        XCTAssertTrue(result?.output.contains(OutputLine(.stdout, "bye")) ?? false)
        XCTAssertTrue(grandchildren.allSatisfy(isGone), "the whole group got TERM")
    }

    func testStopKillsAGroupThatIgnoresTerm() throws {
        let loop = try makeLoop()
        var outcome: StopOutcome?
        // Ignored dispositions are inherited, so the background sleep ignores TERM too.
        let (child, grandchildren) = try startGroup(
            loop, "trap '' TERM; sleep 300 & echo $!; echo ready; while :; do sleep 1; done") { _ in }
        let started = ContinuousClock.now
        loop.stop(child, signal: .term, timeout: .milliseconds(300)) { outcome = $0 }
        eventually(loop, "the stop completed") { outcome != nil }
        XCTAssertEqual(outcome, .killed(.signaled(.kill)))
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "KILL only after the timeout")
        XCTAssertTrue(grandchildren.allSatisfy(isGone))
    }

    func testStopWaitsForLingeringGroupMembers() throws {
        let loop = try makeLoop()
        var outcome: StopOutcome?
        var exited = false
        // The leader exits on TERM at once; its background child ignores TERM
        // (set before it started) and must be KILLed at the deadline.
        let (child, grandchildren) = try startGroup(
            loop, "(trap '' TERM; exec sleep 300) & echo $!; trap 'exit 5' TERM; echo ready; while :; do sleep 1; done") { _ in exited = true }
        // Generous: on a loaded 2-core machine the shell may take a while to
        // be scheduled and run its trap; the lingering child is KILLed anyway.
        loop.stop(child, signal: .term, timeout: .seconds(4)) { outcome = $0 }
        eventually(loop, "the stop completed") { outcome != nil }
        XCTAssertTrue(exited)
        XCTAssertEqual(outcome, .killed(.exited(5)))
        XCTAssertTrue(grandchildren.allSatisfy(isGone))
    }

    func testStopOfAnExitedChildAndRepeatedStop() throws {
        let loop = try makeLoop()
        var result: ProcessResult?
        let child = try loop.spawn(shell("exit 7")) { result = $0 }
        eventually(loop, "exit") { result != nil }
        var outcome: StopOutcome?
        loop.stop(child, timeout: .seconds(1)) { outcome = $0 }
        XCTAssertNil(outcome, "completions never run re-entrantly")
        eventually(loop, "completion") { outcome != nil }
        XCTAssertEqual(outcome, .alreadyExited(.exited(7)))

        var outcomes: [StopOutcome] = []
        let sleeper = try loop.spawn(shell("exec sleep 300")) { _ in }
        loop.stop(sleeper, timeout: .seconds(30)) { outcomes.append($0) }
        loop.stop(sleeper, signal: .kill, timeout: .seconds(30)) { outcomes.append($0) }
        eventually(loop, "both completions") { outcomes.count == 2 }
        XCTAssertEqual(outcomes, [.exited(.signaled(.term)), .exited(.signaled(.term))])
    }

    func testSignalIsForwardedToTheWholeGroup() throws {
        let loop = try makeLoop()
        var result: ProcessResult?
        let (child, grandchildren) = try startGroup(
            loop, "trap 'echo got USR1; exit 7' USR1; sleep 300 & echo $!; echo ready; wait") { result = $0 }
        XCTAssertTrue(loop.signal(child, .usr1))
        eventually(loop, "the child exited") { result != nil }
        XCTAssertEqual(result?.status, .exited(7))
        XCTAssertTrue(result?.output.contains(OutputLine(.stdout, "got USR1")) ?? false)
        eventually(loop, "the grandchild died of USR1") { grandchildren.allSatisfy(isGone) }
    }
}
