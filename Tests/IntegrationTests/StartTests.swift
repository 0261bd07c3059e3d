import Foundation
import XCTest

/// `roost start` as a real PID 1 (`unshare --pid --fork --mount-proc`):
/// signals, exit codes, reaping, hooks, restarts, reconfiguration, health.
final class StartTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("PID-namespace tests need root (unshare --pid)") }
        dir = try temporaryDirectory(self)
    }

    func start(_ package: TestPackage, _ extra: [String] = [], environment: [String: String] = [:], prelude: String? = nil) throws -> PID1 {
        try PID1(self, arguments: ["start", package.dir.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                   "--user-root", dir.appendingPathComponent("user").path] + extra,
                 environment: environment, in: dir, prelude: prelude)
    }

    /// `roost health` over this test's service root.
    func roostHealth() throws -> (status: Int32, stdout: String, stderr: String) {
        try shell([roostBinary(), "health", "--svc-root", dir.appendingPathComponent("svc").path])
    }

    func testSigtermEndsTheServiceWith143() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("service-is-ready")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 6), 143, roost.output)
        XCTAssertTrue(roost.output.contains("gracefully terminated"), roost.output)
    }

    func testServiceIgnoringTermIsKilledAfterTheTimeout() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\ntrap '' TERM\necho service-is-ready\nwhile :; do sleep 1; done\n"])
        let roost = try start(pkg, ["--shutdown-timeout", "1"])
        roost.waitFor("service-is-ready")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 137, roost.output)
        XCTAssertTrue(roost.output.contains("killed after the shutdown timeout"), roost.output)
    }

    func testExitCodeOfTheServiceReachesTheContainer() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho bye\nexit 3\n"])
        let roost = try start(pkg, ["--restart", "never"])
        XCTAssertEqual(roost.wait(), 3, roost.output)
    }

    func testPackageShutdownSignalIsUsed() throws {
        let pkg = try TestPackage(in: dir, plan: "pkg_shutdown_signal=HUP",
                                  hooks: ["run": "#!/bin/sh\ntrap 'echo got HUP; exit 4' HUP\ntrap '' TERM\necho service-is-ready\nwhile :; do sleep 0.1; done\n"])
        let roost = try start(pkg)
        roost.waitFor("service-is-ready")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 4, roost.output)
        XCTAssertTrue(roost.output.contains("got HUP"))
    }

    func testSignalsAreForwardedToTheServiceGroup() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\ntrap 'echo got USR1' USR1\ntrap 'echo got WINCH' WINCH\ntrap 'echo got USR2' USR2\ntrap 'echo got QUIT' QUIT\necho service-is-ready\nwhile :; do sleep 0.1; done\n"])
        let roost = try start(pkg)
        roost.waitFor("service-is-ready")
        roost.signal(SIGUSR1)
        roost.waitFor("got USR1")
        roost.signal(SIGWINCH)
        roost.waitFor("got WINCH")
        roost.signal(SIGUSR2)
        roost.waitFor("got USR2")
        roost.signal(SIGQUIT)
        roost.waitFor("got QUIT")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testThousandOrphansLeaveNoZombie() throws {
        // Each `( sleep & )` leaves an orphan that PID 1 must reap.
        let run = """
        #!/bin/sh
        i=0
        while [ $i -lt 1000 ]; do ( sleep 0.05 & ) ; i=$((i+1)); done
        echo forked
        exec sleep 300
        """
        let pkg = try TestPackage(in: dir, hooks: ["run": run])
        let roost = try start(pkg)
        roost.waitFor("forked", timeout: 120)
        var left: [pid_t] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            usleep(200_000)
            left = roost.roostPID.map(zombies(of:)) ?? []
        } while !left.isEmpty && Date() < deadline
        XCTAssertEqual(left, [], "zombies left under PID 1")
        // The service itself was not lost to the reaper: it still stops normally.
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testSignalBeforeTheServiceExistsShutsDownCleanly() throws {
        let pkg = try TestPackage(in: dir, plan: "pkg_binds=([db]=\"port\")", hooks: ["run": "#!/bin/sh\nexec sleep 300\n"])
        let roost = try start(pkg, ["--bind", "db=127.0.0.1:9", "--bind-timeout", "60"])
        roost.waitFor("waiting for binds")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 10), 143, roost.output)
    }

    func testSigtermDuringInitStopsTheHookAndExits() throws {
        let pkg = try TestPackage(in: dir, hooks: ["init": "#!/bin/sh\necho init-is-running\nexec sleep 300\n",
                                                   "run": "#!/bin/sh\necho service-started\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("init-is-running")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 10), 143, roost.output)
        XCTAssertTrue(roost.output.contains("received during init"), roost.output)
        XCTAssertFalse(roost.output.contains("service-started"), roost.output)
    }

    func testFailingInitExitsWithItsMessage() throws {
        let pkg = try TestPackage(in: dir, hooks: ["init": "#!/bin/sh\necho 'cannot reach the database'\nexit 4\n",
                                                   "run": "#!/bin/sh\nexec sleep 300\n"])
        let roost = try start(pkg)
        XCTAssertEqual(roost.wait(), 4, roost.output)
        XCTAssertTrue(roost.output.contains("init failed"), roost.output)
        XCTAssertTrue(roost.output.contains("cannot reach the database"), roost.output)
    }

    func testCrashLoopBacksOffThenGivesUp() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho crashing\nexit 7\n"])
        let roost = try start(pkg, ["--max-restarts", "2"])
        XCTAssertEqual(roost.wait(timeout: 60), 7, roost.output)
        XCTAssertEqual(roost.output.components(separatedBy: "crashing").count - 1, 3, roost.output)
        XCTAssertTrue(roost.output.contains("restarting in"), roost.output)
        XCTAssertTrue(roost.output.contains("giving up"), roost.output)
    }

    func testUserTomlChangeRunsReconfigureWithoutRestart() throws {
        let pkg = try TestPackage(
            in: dir, defaultTOML: "greeting = \"hello\"\n", config: ["app.conf": "greeting={{cfg.greeting}}\n"],
            hooks: ["run": "#!/bin/sh\necho \"pid $$\"\nexec sleep 300\n",
                    "reconfigure": "#!/bin/sh\necho \"reconfigured: $(cat {{pkg.svc_config_path}}/app.conf)\"\n"])
        let roost = try start(pkg, ["--health-interval", "600"])
        roost.waitFor("service started")
        try write("greeting = \"bonjour\"\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("reconfigured: greeting=bonjour")
        XCTAssertEqual(roost.output.components(separatedBy: "service started").count - 1, 1, "no restart:\n\(roost.output)")
        // A bad edit keeps the running config.
        try write("greeting = \n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("keeps running with its previous configuration")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("svc/demo/config/app.conf"), encoding: .utf8), "greeting=bonjour\n")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    /// A burst of edits while a slow reconfigure hook runs: one hook at a
    /// time (it started one per change, hundreds at once, which could finish
    /// out of order), and a last run that sees the last edit.
    func testReconfigureRunsOneAtATimeAndEndsOnTheLastEdit() throws {
        let lock = "{{pkg.svc_var_path}}/reconfigure.lock"   // the hook runs as the service user
        let pkg = try TestPackage(
            in: dir, defaultTOML: "n = 0\n", config: ["app.conf": "n={{cfg.n}}\n"],
            hooks: ["run": "#!/bin/sh\nexec sleep 300\n",
                    "reconfigure": "#!/bin/sh\nmkdir \(lock) 2>/dev/null || echo OVERLAP\necho \"reconfigure sees $(cat {{pkg.svc_config_path}}/app.conf)\"\nsleep 1\nrmdir \(lock)\n"])
        let roost = try start(pkg, ["--health-interval", "600"])
        roost.waitFor("service started")
        let userTOML = dir.appendingPathComponent("user/demo/config/user.toml")
        for n in 1...8 {
            try write("n = \(n)\n", to: userTOML)
            usleep(300_000)   // several edits during each one-second run
        }
        roost.waitFor("reconfigure sees n=8", timeout: 20)
        usleep(1_500_000)   // room for a stray run to show
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
        XCTAssertFalse(roost.output.contains("OVERLAP"), roost.output)
        let runs = roost.output.components(separatedBy: "reconfigure sees").count - 1
        XCTAssertGreaterThanOrEqual(runs, 2, roost.output)
        XCTAssertLessThanOrEqual(runs, 5, "edits merged while a run is on:\n\(roost.output)")
        XCTAssertEqual(roost.output.range(of: "reconfigure sees n=8")?.lowerBound,
                       roost.output.range(of: "reconfigure sees", options: .backwards)?.lowerBound,
                       "the last run saw the last edit:\n\(roost.output)")
        XCTAssertFalse(roost.output.contains("hook reconfigure exited with status"), roost.output)
    }

    /// A post-stop hook that ignores TERM held roost's exit for the whole
    /// hook timeout (60 s) and a second SIGTERM was ignored: the second one
    /// stops the hook (TERM, KILL after 2 s) and roost exits as it would.
    func testASecondTermCutsAHangingPostStopShort() throws {
        let pkg = try TestPackage(in: dir, hooks: [
            "run": "#!/bin/sh\nexec sleep 300\n",
            "post-stop": "#!/bin/sh\ntrap 'echo post-stop ignores TERM' TERM\necho post-stop begins\nwhile :; do sleep 1; done\n"])
        let roost = try start(pkg, ["--health-interval", "600", "--shutdown-timeout", "2"])
        roost.waitFor("service started")
        roost.signal(SIGTERM)
        roost.waitFor("post-stop begins")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 20), 143, "before the 60 s hook timeout: \(roost.output)")
        XCTAssertTrue(roost.output.contains("TERM received again: stopping the post-stop hook"), roost.output)
    }

    func testConfigChangeWithoutReconfigureHookRestarts() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["app.conf": "n={{cfg.n}}\n"],
                                  hooks: ["run": "#!/bin/sh\necho \"running with $(cat {{pkg.svc_config_path}}/app.conf)\"\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("running with n=1")
        try write("n = 2\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("running with n=2")
        XCTAssertTrue(roost.output.contains("restarting: config changed and there is no reconfigure hook"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testSigtermDuringARestartForAChangeIsNotSwallowed() throws {
        // The service ignores TERM, so the restart's stop takes the whole
        // shutdown timeout: SIGTERM arrives in the middle of it.
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["app.conf": "n={{cfg.n}}\n"],
                                  hooks: ["run": "#!/bin/sh\ntrap 'echo ignoring TERM' TERM\necho \"running with $(cat {{pkg.svc_config_path}}/app.conf)\"\nwhile :; do sleep 0.1; done\n"])
        let roost = try start(pkg, ["--shutdown-timeout", "3"])
        roost.waitFor("running with n=1")
        try write("n = 2\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("ignoring TERM")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 20), 137, "killed after the shutdown timeout, then roost exits:\n\(roost.output)")
        XCTAssertTrue(roost.output.contains("received while restarting"), roost.output)
        XCTAssertFalse(roost.output.contains("running with n=2"), "the service must not start again:\n\(roost.output)")
    }

    func testSigtermWhilePostStopRunsAfterAnExit() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho crashing\nexit 5\n",
                                                   "post-stop": "#!/bin/sh\necho post-stop-begins\nsleep 2\necho post-stop-ends\n"])
        let roost = try start(pkg)
        roost.waitFor("post-stop-begins")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 20), 5, "the service's own status:\n\(roost.output)")
        XCTAssertTrue(roost.output.contains("post-stop-ends"), "post-stop finishes first:\n\(roost.output)")
        XCTAssertEqual(roost.output.components(separatedBy: "crashing").count - 1, 1, "no restart:\n\(roost.output)")
    }

    func testPostRunIsRetriedAndPostStopRunsAfterTheService() throws {
        // The hooks run as nobody: the counter lives where nobody can write.
        let shared = dir.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let attempts = shared.appendingPathComponent("post-run-attempts")
        let pkg = try TestPackage(in: dir, hooks: [
            "run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n",
            "post-run": "#!/bin/sh\necho x >> \(attempts.path)\n[ $(wc -l < \(attempts.path)) -ge 2 ] || { echo 'not ready yet'; exit 3; }\necho post-run-done\n",
            "post-stop": "#!/bin/sh\necho post-stop-ran\n",
        ])
        let roost = try start(pkg)
        roost.waitFor("post-run-done", timeout: 20)
        XCTAssertTrue(roost.output.contains("post-run failed (exited with status 3"), roost.output)
        XCTAssertTrue(roost.output.contains("again in 1 s"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
        XCTAssertTrue(roost.output.contains("post-stop-ran"), roost.output)
    }

    func testRunHookChangeRestartsEvenWithReconfigureHook() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n",
                                  hooks: ["run": "#!/bin/sh\necho \"run {{cfg.n}}\"\nexec sleep 300\n",
                                          "reconfigure": "#!/bin/sh\necho reconfigure-ran\n"])
        let roost = try start(pkg)
        roost.waitFor("run 1")
        roost.signal(SIGHUP)  // nothing changed: nothing happens
        try write("n = 2\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        roost.waitFor("run 2")
        XCTAssertTrue(roost.output.contains("hooks/run changed"), roost.output)
        XCTAssertFalse(roost.output.contains("reconfigure-ran"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testHealthReportsEachState() throws {
        let codeFile = dir.appendingPathComponent("health-code")
        try write("7", to: codeFile)
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nexec sleep 300\n",
                                                   "health-check": "#!/bin/sh\nexit $(cat \(codeFile.path))\n"])
        let port = freePort()
        let roost = try start(pkg, ["--health-interval", "1", "--http-listen", "127.0.0.1:\(port)"])
        roost.waitFor("service started")
        let svcRoot = dir.appendingPathComponent("svc").path
        /// Habitat's HTTP status for the health endpoint, and /services.
        func http(_ path: String) throws -> String {
            try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"]).stdout
        }
        func health() throws -> Int32 { try shell([roostBinary(), "health", "--svc-root", svcRoot, "-q"]).status }
        func eventually(_ code: Int32) throws {
            let deadline = Date().addingTimeInterval(20)
            var last: Int32 = -1
            while Date() < deadline {
                last = try health()
                if last == code { return }
                usleep(200_000)
            }
            XCTFail("roost health stayed \(last), wanted \(code):\n\(roost.output)")
        }
        try eventually(3)   // exit 7: unknown
        XCTAssertEqual(try http("/services/demo/default/health"), "500")
        try write("2", to: codeFile)
        try eventually(2)   // critical
        XCTAssertEqual(try http("/services/demo/default/health"), "503")
        try write("1", to: codeFile)
        try eventually(1)   // warning
        XCTAssertEqual(try http("/services/demo/default/health"), "200")
        try write("0", to: codeFile)
        try eventually(0)   // ok
        XCTAssertEqual(try http("/services/demo/default/health"), "200")
        XCTAssertEqual(try http("/services/other/default/health"), "404")
        XCTAssertTrue(try shell(["curl", "-s", "http://127.0.0.1:\(port)/services/demo/default/health"]).stdout.hasPrefix("{\"status\":\"OK\""))
        XCTAssertTrue(try shell(["curl", "-s", "http://127.0.0.1:\(port)/services"]).stdout.contains("\"state\":\"up\""))
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testHealthIsCriticalOnceTheServiceIsDown() throws {
        // Up long enough for the first check to say ok, then gone: `roost
        // health` must not go on reporting the last ok.
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho service-is-ready\nsleep 1\nexit 3\n"])
        let roost = try start(pkg, ["--restart", "never"])
        roost.waitFor("health: ok")
        XCTAssertEqual(roost.wait(), 3, roost.output)
        let health = try roostHealth()
        XCTAssertEqual(health.status, 2, health.stdout + health.stderr)
        XCTAssertTrue((health.stdout + health.stderr).contains("service is down"), health.stdout + health.stderr)
    }

    func testHealthIsCriticalOnceStopped() throws {
        // Stopped by a signal rather than exiting on its own: the record
        // must not go on saying ok after roost has gone.
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("health: ok")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 10), 143, roost.output)
        let health = try roostHealth()
        XCTAssertEqual(health.status, 2, health.stdout + health.stderr)
        XCTAssertTrue(health.stdout.contains("service is down: killed by SIGTERM"), health.stdout + health.stderr)
    }

    func testAnEarlierRunsHealthRecordIsNotReported() throws {
        // A kept service directory whose last run was killed while healthy:
        // until this run's service is up, `roost health` must not say ok.
        let svc = dir.appendingPathComponent("svc/demo/.roost")
        try FileManager.default.createDirectory(at: svc, withIntermediateDirectories: true)
        try write("ok \(Int(Date().timeIntervalSince1970)) service is up\n", to: svc.appendingPathComponent("health"))
        let pkg = try TestPackage(in: dir, hooks: ["init": "#!/bin/sh\necho init-is-running\nexec sleep 300\n",
                                                   "run": "#!/bin/sh\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("init-is-running")
        let health = try roostHealth()
        XCTAssertEqual(health.status, 3, health.stdout + health.stderr)
        XCTAssertTrue(health.stdout.contains("demo: unknown (no check has finished yet)"), health.stdout + health.stderr)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 10), 143, roost.output)
    }

    func testInstalledPackageByIdentUsesTheNewestRelease() throws {
        let pkgs = dir.appendingPathComponent("pkgs")
        for (release, code) in [("20200101000000", 5), ("20240101000000", 6)] {
            let base = pkgs.appendingPathComponent("test/inst/1.0.0/\(release)")
            try write("test/inst/1.0.0/\(release)\n", to: base.appendingPathComponent("IDENT"))
            try write("nobody\n", to: base.appendingPathComponent("SVC_USER"))
            try write("nogroup\n", to: base.appendingPathComponent("SVC_GROUP"))
            try write("#!/bin/sh\necho \"release {{pkg.release}}\"\nexit \(code)\n", to: base.appendingPathComponent("hooks/run"), executable: true)
        }
        let roost = try PID1(self, arguments: ["start", "--pkg-ident", "test/inst", "--pkgs-root", pkgs.path, "--restart", "never",
                                               "--svc-root", dir.appendingPathComponent("svc").path], in: dir)
        XCTAssertEqual(roost.wait(), 6, roost.output)
        XCTAssertTrue(roost.output.contains("release 20240101000000"), roost.output)
    }

    /// Paths typed relative to where roost is started: hooks and the service
    /// run in the service directory, and rendered files name these paths, so
    /// roost makes them absolute once (a relative --svc-root made every hook
    /// fail with "cannot start svc/demo/run").
    func testRelativePathsOnTheCommandLine() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "greeting = \"default\"\n",
                                  config: ["app.conf": "data={{pkg.svc_data_path}}\n"],
                                  hooks: ["init": "#!/bin/sh\necho init-ran\n",
                                          "run": "#!/bin/sh\necho \"relative cfg={{pkg.svc_config_path}} path={{pkg.path}} greeting={{cfg.greeting}} pwd=$(pwd)\"\n"])
        try write("greeting = \"from-user-toml\"\n", to: dir.appendingPathComponent("user/demo/config/user.toml"))
        let roost = try PID1(self, arguments: ["start", "./pkg-demo/", "--svc-root", "./svc//", "--user-root", "user",
                                               "--pkgs-root", "pkgs", "--restart", "never"],
                             in: dir, prelude: "cd '\(dir.path)'")
        XCTAssertEqual(roost.wait(), 0, roost.output)
        XCTAssertTrue(roost.output.contains("init-ran"), roost.output)
        let svc = dir.appendingPathComponent("svc/demo").path
        XCTAssertTrue(roost.output.contains("relative cfg=\(svc)/config path=\(dir.path)/pkgs/test/demo/1.0.0/0 greeting=from-user-toml pwd=\(svc)\n"),
                      roost.output)
        XCTAssertEqual(try String(contentsOfFile: svc + "/config/app.conf", encoding: .utf8), "data=\(svc)/data\n")

        // An installed package's folder, given relative: {{pkg.path}} is absolute.
        let base = dir.appendingPathComponent("pkgs/test/inst/1.0.0/20240101000000")
        try write("test/inst/1.0.0/20240101000000\n", to: base.appendingPathComponent("IDENT"))
        try write("#!/bin/sh\necho \"installed path={{pkg.path}}\"\n", to: base.appendingPathComponent("hooks/run"), executable: true)
        let installed = try PID1(self, arguments: ["start", "pkgs/test/inst/1.0.0/20240101000000", "--svc-root", "svc", "--restart", "never"],
                                 in: dir, prelude: "cd '\(dir.path)'")
        XCTAssertEqual(installed.wait(), 0, installed.output)
        XCTAssertTrue(installed.output.contains("installed path=\(base.path)\n"), installed.output)
    }

    /// Hooks that call `roost` find the roost running them even when it was
    /// started by its path and its folder is not on PATH; a PATH that has
    /// it already is left as it is.
    func testHooksFindRoostStartedByPath() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho \"found=$(command -v roost) path=$PATH\"\n"])
        // The directory of the binary itself (/proc/self/exe): symlinks resolved.
        let binary = URL(fileURLWithPath: roostBinary()).resolvingSymlinksInPath()
        let roostDirectory = binary.deletingLastPathComponent().path
        let roost = try start(pkg, ["--restart", "never"], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(roost.wait(), 0, roost.output)
        XCTAssertTrue(roost.output.contains("found=\(binary.path) path=/usr/bin:/bin:\(roostDirectory)\n"), roost.output)

        let again = try start(pkg, ["--restart", "never"], environment: ["PATH": "\(roostDirectory):/usr/bin:/bin"])
        XCTAssertEqual(again.wait(), 0, again.output)
        XCTAssertTrue(again.output.contains(" path=\(roostDirectory):/usr/bin:/bin\n"), again.output)
    }

    /// Variables roost does not change reach the service byte for byte, even
    /// when they are not UTF-8 (they reached it with U+FFFD in their place).
    func testEnvironmentThatIsNotUTF8PassesUnchanged() throws {
        // One echo, one write: roost's own log lines share the output and
        // must not land inside the line checked.
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nhex=$(printf 'odd=%s|' \"$ODD\" | od -An -tx1 | tr -d ' \\n')\necho \"hex=$hex\"\n"])
        let roost = try start(pkg, ["--restart", "never"], prelude: "export ODD=\"$(printf 'caf\\351')\" PLAIN=x")
        XCTAssertEqual(roost.wait(), 0, roost.output)
        // "odd=caf" 0xE9 "|"
        XCTAssertTrue(roost.output.contains("hex=6f64643d636166e97c\n"), roost.output)
    }

    func testServiceRunsAsItsUserWithThePackagesEnvironment() throws {
        // An installed package: its PATH and RUNTIME_ENVIRONMENT reach the service.
        let base = dir.appendingPathComponent("pkgs/test/envpkg/1.0.0/20240101000000")
        try write("test/envpkg/1.0.0/20240101000000\n", to: base.appendingPathComponent("IDENT"))
        try write("nobody\n", to: base.appendingPathComponent("SVC_USER"))
        try write("nogroup\n", to: base.appendingPathComponent("SVC_GROUP"))
        try write("\(base.path)/bin\n", to: base.appendingPathComponent("PATH"))
        try write("GREETING=from-runtime-env\nJAVA_HOME=/opt/java\n", to: base.appendingPathComponent("RUNTIME_ENVIRONMENT"))
        try write("#!/bin/sh\necho \"service-env user=$(id -un) group=$(id -gn) greeting=$GREETING path=$PATH cwd=$(pwd)\"\nexec sleep 300\n",
                  to: base.appendingPathComponent("hooks/run"), executable: true)
        let roost = try PID1(self, arguments: ["start", base.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                               "--user-root", dir.appendingPathComponent("user").path], in: dir)
        roost.waitFor("service-env ")   // the service's line (roost's own says "as user=…" too)
        let line = roost.output.split(separator: "\n").first { $0.hasPrefix("service-env ") }.map(String.init) ?? ""
        XCTAssertTrue(line.hasPrefix("service-env user=nobody group=nogroup greeting=from-runtime-env path=\(base.path)/bin:"), roost.output)
        XCTAssertTrue(line.hasSuffix("cwd=\(dir.path)/svc/envpkg"), "the service runs in its svc directory:\n\(roost.output)")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testNotRootRunsAsTheCurrentUserAndSaysSo() throws {
        // roost started by an unprivileged user (not PID 1: it becomes a subreaper).
        let shared = dir.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let pkg = try TestPackage(in: shared, hooks: ["run": "#!/bin/sh\necho \"uid=$(id -u)\"\nexit 0\n"])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: pkg.dir.path)
        let r = try shell(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", roostBinary(), "start", pkg.dir.path,
                           "--svc-root", shared.appendingPathComponent("svc").path, "--user-root", shared.appendingPathComponent("user").path,
                           "--restart", "never"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("not root: running the service as the current user"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "not root").count - 1, 1, "said once:\n\(r.stderr)")
        XCTAssertTrue((r.stdout + r.stderr).contains("uid=65534"), r.stdout + r.stderr)
    }

    func testHookTimeoutIsReportedWithItsName() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n",
                                                   "post-run": "#!/bin/sh\necho 'post-run is stuck'\nexec sleep 300\n"])
        let roost = try start(pkg, ["--hook-timeout", "1"])
        roost.waitFor("hook post-run timed out after 1 s and was killed", timeout: 20)
        roost.waitFor("post-run: post-run is stuck")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testPackageShutdownTimeoutIsUsed() throws {
        let pkg = try TestPackage(in: dir, plan: "pkg_shutdown_timeout_sec=1",
                                  hooks: ["run": "#!/bin/sh\ntrap '' TERM\necho service-is-ready\nwhile :; do sleep 0.1; done\n"])
        let roost = try start(pkg)
        roost.waitFor("service-is-ready")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 6), 137, "killed after the package's 1 s, not the default 8 s:\n\(roost.output)")
        XCTAssertTrue(roost.output.contains("SIGTERM, 1 s before SIGKILL"), roost.output)
    }

    func testSighupRereadsPackageFilesAndAnInitChangeRestarts() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n",
                                  hooks: ["init": "#!/bin/sh\necho \"init {{cfg.n}}\"\n",
                                          "run": "#!/bin/sh\necho service-is-ready\nexec sleep 300\n"])
        let roost = try start(pkg)
        roost.waitFor("service-is-ready")
        // roost start does not watch the package; SIGHUP makes it look again.
        try write("n = 2\n", to: pkg.dir.appendingPathComponent("default.toml"))
        roost.signal(SIGHUP)
        roost.waitFor("init 2")
        XCTAssertTrue(roost.output.contains("SIGHUP: reloading configuration"), roost.output)
        XCTAssertTrue(roost.output.contains("restarting: hooks/init changed"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testConfigMapSymlinkSwapIsNoticed() throws {
        // Kubernetes mounts a ConfigMap as user.toml -> ..data/user.toml, ..data -> ..<timestamp>;
        // an update writes a new timestamped folder and renames a new ..data over the old one.
        let config = dir.appendingPathComponent("user/demo/config")
        try write("greeting = \"first\"\n", to: config.appendingPathComponent("..2026_01/user.toml"))
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("..data").path, withDestinationPath: "..2026_01")
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("user.toml").path, withDestinationPath: "..data/user.toml")
        let pkg = try TestPackage(in: dir, defaultTOML: "greeting = \"default\"\n", config: ["app.conf": "greeting={{cfg.greeting}}\n"],
                                  hooks: ["run": "#!/bin/sh\necho \"started with $(cat {{pkg.svc_config_path}}/app.conf)\"\nexec sleep 300\n",
                                          "reconfigure": "#!/bin/sh\necho \"reconfigured: $(cat {{pkg.svc_config_path}}/app.conf)\"\n"])
        let roost = try start(pkg, ["--health-interval", "600"])
        roost.waitFor("started with greeting=first")
        try write("greeting = \"second\"\n", to: config.appendingPathComponent("..2026_02/user.toml"))
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("..data_tmp").path, withDestinationPath: "..2026_02")
        XCTAssertEqual(rename(config.appendingPathComponent("..data_tmp").path, config.appendingPathComponent("..data").path), 0)
        try FileManager.default.removeItem(at: config.appendingPathComponent("..2026_01"))
        roost.waitFor("reconfigured: greeting=second", timeout: 20)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testASecondStartLeavesAnUnchangedRunFileAlone() throws {
        // The container restarts: the same rendered run file is not written (or fsynced) again.
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", hooks: ["run": "#!/bin/sh\necho \"run {{cfg.n}}\"\n"])
        XCTAssertEqual(try start(pkg, ["--restart", "never"]).wait(), 0)
        let runFile = dir.appendingPathComponent("svc/demo/run").path
        let first = try FileManager.default.attributesOfItem(atPath: runFile)
        usleep(20_000)
        XCTAssertEqual(try start(pkg, ["--restart", "never"]).wait(), 0)
        let second = try FileManager.default.attributesOfItem(atPath: runFile)
        XCTAssertEqual(first[.systemFileNumber] as? Int, second[.systemFileNumber] as? Int)
        XCTAssertEqual(first[.modificationDate] as? Date, second[.modificationDate] as? Date)
        // A change is written.
        try write("n = 2\n", to: pkg.dir.appendingPathComponent("default.toml"))
        let third = try start(pkg, ["--restart", "never"])
        XCTAssertEqual(third.wait(), 0)
        XCTAssertTrue(third.output.contains("run 2"), third.output)
        XCTAssertEqual(try String(contentsOfFile: runFile, encoding: .utf8), "#!/bin/sh\necho \"run 2\"\n")
    }

    func testServiceThatCannotBeExecutedEndsWith126() throws {
        // The run script sits in a directory the service user cannot enter.
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nexit 0\n"])
        let hidden = dir.appendingPathComponent("hidden")
        try FileManager.default.createDirectory(at: hidden, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let roost = try PID1(self, arguments: ["start", pkg.dir.path, "--svc-root", hidden.appendingPathComponent("svc").path,
                                               "--user-root", dir.appendingPathComponent("user").path, "--restart", "never"], in: dir)
        XCTAssertEqual(roost.wait(), 126, roost.output)
        XCTAssertTrue(roost.output.contains("cannot start the service"), roost.output)
    }
}
