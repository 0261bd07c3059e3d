import Foundation
import XCTest

/// An installed package with dependencies under `--pkgs-root`, run by `roost
/// start` as PID 1 as the Supervisor would run it (issue 13): `pkgPathFor`
/// resolves under that root, the interpreter package is on the service's and
/// hooks' PATH, and roost writes nothing of its own into the service's `var`,
/// `data`, `files` or `static`, which the service's hooks may `chgrp -R`.
final class PackageRootTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("PID-namespace tests need root (unshare --pid)") }
        dir = try temporaryDirectory(self)
    }

    func testDependenciesInterpreterAndServiceFoldersUnderAPackagesRoot() throws {
        let pkgs = dir.appendingPathComponent("pkgs")
        let shellPkg = pkgs.appendingPathComponent("test/shell/1.0.0/20240101000000")
        try write("test/shell/1.0.0/20240101000000\n", to: shellPkg.appendingPathComponent("IDENT"))
        try FileManager.default.createDirectory(at: shellPkg.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: shellPkg.appendingPathComponent("bin/sh").path, withDestinationPath: "/bin/sh")

        // The interpreter, found by Habitat without being a dependency; its PATH
        // metafile names /hab/pkgs, which Habitat roots as roost must.
        let busybox = pkgs.appendingPathComponent("core/busybox-static/1.36.1/20240101000000")
        try write("core/busybox-static/1.36.1/20240101000000\n", to: busybox.appendingPathComponent("IDENT"))
        try write("/hab/pkgs/core/busybox-static/1.36.1/20240101000000/bin\n", to: busybox.appendingPathComponent("PATH"))
        try write("#!/bin/sh\necho from-interpreter\n", to: busybox.appendingPathComponent("bin/interpreter-tool"), executable: true)

        let base = pkgs.appendingPathComponent("test/deps/1.0.0/20240101000000")
        try write("test/deps/1.0.0/20240101000000\n", to: base.appendingPathComponent("IDENT"))
        try write("nobody\n", to: base.appendingPathComponent("SVC_USER"))
        try write("nogroup\n", to: base.appendingPathComponent("SVC_GROUP"))
        try write("core/glibc/2.36/20240101000000\ntest/shell/1.0.0/20240101000000\n", to: base.appendingPathComponent("TDEPS"))
        // As core/postgresql's hooks do, under `set -e`, as the service user.
        try write("#!{{pkgPathFor \"test/shell\"}}/bin/sh\nset -e\nchgrp -RL $(id -g) {{pkg.svc_var_path}} {{pkg.svc_data_path}}\necho init-chgrp-done\n",
                  to: base.appendingPathComponent("hooks/init"), executable: true)
        // core/cacerts' SSL_CERT_FILE reaches a package's RUNTIME_ENVIRONMENT;
        // the Supervisor drops it when its own environment sets one.
        try write("SSL_CERT_FILE=/hab/pkgs/core/cacerts/cert.pem\nPKG_GREETING=hello\n", to: base.appendingPathComponent("RUNTIME_ENVIRONMENT"))
        try write("#!{{pkgPathFor \"test/shell\"}}/bin/sh\necho \"deps-run ssl=$SSL_CERT_FILE pkgenv={{pkg.env.SSL_CERT_FILE}} greeting=$PKG_GREETING path=$PATH tool=$(interpreter-tool)\"\nexec sleep 300\n",
                  to: base.appendingPathComponent("hooks/run"), executable: true)
        try write("#!/bin/sh\nexit 0\n", to: base.appendingPathComponent("hooks/health-check"), executable: true)

        let svc = dir.appendingPathComponent("svc")
        // An older roost's health record (root's), left in the service user's
        // var/ on a data volume.
        let oldVar = svc.appendingPathComponent("deps/var")
        try write("ok 0 old\n", to: oldVar.appendingPathComponent("roost-health"))
        try FileManager.default.setAttributes([.ownerAccountName: "nobody", .groupOwnerAccountName: "nogroup",
                                               .posixPermissions: 0o770], ofItemAtPath: oldVar.path)
        let roost = try PID1(self, arguments: ["start", "--pkg-ident", "test/deps", "--pkgs-root", pkgs.path, "--health-interval", "1",
                                               "--svc-root", svc.path, "--user-root", dir.appendingPathComponent("user").path],
                             environment: ["SSL_CERT_FILE": "/etc/operator/ca.pem"], in: dir)
        roost.waitFor("deps-run ")
        XCTAssertTrue(roost.output.contains("init-chgrp-done"), roost.output)
        let hook = try String(contentsOf: svc.appendingPathComponent("deps/hooks/run"), encoding: .utf8)
        XCTAssertTrue(hook.hasPrefix("#!\(shellPkg.path)/bin/sh\n"), hook)
        let line = roost.output.split(separator: "\n").first { $0.hasPrefix("deps-run ") }.map(String.init) ?? ""
        XCTAssertTrue(line.hasPrefix("deps-run ssl=/etc/operator/ca.pem pkgenv= greeting=hello path=\(busybox.path)/bin:"),
                      "the operator's SSL_CERT_FILE wins; the interpreter's bin comes first (no RUNTIME_PATH):\n\(roost.output)")
        XCTAssertTrue(line.hasSuffix("tool=from-interpreter"), roost.output)

        // The health record is found by `roost health` where only root writes.
        let deadline = Date().addingTimeInterval(30)
        var status: Int32 = -1
        while Date() < deadline {
            status = try shell([roostBinary(), "health", "--svc-root", svc.path, "-q"]).status
            if status == 0 { break }
            usleep(200_000)
        }
        XCTAssertEqual(status, 0, roost.output)
        for folder in ["var", "data", "files", "static"] {
            let entries = try FileManager.default.contentsOfDirectory(atPath: svc.appendingPathComponent("deps/\(folder)").path)
            XCTAssertEqual(entries, [], "roost wrote into the service's \(folder)/")
        }
        var info = stat()
        XCTAssertEqual(lstat(svc.appendingPathComponent("deps/.roost").path, &info), 0)
        XCTAssertEqual(info.st_uid, 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o755)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }
}
