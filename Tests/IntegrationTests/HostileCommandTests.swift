import Foundation
import XCTest

/// The dry-run commands and `cert ensure` facing hostile or mistaken input
/// (issue 12): secrets in error output and diffs, files that are FIFOs or
/// devices, bad package names, bad options, a full disk, symlink loops.
final class HostileCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    func roost(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try shell([roostBinary()] + arguments, environment: environment)
    }

    func render(_ pkg: TestPackage, _ extra: [String] = [], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try roost(["render", pkg.dir.path, "--svc-root", dir.appendingPathComponent("svc").path,
                   "--user-root", dir.appendingPathComponent("user").path] + extra, environment: environment)
    }

    var userTOML: URL { dir.appendingPathComponent("user/demo/config/user.toml") }

    // MARK: secrets (item 3)

    func testParseErrorsNeverQuoteASecret() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "db_password = \"x\"\n", config: ["app.conf": "{{cfg.db_password}}\n"])
        let cases: [(String, [String: String], String)] = [
            ("unterminated in user.toml", [:], "port = 1\ndb_password = \"hunter2\n"),
            ("unquoted in user.toml", [:], "db_password = hunter2\n"),
            ("multi-line in user.toml", [:], "db_password = \"\"\"\nhunter2\n"),
        ]
        for (what, env, text) in cases {
            try write(text, to: userTOML)
            let r = try render(pkg, ["--check"], environment: env)
            XCTAssertEqual(r.status, 78, "\(what): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("hunter2"), "\(what) leaks the secret:\n\(r.stderr)")
            XCTAssertTrue(r.stderr.contains("user.toml:"), "\(what) still names the file:\n\(r.stderr)")
            XCTAssertTrue(r.stderr.contains("<redacted>"), "\(what) shows where the problem is, redacted:\n\(r.stderr)")
        }
        try FileManager.default.removeItem(at: userTOML)
        for (what, text) in [("TOML in HAB_DEMO", "db_password = \"hunter2"), ("JSON in HAB_DEMO", "{\"user\": \"me\", \"db_password\": \"hunter2}")] {
            for format in ["text", "json"] {
                let r = try render(pkg, ["--check"], environment: ["HAB_DEMO": text, "ROOST_LOG_FORMAT": format])
                XCTAssertEqual(r.status, 78, "\(what): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("hunter2"), "\(what) leaks the secret:\n\(r.stderr)")
                XCTAssertTrue(r.stderr.contains("db_password\" <redacted>") || r.stderr.contains("db_password\": <redacted>")
                              || r.stderr.contains("db_password = <redacted>"), "\(what): the key is still shown:\n\(r.stderr)")
            }
        }
    }

    func testDiffMasksPEMKeysEscapedValuesAndOldValues() throws {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQDx4pem4secret\n-----END PRIVATE KEY-----\n"
        let keyFile = dir.appendingPathComponent("tls.key")
        try write(pem, to: keyFile)
        let pkg = try TestPackage(in: dir, defaultTOML: "password = \"first-old-pass\"\nuser = \"me\"\n[tls]\nkey = \"none\"\n",
                                  config: ["app.conf": "user = {{cfg.user}}\npassword = \"{{cfg.password}}\"\n{{cfg.tls.key}}\n",
                                           "tls.json": "{{toJson cfg.tls}}\n"])
        XCTAssertEqual(try render(pkg).status, 0)
        // Now the password changes (the old one is on disk) and a PEM key
        // arrives through a _FILE variable: both files change.
        try write("password = \"second-new-pass\"\nuser = \"you\"\n", to: userTOML)
        let r = try render(pkg, ["--diff"], environment: ["HAB_DEMO__tls__key_FILE": keyFile.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        for secret in ["first-old-pass", "second-new-pass", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQDx4pem4secret"] {
            XCTAssertFalse(r.stdout.contains(secret), "'\(secret)' is in the diff:\n\(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("+user = you"), "non-secret changes still show:\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("tls.json"), r.stdout)
    }

    // MARK: files that are not what they seem (item 2, smaller ones)

    func testUserTomlThatIsADirectoryFIFOOrDeviceIsAnErrorNotAHang() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["app.conf": "{{cfg.n}}\n"])
        try FileManager.default.createDirectory(at: userTOML, withIntermediateDirectories: true)
        var r = try render(pkg, ["--check"])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("user.toml: is a directory, not a regular file"), r.stderr)
        try FileManager.default.removeItem(at: userTOML)
        XCTAssertEqual(mkfifo(userTOML.path, 0o644), 0)
        r = try render(pkg, ["--check"])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a FIFO"), r.stderr)
        try FileManager.default.removeItem(at: userTOML)
        try FileManager.default.createSymbolicLink(atPath: userTOML.path, withDestinationPath: "/dev/zero")
        r = try render(pkg, ["--check"])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a character device"), r.stderr)
    }

    func testPlantedFIFOAndDevZeroAtRenderedNamesAreReplaced() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["a.conf": "a={{cfg.n}}\n", "b.conf": "b={{cfg.n}}\n"])
        let config = dir.appendingPathComponent("svc/demo/config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(config.appendingPathComponent("a.conf").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("b.conf").path, withDestinationPath: "/dev/zero")
        let r = try render(pkg)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: config.appendingPathComponent("a.conf"), encoding: .utf8), "a=1\n")
        XCTAssertEqual(try String(contentsOf: config.appendingPathComponent("b.conf"), encoding: .utf8), "b=1\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: config.appendingPathComponent("b.conf").path)
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeRegular, "the symlink was replaced, not followed")
    }

    func testSymlinkedSubdirectoryInConfigIsNotWrittenThrough() throws {
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 1\n", config: ["sub/a.conf": "a={{cfg.n}}\n"])
        let outside = dir.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("svc/demo/config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("sub").path, withDestinationPath: outside.path)
        let r = try render(pkg)
        XCTAssertEqual(r.status, 73, r.stderr)
        XCTAssertTrue(r.stderr.contains("config/sub: is a symbolic link, not a directory"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), [], "nothing written through the link")
    }

    func testSymlinkLoopsInConfigAreWalkedOnce() throws {
        let pkg = try TestPackage(in: dir, config: ["sub/x.conf": "x\n"])
        let config = pkg.dir.appendingPathComponent("config")
        // Two links back to the top at every level: 2^32 paths without a visited set.
        for name in ["l1", "l2"] {
            try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent(name).path, withDestinationPath: ".")
            try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("sub/" + name).path, withDestinationPath: "..")
        }
        let r = try roost(["render", pkg.dir.path, "--check", "--svc-root", dir.appendingPathComponent("svc").path,
                           "--user-root", dir.appendingPathComponent("user").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("ok: 1 templates render"), r.stdout)
    }

    /// A link to nothing, a FIFO or folders nested past the walk's depth in
    /// config/ were left out without a word ("rendered 2 files" of 5): now
    /// each is an error naming it, and nothing is written.
    func testEntriesThatAreNotTemplatesAreRefused() throws {
        let deep = (0..<33).map { _ in "a" }.joined(separator: "/")
        let svc = dir.appendingPathComponent("svc")
        for (index, plant) in ["link", "fifo", "deep"].enumerated() {
            let pkg = try TestPackage(in: dir, name: "odd\(index)", config: ["top.conf": "x\n"])
            let config = pkg.dir.appendingPathComponent("config")
            let expected: String
            switch plant {
            case "link":
                try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("gone.conf").path,
                                                           withDestinationPath: "/nonexistent")
                expected = "config/gone.conf: a symbolic link to nothing"
            case "fifo":
                XCTAssertEqual(mkfifo(config.appendingPathComponent("pipe.conf").path, 0o644), 0)
                expected = "config/pipe.conf: a FIFO, not a file; a template must be a regular file"
            default:
                try write("y\n", to: config.appendingPathComponent(deep + "/f.conf"))
                expected = "config/" + (0..<32).map { _ in "a" }.joined(separator: "/") + ": folders nested more than 32 deep"
            }
            let r = try roost(["render", pkg.dir.path, "--svc-root", svc.path])
            XCTAssertEqual(r.status, 65, "\(plant): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "\(plant): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: svc.appendingPathComponent("odd\(index)/config/top.conf").path),
                           "\(plant): nothing rendered")
        }
    }

    /// A missing group was reported with a hint to create the *user*; and
    /// the id 4294967295 (what the set*id calls read as "no change") was
    /// taken as a user or group id and failed only in the child, as
    /// "roost must run as root". Both are config errors (78) before anything runs.
    func testServiceUserAndGroupProblemsSayWhatToDo() throws {
        let svc = dir.appendingPathComponent("svc").path
        let cases: [(plan: String, message: String)] = [
            ("pkg_svc_user=nobody\npkg_svc_group=no-such-group-x",
             "group 'no-such-group-x' does not exist; create it in the image (groupadd --system no-such-group-x) or set pkg_svc_group"),
            ("pkg_svc_user=no-such-user-x\npkg_svc_group=nogroup",
             "user 'no-such-user-x' does not exist; create it in the image (useradd --system no-such-user-x) or set pkg_svc_user"),
            ("pkg_svc_user=4294967295\npkg_svc_group=nogroup", "user '4294967295' does not exist"),
            ("pkg_svc_user=nobody\npkg_svc_group=4294967295", "group '4294967295' does not exist"),
        ]
        for (index, item) in cases.enumerated() {
            let pkg = try TestPackage(in: dir, name: "who\(index)", plan: item.plan, hooks: ["run": "#!/bin/sh\nexec true\n"])
            let r = try roost(["start", pkg.dir.path, "--svc-root", svc, "--restart", "never"])
            XCTAssertEqual(r.status, 78, "\(item.plan): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(item.message), "\(item.plan): \(r.stderr)")
        }
        // A numeric id below that is still taken as an id.
        let numeric = try TestPackage(in: dir, name: "who9", plan: "pkg_svc_user=4242\npkg_svc_group=4243",
                                      hooks: ["run": "#!/bin/sh\nid -u; id -g\n"])
        let r = try roost(["start", numeric.dir.path, "--svc-root", svc, "--restart", "never"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4242\n4243\n") || r.stderr.contains("4242\n4243\n"), r.stdout + r.stderr)
    }

    // MARK: package names (item 7)

    func testPackageNamesAreValidated() throws {
        for bad in ["../../escape", "my app", "$(touch /tmp/roost-pwned)", "a/b"] {
            let pkgDir = dir.appendingPathComponent("pkg-bad")
            try write("pkg_name='\(bad)'\npkg_origin=test\n", to: pkgDir.appendingPathComponent("plan.sh"))
            try write("x\n", to: pkgDir.appendingPathComponent("config/app.conf"))
            let r = try roost(["render", pkgDir.path, "--svc-root", dir.appendingPathComponent("root/svc").path,
                               "--user-root", dir.appendingPathComponent("root/user").path])
            XCTAssertEqual(r.status, 78, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("plan.sh") && r.stderr.contains("letters, digits"), "\(bad): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("escape").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("root/svc").path))

        let installed = dir.appendingPathComponent("installed")
        try write("core/../x/1.0/2024\n", to: installed.appendingPathComponent("IDENT"))
        let r = try roost(["render", installed.path, "--check", "--svc-root", dir.appendingPathComponent("svc").path])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("IDENT"), r.stderr)
    }

    // MARK: options (item 6)

    func testBadOptionsExit64BeforeAnythingStarts() throws {
        let marker = dir.appendingPathComponent("started")
        let pkg = try TestPackage(in: dir, plan: "pkg_svc_user=root\npkg_svc_group=root",
                                  hooks: ["run": "#!/bin/sh\ntouch \(marker.path)\nexec sleep 300\n"])
        let svc = dir.appendingPathComponent("svc").path, user = dir.appendingPathComponent("user").path
        let cases: [[String]] = [
            ["--http-listen", "garbage"], ["--http-listen", "127.0.0.1:0"], ["--http-listen", "300.1.1.1:80"],
            ["--svc-root", ""], ["--user-root", ""], ["--pkgs-root", ""], ["--group", "../x"], ["--bind", "nonsense"],
            ["--pkg-path", "core/x="], ["--max-restarts", "-1"], ["--shutdown-timeout", "-5"],
        ]
        for extra in cases {
            var args = ["start", pkg.dir.path, "--svc-root", svc, "--user-root", user]
            args += extra
            let r = try roost(args)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "\(extra) started the service")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: svc), "nothing was created")
    }

    /// `render --out ""` wrote into /config and /hooks when run from /; empty
    /// output paths are refused like the roots, and an empty
    /// ROOST_BINDS_FILE is no binds file (it was read as the path "").
    func testEmptyRenderPathsAreRefused() throws {
        let pkg = try TestPackage(in: dir, config: ["a.conf": "x\n"], hooks: ["run": "#!/bin/sh\nexec true\n"])
        let svc = dir.appendingPathComponent("svc").path
        for option in ["--out", "--context-out", "--context-override"] {
            let r = try roost(["render", pkg.dir.path, "--svc-root", svc, option, ""])
            XCTAssertEqual(r.status, 64, "\(option): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(option) must not be empty"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: svc), "nothing was written")
        let unset = try roost(["render", pkg.dir.path, "--svc-root", svc, "--check"], environment: ["ROOST_BINDS_FILE": ""])
        XCTAssertEqual(unset.status, 0, unset.stderr)
    }

    func testUndeclaredBindVariableIsAConfigurationError() throws {
        let pkg = try TestPackage(in: dir, plan: "pkg_binds_optional=([backend]=\"port\")", config: ["a.conf": "x\n"])
        let r = try render(pkg, ["--check"], environment: ["ROOST_BIND_BAKEND": "127.0.0.1:9"])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("ROOST_BIND_BAKEND") && r.stderr.contains("backend (optional"), r.stderr)
    }

    // MARK: all or nothing on a full disk (item 5)

    func testFullDiskKeepsThePreviousSetAndExits73() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        let big = String(repeating: "x", count: 200_000)
        let pkg = try TestPackage(in: dir, defaultTOML: "n = 2\nbig = \"\(big)\"\n",
                                  config: ["a.conf": "a={{cfg.n}}\n", "b.conf": "{{cfg.big}}\n"])
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let script = """
        set -e
        mount -t tmpfs -o size=64k tmpfs '\(out.path)'
        mkdir '\(out.path)/config'
        echo old-a > '\(out.path)/config/a.conf'
        echo old-b > '\(out.path)/config/b.conf'
        set +e
        '\(roostBinary())' render '\(pkg.dir.path)' --out '\(out.path)' --svc-root '\(dir.path)/svc' --user-root '\(dir.path)/user'
        echo "status=$?"
        echo "a=$(cat '\(out.path)/config/a.conf') b=$(cat '\(out.path)/config/b.conf')"
        echo "entries=$(ls -A '\(out.path)/config' | tr '\\n' ' ')"
        """
        let r = try shell(["unshare", "--mount", "/bin/sh", "-c", script])
        XCTAssertTrue(r.stdout.contains("status=73"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("a=old-a b=old-b"), "the old set stays whole:\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("entries=a.conf b.conf \n") || r.stdout.contains("entries=a.conf b.conf "), "no temp file left:\n\(r.stdout)")
        XCTAssertTrue(r.stderr.contains("No space left on device"), r.stderr)
    }
}
