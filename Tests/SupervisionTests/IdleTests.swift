import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

/// `EventLoop.whenIdle`: the action runs once the loop has been quiet after
/// handling something, and again after each later burst of activity (how
/// roost gives back the binary's pages after start-up and after every health
/// check or reload, not only once).
final class IdleTests: XCTestCase {
    func testIdleActionRunsOnceAfterEachBurstOfActivity() throws {
        let loop = try makeLoop()
        var idleRuns = 0
        loop.whenIdle(after: .milliseconds(50)) { idleRuns += 1 }
        XCTAssertTrue(loop.run(until: { idleRuns == 1 }, timeout: patience))
        // Quiet on: no second run without activity (the reap check every
        // 200 ms and the loop's own timeouts are not activity).
        try loop.spawn(shell("exec sleep 30")) { _ in }
        loop.run(until: { idleRuns > 1 }, timeout: .milliseconds(600))
        XCTAssertEqual(idleRuns, 1)
        for child in loop.runningChildren { loop.signal(child, .kill) }
        XCTAssertTrue(loop.run(until: { loop.runningChildren.isEmpty }, timeout: patience))
        // The spawned child's exit (a signal) was activity: once more.
        XCTAssertTrue(loop.run(until: { idleRuns == 2 }, timeout: patience))
        // A timer is activity too.
        var fired = false
        loop.schedule(after: .milliseconds(10)) { fired = true }
        XCTAssertTrue(loop.run(until: { idleRuns == 3 }, timeout: patience))
        XCTAssertTrue(fired)
    }

    /// With `ExecutablePages.release` as the action, as roost uses it: the
    /// pages a burst of work touches leave the resident set again once the
    /// loop is quiet.
    func testPagesTouchedByLaterWorkAreReleasedAgain() throws {
        let loop = try makeLoop()
        var afterRelease: [Int] = []
        loop.whenIdle(after: .milliseconds(50)) {
            guard ExecutablePages.release() > 0 else { return }
            afterRelease.append(residentFileKB())
        }
        XCTAssertTrue(loop.run(until: { afterRelease.count == 1 }, timeout: patience))
        if afterRelease.isEmpty { throw XCTSkip("MADV_DONTNEED refused on this kernel") }
        // A burst of work that runs code released above (formatting,
        // collections, a child's output), as a health check would.
        var afterWork: Int?
        loop.schedule(after: .zero) {
            _ = try? loop.spawn(shell("echo ok; echo err >&2")) { _ in
                let words = (1...2000).map { "item \($0) \(Double($0) / 7)" }.sorted().joined(separator: ",")
                XCTAssertFalse(words.isEmpty)
                afterWork = residentFileKB()
            }
        }
        XCTAssertTrue(loop.run(until: { afterRelease.count == 2 }, timeout: patience))
        let touched = try XCTUnwrap(afterWork)
        XCTAssertLessThan(afterRelease[1], touched, "the pages the work touched were given back again")
    }
}

/// RssFile of this process in kB (file pages mapped: mostly the binary), read
/// with plain system calls so the reading itself touches little.
func residentFileKB() -> Int {
    let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return -1 }
    let text = String(decoding: buffer[0..<n], as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RssFile:") }) else { return -1 }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
}
