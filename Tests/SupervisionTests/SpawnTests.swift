import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

final class SpawnTests: XCTestCase {
    func testExitCodes() throws {
        let loop = try makeLoop()
        let ok = try runToEnd(loop, shell("exit 0"))
        XCTAssertEqual(ok.status, .exited(0))
        XCTAssertTrue(ok.status.isSuccess)
        let three = try runToEnd(loop, shell("exit 3"))
        XCTAssertEqual(three.status, .exited(3))
        XCTAssertEqual(three.status.shellCode, 3)
        XCTAssertFalse(three.timedOut)
    }

    func testKilledBySignalIs128PlusSignal() throws {
        let loop = try makeLoop()
        let result = try runToEnd(loop, shell("kill -TERM $$; sleep 5"))
        XCTAssertEqual(result.status, .signaled(.term))
        XCTAssertEqual(result.status.shellCode, 128 + SIGTERM)
        XCTAssertEqual(result.status.description, "killed by SIGTERM")
        let killed = try runToEnd(loop, shell("kill -KILL $$"))
        XCTAssertEqual(killed.status.shellCode, 137)
    }

    func testMissingExecutableIsAClearError() throws {
        let loop = try makeLoop()
        let spec = ProcessSpec(executable: "/nonexistent/hooks/init")
        XCTAssertThrowsError(try loop.spawn(spec) { _ in XCTFail("no exit for a failed spawn") }) { error in
            let spawnError = error as! SpawnError
            XCTAssertEqual(spawnError.stage, .exec)
            XCTAssertEqual(spawnError.errno, ENOENT)
            XCTAssertTrue(spawnError.description.contains("cannot start /nonexistent/hooks/init"), spawnError.description)
            XCTAssertTrue(spawnError.description.contains("No such file or directory"), spawnError.description)
        }
        XCTAssertTrue(loop.runningChildren.isEmpty)
        XCTAssertTrue(ourZombies().isEmpty, "a failed exec must leave no zombie")
    }

    func testScriptWithMissingInterpreterAndNonExecutableFile() throws {
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        let script = dir + "/hook"
        try "#!/nonexistent/bash\necho hi\n".write(toFile: script, atomically: false, encoding: .utf8)
        chmod(script, 0o755)
        XCTAssertThrowsError(try loop.spawn(ProcessSpec(executable: script)) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("interpreter on its #! line"), "\(error)")
        }
        chmod(script, 0o644)
        XCTAssertThrowsError(try loop.spawn(ProcessSpec(executable: script)) { _ in }) { error in
            XCTAssertEqual((error as? SpawnError)?.errno, EACCES)
            XCTAssertTrue("\(error)".contains("chmod"), "\(error)")
        }
    }

    func testExecutableOnANoexecMountNamesTheMount() throws {
        guard geteuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        guard try runToEnd(loop, shell("mount -t tmpfs -o noexec,size=1m tmpfs '\(dir)'")).status.isSuccess else {
            throw XCTSkip("cannot mount a tmpfs here")
        }
        defer { _ = try? runToEnd(loop, shell("umount '\(dir)'")) }
        let hook = dir + "/run"
        try "#!/bin/sh\nexit 0\n".write(toFile: hook, atomically: false, encoding: .utf8)
        chmod(hook, 0o755)
        XCTAssertThrowsError(try loop.spawn(ProcessSpec(executable: hook)) { _ in }) { error in
            let spawnError = error as! SpawnError
            XCTAssertEqual(spawnError.errno, EACCES)
            XCTAssertEqual(spawnError.noexecMount, dir)
            XCTAssertTrue(spawnError.description.contains("\(dir) is mounted noexec"), spawnError.description)
            XCTAssertFalse(spawnError.description.contains("chmod"), "the file is already executable: \(spawnError)")
        }
    }

    func testMountPointIsTheLongestContainingMount() {
        let info = """
        22 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        30 22 0:40 / /hab/svc rw,nosuid,nodev,noexec - tmpfs tmpfs rw
        31 30 0:41 / /hab/svc/front/data rw - ext4 /dev/vdb rw
        32 22 0:42 / /my\\040dir rw,noexec - tmpfs tmpfs rw
        """
        XCTAssertEqual(NoexecMount.mountPoint(of: "/hab/svc/front/hooks/run", mountInfo: info), "/hab/svc")
        XCTAssertEqual(NoexecMount.mountPoint(of: "/hab/svc/front/data/x", mountInfo: info), "/hab/svc/front/data")
        XCTAssertEqual(NoexecMount.mountPoint(of: "/hab/svcx/run", mountInfo: info), "/")
        XCTAssertEqual(NoexecMount.mountPoint(of: "/my dir/run", mountInfo: info), "/my dir")
    }

    func testBadWorkingDirectoryAndPathLookup() throws {
        let loop = try makeLoop()
        var spec = shell("true")
        spec.workingDirectory = "/nonexistent-dir"
        XCTAssertThrowsError(try loop.spawn(spec) { _ in }) { error in
            XCTAssertEqual((error as? SpawnError)?.stage, .workingDirectory)
            XCTAssertTrue("\(error)".contains("/nonexistent-dir"), "\(error)")
        }
        let missing = ProcessSpec(executable: "no-such-command-roost", environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertThrowsError(try loop.spawn(missing) { _ in }) { error in
            XCTAssertEqual("\(error)", "cannot start no-such-command-roost: not found in PATH=/usr/bin:/bin")
        }
        let found = ProcessSpec(executable: "sh", arguments: ["-c", "exit 4"], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(try runToEnd(loop, found).status, .exited(4))
    }

    func testEnvironmentArgumentsAndWorkingDirectoryArePassed() throws {
        let loop = try makeLoop()
        var spec = shell(#"printf '%s|%s|%s|%s\n' "$FOO" "$0" "$1" "$(pwd)"; env | wc -l"#,
                         environment: ["FOO": "bar baz", "PATH": "/usr/bin:/bin"])
        spec.arguments += ["zero", "one"]
        spec.workingDirectory = "/tmp"
        let result = try runToEnd(loop, spec)
        XCTAssertEqual(result.status, .exited(0))
        XCTAssertEqual(stdoutLines(result).first, "bar baz|zero|one|/tmp")
        // Only what the spec gives (plus what sh itself sets: PWD, maybe SHLVL/OLDPWD).
        XCTAssertLessThanOrEqual(Int(stdoutLines(result).last ?? "") ?? 99, 5)
    }

    /// The child's environment block as the kernel holds it: exactly the
    /// spec's variables, in byte order (the same at every start), values
    /// with `=`, spaces, newlines or non-ASCII bytes kept whole.
    func testEnvironmentBlockIsExactAndInByteOrder() throws {
        let loop = try makeLoop()
        let environment = ["PATH": "/usr/bin:/bin", "Zed": "last?", "A_B": "x=y=z", "A": "", "B1": "two\nlines", "a": "lower",
                           "ÜBER": "ünï cödé", "_": "under"]
        // od, not sh: a shell would add PWD. Its hex dump is the block's bytes.
        let result = try runToEnd(loop, ProcessSpec(executable: "od", arguments: ["-An", "-v", "-tx1", "/proc/self/environ"],
                                                    environment: environment,
                                                    output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: nil, keepLastLines: 1000))))
        XCTAssertEqual(result.status, .exited(0))
        let bytes = stdoutLines(result).flatMap { $0.split(separator: " ").compactMap { UInt8($0, radix: 16) } }
        let entries = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(entries, environment.map { "\($0.key)=\($0.value)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(entries.first, "A=")
    }

    func testChildGetsDefaultSignalsEmptyMaskOwnGroupAndDevNullStdin() throws {
        let loop = try makeLoop()
        // The test process blocks the supervisor's signals and ignores SIGPIPE;
        // none of that may leak into the child.
        let result = try runToEnd(loop, shell(
            #"grep -E '^(SigBlk|SigIgn)' /proc/self/status; ps -o pid=,pgid=,sid= -p $$ 2>/dev/null || cut -d' ' -f5-6 /proc/$$/stat; read x; echo "read=$?"; ls -l /proc/self/fd/ | wc -l"#))
        let lines = stdoutLines(result)
        XCTAssertTrue(lines.contains("SigBlk:\t0000000000000000"), "\(lines)")
        XCTAssertTrue(lines.contains("SigIgn:\t0000000000000000"), "\(lines)")
        XCTAssertTrue(lines.contains("read=1"), "stdin is /dev/null: \(lines)")
        XCTAssertEqual(getpgid(result.pid), -1)  // gone
        // Only 0, 1, 2 and ls's own directory fd are open (plus the "total" line).
        XCTAssertEqual(lines.last, "5", "descriptors leaked into the child: \(lines)")
    }

    func testOwnProcessGroupOrSession() throws {
        let loop = try makeLoop()
        for isolation in [ProcessSpec.Isolation.processGroup, .session] {
            var spec = shell("sleep 30")
            spec.isolation = isolation
            var result: ProcessResult?
            let child = try loop.spawn(spec) { result = $0 }
            // vfork: the group exists as soon as spawn returns.
            XCTAssertEqual(getpgid(child.pid), child.pid)
            XCTAssertEqual(getsid(child.pid) == child.pid, isolation == .session)
            XCTAssertTrue(loop.signal(child, .kill))
            eventually(loop, "child reaped") { result != nil }
            XCTAssertEqual(result?.status, .signaled(.kill))
            XCTAssertFalse(loop.signal(child, .term), "no signal after reaping")
        }
    }

    func testSwitchesUserAndGroups() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to switch users") }
        let loop = try makeLoop()
        var spec = shell("id -u; id -g; id -G")
        spec.identity = Identity(uid: 65534, gid: 65534, groups: [65534, 4])
        let result = try runToEnd(loop, spec)
        XCTAssertEqual(stdoutLines(result), ["65534", "65534", "65534 4"].map { $0 }, "\(result.output)")
    }

    func testIdentitySwitchFailureIsReported() throws {
        guard getuid() != 0 else { throw XCTSkip("as root every switch succeeds") }
        let loop = try makeLoop()
        var spec = shell("true")
        spec.identity = Identity(uid: 0, gid: 0, groups: [0], userName: "root", groupName: "root")
        XCTAssertThrowsError(try loop.spawn(spec) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("must run as root"), "\(error)")
        }
    }
}

func temporaryDirectory() throws -> String {
    var template = Array("/tmp/roost-sup-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
    return String(cString: made)
}
