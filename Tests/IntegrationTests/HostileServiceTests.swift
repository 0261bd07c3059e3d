import Foundation
import XCTest

/// `roost start` as PID 1 against a hostile service user or a stalled log
/// reader (issue 12): it must keep reaping and answer SIGTERM.
final class HostileServiceTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("PID-namespace tests need root (unshare --pid)") }
        dir = try temporaryDirectory(self)
    }

    func start(_ package: TestPackage, _ extra: [String] = []) throws -> PID1 {
        try PID1(self, arguments: ["start", package.dir.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                   "--user-root", dir.appendingPathComponent("user").path] + extra, in: dir)
    }

    /// The service user plants a FIFO and a /dev/zero symlink at the names
    /// of rendered files; a reload must replace them, not block on or read them.
    func testPlantedFIFOAndDevZeroDoNotFreezeAReload() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["a.conf": "a={{cfg.n}}\n", "b.conf": "b={{cfg.n}}\n"],
                                  hooks: ["run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n",
                                          "reconfigure": "#!/bin/sh\necho reconfigured\n"])
        let roost = try start(pkg, ["--health-interval", "600"])
        roost.waitFor("service-is-ready")
        let config = dir.appendingPathComponent("svc/demo/config")
        try FileManager.default.removeItem(at: config.appendingPathComponent("a.conf"))
        XCTAssertEqual(mkfifo(config.appendingPathComponent("a.conf").path, 0o644), 0)
        try FileManager.default.removeItem(at: config.appendingPathComponent("b.conf"))
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("b.conf").path, withDestinationPath: "/dev/zero")
        try write("n = 2\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("reconfigured")
        XCTAssertEqual(try String(contentsOf: config.appendingPathComponent("a.conf"), encoding: .utf8), "a=2\n")
        XCTAssertEqual(try String(contentsOf: config.appendingPathComponent("b.conf"), encoding: .utf8), "b=2\n")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    /// roost's stdout and stderr are a pipe nobody reads (a stalled log
    /// driver) while a hook prints 4 MB: roost must go on reading the hook
    /// (so the service starts), and SIGTERM must still end it.
    func testStalledOutputDoesNotBlockPID1() throws {
        let shared = dir.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let done = shared.appendingPathComponent("printed")
        // Hook output goes through roost (the service's own is inherited).
        let pkg = try TestPackage(in: dir, hooks: [
            "init": "#!/bin/sh\necho first-line\nyes \"$(printf '%0100d' 0)\" | head -n 40000\n",
            "run": "#!/bin/sh\ntouch \(done.path)\nexec sleep 300\n",
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--pid", "--fork", "--mount-proc", roostBinary(), "start", pkg.dir.path,
                             "--svc-root", dir.appendingPathComponent("svc").path, "--user-root", dir.appendingPathComponent("user").path]
        let stalled = Pipe()  // never read
        process.standardOutput = stalled
        process.standardError = stalled
        process.standardInput = FileHandle.nullDevice
        try process.run()
        addTeardownBlock { [process] in
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        var deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: done.path) && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: done.path), "the service never started: roost stopped reading the init hook")
        let children = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)) ?? ""
        guard let roostPID = children.split(separator: " ").first.flatMap({ pid_t($0) }) else { return XCTFail("roost is not running") }
        kill(roostPID, SIGTERM)
        deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(process.isRunning, "SIGTERM did not end roost: it is blocked writing its output")
        if !process.isRunning { XCTAssertEqual(process.terminationStatus, 143) }
        // What was kept is readable now, and says how much was dropped.
        if !process.isRunning {
            let rest = String(decoding: stalled.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertTrue(rest.contains("first-line"), "the first lines were kept")
        }
    }

    /// `--restart always` gives up with the service's own status, 0 included.
    func testGivingUpAfterCleanExitsReturnsTheServiceStatus() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho clean-exit\nexit 0\n"])
        let roost = try start(pkg, ["--restart", "always", "--max-restarts", "1"])
        XCTAssertEqual(roost.wait(timeout: 60), 0, roost.output)
        XCTAssertTrue(roost.output.contains("giving up"), roost.output)
    }
}
