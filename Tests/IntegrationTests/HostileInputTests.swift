import Foundation
import XCTest

/// Hostile or unusual input to the config layers and `roost template`, as a
/// user meets it: deep nesting, bytes that are not UTF-8, TOML's inf and nan.
/// Each is a clean error with the right exit code (or correct output).
final class HostileInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    func roost(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try shell([roostBinary()] + arguments, environment: environment)
    }

    func package(defaultTOML: String) throws -> TestPackage {
        try TestPackage(in: dir, defaultTOML: defaultTOML, config: ["app.conf": "port={{cfg.port}}\n"],
                        hooks: ["run": "#!/bin/sh\nexec sleep 1\n"])
    }

    /// 60,000 nested arrays used to overflow the stack (exit 139).
    func testDeepNestingIsAConfigErrorInEveryLayer() throws {
        let arrays = "a = " + String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000)
        let pkg = try package(defaultTOML: "port = 1\n")
        let svc = ["--svc-root", dir.appendingPathComponent("svc").path, "--user-root", dir.appendingPathComponent("user").path]

        let env = try roost(["config", "show", pkg.dir.path] + svc, environment: ["HAB_DEMO": arrays])
        XCTAssertEqual(env.status, 78, env.stderr)
        XCTAssertTrue(env.stderr.hasPrefix("roost: HAB_DEMO:1:"), env.stderr)
        XCTAssertTrue(env.stderr.contains("nested more than 128 levels deep"), env.stderr)
        XCTAssertLessThan(env.stderr.utf8.count, 300, "one line, without the brackets")

        try write("port = 1\n" + arrays, to: dir.appendingPathComponent("user/demo/config/user.toml"))
        let user = try roost(["render", pkg.dir.path, "--check"] + svc)
        XCTAssertEqual(user.status, 78, user.stderr)
        XCTAssertTrue(user.stderr.contains("user.toml:2:"), user.stderr)

        try write("port = " + String(repeating: "{a=", count: 20_000) + "1" + String(repeating: "}", count: 20_000),
                  to: pkg.dir.appendingPathComponent("default.toml"))
        let defaults = try roost(["config", "show", pkg.dir.path])
        XCTAssertEqual(defaults.status, 78, defaults.stderr)
        XCTAssertTrue(defaults.stderr.contains("default.toml:1:"), defaults.stderr)
    }

    func testDeepTemplateDataIsBadData() throws {
        let template = dir.appendingPathComponent("t.hbs")
        let data = dir.appendingPathComponent("d.json")
        try write("{{toJson a}}", to: template)
        try write("{\"a\": " + String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000) + "}", to: data)
        let r = try roost(["template", template.path, data.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("nested more than 128 levels deep"), r.stderr)
    }

    /// `config show` printed nothing and exited 70 on valid TOML with inf/nan.
    func testConfigShowPrintsInfAndNanAsTOMLDoes() throws {
        let pkg = try package(defaultTOML: "port = 1\nhigh = inf\nlow = -inf\nodd = nan\n[t]\nlimits = [1.5, inf]\n")
        let r = try roost(["config", "show", pkg.dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "port = 1\nhigh = inf\nlow = -inf\nodd = nan\n\n[t]\nlimits = [1.5, inf]\n")
        // JSON has no inf or nan: null, as templates see them.
        let json = try roost(["config", "show", pkg.dir.path, "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.contains("\"high\": null"), json.stdout)
    }

    /// Bytes that are not UTF-8 are bad configuration (78) naming the file or
    /// variable and the bad byte, not "cannot read" (66).
    func testInputThatIsNotUTF8IsAConfigError() throws {
        let pkg = try package(defaultTOML: "port = 1\n")
        try Data(Array("port = 1\nname = \"caf".utf8) + [0xE9, 0x22, 0x0A]).write(to: pkg.dir.appendingPathComponent("default.toml"))
        let d = try roost(["config", "show", pkg.dir.path])
        XCTAssertEqual(d.status, 78, d.stderr)
        XCTAssertTrue(d.stderr.contains("default.toml:2:12: not UTF-8 text: invalid byte 0xE9 at byte offset 20"), d.stderr)

        try write("port = 1\n", to: pkg.dir.appendingPathComponent("default.toml"))
        let file = dir.appendingPathComponent("layer.toml")
        try Data([0x70, 0x3D, 0x22, 0xFF, 0x22, 0x0A]).write(to: file)
        let viaFile = try roost(["config", "show", pkg.dir.path], environment: ["HAB_DEMO_FILE": file.path])
        XCTAssertEqual(viaFile.status, 78, viaFile.stderr)
        XCTAssertTrue(viaFile.stderr.contains("HAB_DEMO_FILE (\(file.path)):1:4: not UTF-8 text"), viaFile.stderr)
        let perKey = try roost(["config", "show", pkg.dir.path], environment: ["HAB_DEMO__name_FILE": file.path])
        XCTAssertEqual(perKey.status, 78, perKey.stderr)

        // The variable itself (Foundation cannot pass such bytes: a shell does).
        let viaEnv = try shell(["sh", "-c", "HAB_DEMO=\"$(printf 'port = \\042\\377\\042')\" exec \"$0\" config show \"$1\"",
                                roostBinary(), pkg.dir.path])
        XCTAssertEqual(viaEnv.status, 78, viaEnv.stderr)
        XCTAssertTrue(viaEnv.stderr.contains("HAB_DEMO:1:9: not UTF-8 text: invalid byte 0xFF at byte offset 8"), viaEnv.stderr)
    }

    /// A negative number given to a numeric option read as an option itself
    /// ("Missing value for '--shutdown-timeout <SECONDS>'"); now it reaches
    /// the check that names the option and says what is allowed.
    func testNegativeNumbersReachTheOptionChecks() throws {
        let pkg = try package(defaultTOML: "port = 1\n")
        let svc = ["--svc-root", dir.appendingPathComponent("svc").path]
        for (option, message) in [("--shutdown-timeout", "--shutdown-timeout must be a whole number of seconds from 0 to 4294967295 (got -1)"),
                                  ("--bind-timeout", "--bind-timeout must be a whole number of seconds from 1 to 4294967295 (got -1)"),
                                  ("--max-restarts", "--max-restarts must be 0 or more"),
                                  ("--restart-window", "--restart-window must be a whole number of seconds from 1 to 4294967295 (got -1)")] {
            let r = try roost(["start", pkg.dir.path, option, "-1"] + svc)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("svc/demo/hooks").path), "nothing rendered")
        let cert = try roost(["cert", "ensure", "--cert", dir.appendingPathComponent("c.pem").path,
                              "--key", dir.appendingPathComponent("k.pem").path, "--days", "-1"])
        XCTAssertNotEqual(cert.status, 0)
        XCTAssertTrue(cert.stderr.contains("--days must be between 1 and 36500"), cert.stderr)
        XCTAssertEqual(cert.status, 64, "an option out of range is a usage error")
        XCTAssertFalse(cert.stderr.contains("Missing value"), cert.stderr)
    }

    /// Seconds too large for the time arithmetic: `--shutdown-timeout
    /// 9223372036854775807` crashed roost on SIGTERM (its log line converted
    /// the timeout to Int through Double), `--health-interval` of the same
    /// size at start. Options and the package's shutdown timeout stop at
    /// 2^32 − 1 seconds, Habitat's limit for SHUTDOWN_TIMEOUT (a u32).
    func testSecondsBeyondTheirRangeAreRefused() throws {
        let pkg = try package(defaultTOML: "port = 1\n")
        let svc = ["--svc-root", dir.appendingPathComponent("svc").path]
        for option in ["--shutdown-timeout", "--health-interval", "--health-timeout", "--bind-timeout", "--bind-interval",
                       "--init-timeout", "--hook-timeout", "--restart-window"] {
            for value in ["9223372036854775807", "4294967296"] {
                let r = try roost(["start", pkg.dir.path, option, value] + svc)
                XCTAssertEqual(r.status, 64, "\(option) \(value): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("\(option) must be a whole number of seconds from"), r.stderr)
                XCTAssertTrue(r.stderr.contains("to 4294967295 (got \(value))"), r.stderr)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("svc/demo/hooks").path), "nothing rendered")
        // The largest value is taken: the service starts and stops as usual.
        let largest = try roost(["start", pkg.dir.path, "--restart", "never", "--shutdown-timeout", "4294967295",
                                 "--health-interval", "4294967295"] + svc)
        XCTAssertEqual(largest.status, 0, largest.stderr)

        // The same limit for the package: its plan and an installed package's metadata file.
        for (index, value) in ["4294967296", "-3"].enumerated() {
            let expected = "pkg_shutdown_timeout_sec '\(value)' is not a whole number of seconds from 0 to 4294967295"
            let planned = try TestPackage(in: dir, name: "late\(index)", plan: "pkg_shutdown_timeout_sec=\(value)",
                                          hooks: ["run": "#!/bin/sh\nexec true\n"])
            let r = try roost(["start", planned.dir.path, "--restart", "never"] + svc)
            XCTAssertEqual(r.status, 78, r.stderr)
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
        }
    }

    /// `roost health` (a HEALTHCHECK command) on a record with a time of
    /// Int.min crashed with an arithmetic overflow; now it is unknown (3).
    func testHealthRecordWithAnImpossibleTime() throws {
        let root = dir.appendingPathComponent("svc")
        try write("ok -9223372036854775808 hi\n", to: root.appendingPathComponent("demo/.roost/health"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("demo/var"), withIntermediateDirectories: true)
        for extra in [[], ["--liveness"]] {
            let r = try roost(["health", "--svc-root", root.path, "demo"] + extra)
            XCTAssertEqual(r.status, extra.isEmpty ? 3 : 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("demo: unknown"), r.stdout)
        }
    }
}

