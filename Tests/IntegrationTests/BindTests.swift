import Foundation
import XCTest

/// Binds without a gossip ring, against real loopback listeners on several
/// addresses (127.0.0.2, 127.0.0.3, …).
final class BindTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("PID-namespace tests need root (unshare --pid)") }
        dir = try temporaryDirectory(self)
    }

    let membersTemplate = "{{#if bind.db}}{{#eachAlive bind.db.members as |m|}}{{m.sys.ip}}:{{m.cfg.port}} {{/eachAlive}}{{else}}none{{/if}}\n"

    func package(required: Bool) throws -> TestPackage {
        try TestPackage(in: dir, plan: required ? "pkg_binds=([db]=\"port\")" : "pkg_binds_optional=([db]=\"port\")",
                        config: ["members.conf": membersTemplate],
                        hooks: ["run": "#!/bin/sh\necho \"members: $(cat {{pkg.svc_config_path}}/members.conf)\"\nexec sleep 300\n",
                                "reconfigure": "#!/bin/sh\necho \"reconfigured: $(cat {{pkg.svc_config_path}}/members.conf)\"\n"])
    }

    func start(_ pkg: TestPackage, _ extra: [String], prelude: String? = nil) throws -> PID1 {
        try PID1(self, arguments: ["start", pkg.dir.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                   "--user-root", dir.appendingPathComponent("user").path] + extra, in: dir, prelude: prelude)
    }

    /// A TCP listener on address:port until the test ends (or `stop`).
    final class Listener {
        let process = Process()
        init(_ address: String, _ port: Int, test: XCTestCase) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
            import socket, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("\(address)", \(port))); s.listen(64)
            while True:
                c, _ = s.accept(); c.close()
            """]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            test.addTeardownBlock { [process] in if process.isRunning { process.terminate(); process.waitUntilExit() } }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if (try? shell(["python3", "-c", "import socket; socket.create_connection(('\(address)', \(port)), 1)"]))?.status == 0 { return }
                usleep(50_000)
            }
        }
        func stop() { process.terminate(); process.waitUntilExit() }
    }

    func testRequiredBindNotGivenIsAConfigurationError() throws {
        let roost = try start(try package(required: true), [])
        XCTAssertEqual(roost.wait(), 78, roost.output)
        XCTAssertTrue(roost.output.contains("missing required bind(s): db (exports: port): --bind db=HOST:PORT or ROOST_BIND_DB=HOST:PORT"), roost.output)
    }

    func testRequiredBindTimesOutNamingTheMember() throws {
        let port = freePort("127.0.0.7")  // nothing listens there
        // No wait for the 5 s progress line here: on a loaded machine the
        // probe after 5 s may come after the 6 s timeout (the progress line
        // is checked in testBindThatComesUpLateIsWaitedFor and BindWaitTests).
        let roost = try start(try package(required: true), ["--bind", "db=127.0.0.7:\(port)", "--bind-timeout", "6"])
        XCTAssertEqual(roost.wait(timeout: 30), 69, roost.output)
        XCTAssertTrue(roost.output.contains("required bind db: no member reachable after"), roost.output)
        XCTAssertTrue(roost.output.contains("127.0.0.7:\(port) (Connection refused)"), roost.output)
    }

    func testOptionalBindAbsentFallsBack() throws {
        let roost = try start(try package(required: false), [])
        roost.waitFor("members: none")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testOptionalBindConfiguredButDownStartsWithoutIt() throws {
        let port = freePort("127.0.0.7")
        let roost = try start(try package(required: false), ["--bind", "db=127.0.0.7:\(port)", "--bind-timeout", "2"])
        roost.waitFor("members: none", timeout: 30)
        XCTAssertTrue(roost.output.contains("optional bind db: no member reachable after 2 s; starting without it"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    /// A port on `address` nothing listens on right now.
    func testBindThatComesUpLateIsWaitedFor() throws {
        let port = freePort("127.0.0.4")
        let roost = try start(try package(required: true), ["--bind", "db=127.0.0.4:\(port)", "--bind-timeout", "60"])
        // A progress line comes from a later probe round that found the
        // bind still down and kept waiting: the service would have started
        // (and printed its members) before it.
        roost.waitFor("waiting for bind db (", timeout: 60)
        XCTAssertFalse(roost.output.contains("members:"), "the service must not start before its bind")
        _ = try Listener("127.0.0.4", port, test: self)
        roost.waitFor("members: 127.0.0.4:\(port) ", timeout: 30)
        XCTAssertTrue(roost.output.contains("binds ready after"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testOptionalBindThatComesUpLateIsWaitedForUpToTheTimeout() throws {
        let port = freePort("127.0.0.5")
        let roost = try start(try package(required: false), ["--bind", "db=127.0.0.5:\(port)", "--bind-timeout", "60"])
        roost.waitFor("waiting for bind db (", timeout: 60)
        XCTAssertFalse(roost.output.contains("members:"), "a configured optional bind is waited for")
        _ = try Listener("127.0.0.5", port, test: self)
        roost.waitFor("members: 127.0.0.5:\(port) ", timeout: 30)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testOneLiveMemberSatisfiesARequiredBindAndLateMembersJoin() throws {
        // As in Habitat: one active member is enough to start; a member that
        // answers later joins through the periodic probe (reconfigure, no restart).
        let port = freePort("127.0.0.10"), late = freePort("127.0.0.11")
        _ = try Listener("127.0.0.10", port, test: self)
        let roost = try start(try package(required: true), ["--bind", "db=127.0.0.10:\(port),127.0.0.11:\(late)",
                                                            "--bind-timeout", "60", "--bind-interval", "1"])
        roost.waitFor("\nmembers: 127.0.0.10:\(port) \n", timeout: 30)
        XCTAssertTrue(roost.output.contains("bind db: starting without the members that do not answer yet: 127.0.0.11:\(late)"), roost.output)
        _ = try Listener("127.0.0.11", late, test: self)
        roost.waitFor("reconfigured: ", timeout: 30)
        let line = roost.output.split(separator: "\n").first { $0.contains("reconfigured: ") } ?? ""
        XCTAssertEqual(Set(line.split(separator: " ").suffix(2)), ["127.0.0.10:\(port)", "127.0.0.11:\(late)"], roost.output)
        XCTAssertEqual(roost.output.components(separatedBy: "service started").count - 1, 1, roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testHTTPCheckDecidesWhoIsAlive() throws {
        // Two web servers; only the one that answers 2xx on the check path is a member.
        let site = dir.appendingPathComponent("site")
        try write("ok\n", to: site.appendingPathComponent("healthz"))
        let port = freePort("127.0.0.8", "127.0.0.9")
        var servers: [Process] = []
        for address in ["127.0.0.8", "127.0.0.9"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-m", "http.server", "--bind", address, "--directory",
                           address == "127.0.0.8" ? site.path : dir.path, String(port)]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            servers.append(p)
        }
        addTeardownBlock { for p in servers where p.isRunning { p.terminate(); p.waitUntilExit() } }
        for address in ["127.0.0.8", "127.0.0.9"] {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, (try? shell(["curl", "-s", "-o", "/dev/null", "http://\(address):\(port)/"]))?.status != 0 { usleep(100_000) }
        }
        let bindsFile = dir.appendingPathComponent("binds.toml")
        try write("[db]\nhosts = [\"127.0.0.8:\(port)\", \"127.0.0.9:\(port)\"]\nhttp_check = \"/healthz\"\n", to: bindsFile)
        let roost = try start(try package(required: false), ["--binds-file", bindsFile.path, "--bind-timeout", "3"])
        roost.waitFor("\nmembers: ", timeout: 30)   // the service's line, not roost's warning
        XCTAssertTrue(roost.output.contains("\nmembers: 127.0.0.8:\(port) \n"), roost.output)
        XCTAssertTrue(roost.output.contains("127.0.0.9:\(port) (HTTP 404"), roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testBindsFileEditedAtRunTimeChangesTheMembers() throws {
        let first = freePort("127.0.0.6"), second = freePort("127.0.0.6")
        _ = try Listener("127.0.0.6", first, test: self)
        _ = try Listener("127.0.0.6", second, test: self)
        let pkg = try TestPackage(in: dir, plan: "pkg_binds=([db]=\"port user\")",
                                  config: ["members.conf": "{{#eachAlive bind.db.members as |m|}}{{m.cfg.user}}@{{m.sys.ip}}:{{m.cfg.port}} {{/eachAlive}}\n"],
                                  hooks: ["run": "#!/bin/sh\necho \"members: $(cat {{pkg.svc_config_path}}/members.conf)\"\nexec sleep 300\n",
                                          "reconfigure": "#!/bin/sh\necho \"reconfigured: $(cat {{pkg.svc_config_path}}/members.conf)\"\n"])
        let bindsFile = dir.appendingPathComponent("binds.toml")
        try write("[db]\nhosts = [\"127.0.0.6:\(first)\"]\n[db.cfg]\nuser = \"app\"\n", to: bindsFile)
        let roost = try start(pkg, ["--binds-file", bindsFile.path])
        roost.waitFor("members: app@127.0.0.6:\(first) ", timeout: 30)

        // A broken edit is reported and changes nothing.
        try write("[db]\nhosts = 7\n", to: bindsFile)
        roost.waitFor("(the service keeps its current binds)", timeout: 20)
        XCTAssertTrue(roost.output.contains("binds.toml [db]"), roost.output)

        // A second member with its own exported value: re-render and reconfigure.
        try write("[db]\nhosts = [\"127.0.0.6:\(first)\"]\n[db.cfg]\nuser = \"app\"\n[[db.members]]\nhost = \"127.0.0.6\"\nport = \(second)\ncfg = { user = \"admin\" }\n", to: bindsFile)
        roost.waitFor("reconfigured: ", timeout: 30)
        let line = roost.output.split(separator: "\n").first { $0.contains("hook[reconfigure]: reconfigured: ") } ?? ""
        XCTAssertEqual(Set(line.split(separator: " ").suffix(2)), ["app@127.0.0.6:\(first)", "admin@127.0.0.6:\(second)"], roost.output)
        XCTAssertEqual(roost.output.components(separatedBy: "service started").count - 1, 1, "no restart:\n\(roost.output)")
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }

    func testNameWithSeveralAddressesAndMembershipChange() throws {
        let hosts = dir.appendingPathComponent("hosts")
        try write("127.0.0.1 localhost\n127.0.0.2 db.test\n127.0.0.3 db.test\n", to: hosts)
        let port = freePort("127.0.0.2", "127.0.0.3")
        let a = try Listener("127.0.0.2", port, test: self)
        _ = try Listener("127.0.0.3", port, test: self)
        // A hosts file seen only inside roost's mount namespace.
        let roost = try start(try package(required: true), ["--bind", "db=db.test:\(port)", "--bind-interval", "1"],
                              prelude: "mount --bind \(hosts.path) /etc/hosts")
        roost.waitFor("members: ", timeout: 30)
        // Two members, in member-id order as Habitat lists them.
        let line = roost.output.split(separator: "\n").first { $0.hasPrefix("members: ") } ?? ""
        XCTAssertEqual(Set(line.dropFirst("members: ".count).split(separator: " ")), ["127.0.0.2:\(port)", "127.0.0.3:\(port)"], roost.output)

        // What `roost render --bind` shows is what the service got.
        let out = dir.appendingPathComponent("render")
        let rendered = try shell(["unshare", "--mount", "sh", "-c", "mount --bind \(hosts.path) /etc/hosts && exec \(roostBinary()) render \(try package(required: true).dir.path) --bind db=db.test:\(port) --out \(out.path)"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("config/members.conf"), encoding: .utf8),
                       try String(contentsOf: dir.appendingPathComponent("svc/demo/config/members.conf"), encoding: .utf8))

        // One member goes away: re-render, and the reconfigure hook (no restart).
        a.stop()
        roost.waitFor("reconfigured: 127.0.0.3:\(port) ", timeout: 30)
        XCTAssertTrue(roost.output.contains("bind membership changed"), roost.output)
        XCTAssertEqual(roost.output.components(separatedBy: "service started").count - 1, 1, roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143)
    }
}
