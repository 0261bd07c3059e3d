import Foundation
import XCTest
@testable import Habitat
import Handlebars

/// Package reading (installed metadata and plan.sh, never executed), exports,
/// exposes and the bind contract.
final class PackageTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("roost-pkg")
    }

    func put(_ text: String, _ path: String) throws { try writeFile(text, path, in: dir) }

    func testInstalledPackageMetadata() throws {
        let base = "pkgs/core/test-bind/0.1.0/20190219230309"
        try put("core/test-bind/0.1.0/20190219230309\n", "\(base)/IDENT")
        try put("database=port host\n", "\(base)/BINDS")
        try put("storage=port host\n", "\(base)/BINDS_OPTIONAL")
        try put("port=network.port\nssl-port=network.ssl.port\n", "\(base)/EXPORTS")
        try put("5432 5433\n", "\(base)/EXPOSES")
        try put("hab\n", "\(base)/SVC_USER")
        try put("hab\n", "\(base)/SVC_GROUP")
        try put("INT\n", "\(base)/SHUTDOWN_SIGNAL")
        try put("30\n", "\(base)/SHUTDOWN_TIMEOUT")
        try put("/hab/pkgs/core/tree/1.7.0/20180609045201/bin\n", "\(base)/RUNTIME_PATH")
        try put("PATH=/ignored\nJAVA_HOME=/hab/pkgs/core/jdk\n", "\(base)/RUNTIME_ENVIRONMENT")
        try put("core/glibc/2.27/20180608041157\ncore/acl/2.2.52/20161208223311\n", "\(base)/TDEPS")
        // By ident (newest release) and by directory.
        try put("core/test-bind/0.1.0/20180101000000\n", "pkgs/core/test-bind/0.1.0/20180101000000/IDENT")
        let roots = PackageLocator.Roots(pkgs: dir.appendingPathComponent("pkgs").path, svc: "/hab/svc")
        let p = try PackageLocator.load("core/test-bind", roots: roots)
        XCTAssertEqual(p.ident.description, "core/test-bind/0.1.0/20190219230309")
        XCTAssertEqual(p.binds.map(\.name), ["database"])
        XCTAssertEqual(p.binds.first?.exports, ["port", "host"])
        XCTAssertEqual(p.bindsOptional.map(\.name), ["storage"])
        XCTAssertEqual(p.exports.map(\.path), ["network.port", "network.ssl.port"])
        XCTAssertEqual(p.exposes, ["5432", "5433"])
        XCTAssertEqual(p.shutdownSignal, "INT")
        XCTAssertEqual(p.shutdownTimeoutSeconds, 30)
        XCTAssertEqual(p.runtimeEnvironment.map(\.key), ["JAVA_HOME"])
        XCTAssertEqual(p.deps.map(\.description), ["core/glibc/2.27/20180608041157", "core/acl/2.2.52/20161208223311"])
        // Habitat reads SHUTDOWN_TIMEOUT as a u32: 2^32 − 1 is the largest.
        try put("4294967295\n", "\(base)/SHUTDOWN_TIMEOUT")
        XCTAssertEqual(try PackageLocator.load("core/test-bind", roots: roots).shutdownTimeoutSeconds, 4_294_967_295)
        for bad in ["4294967296", "9223372036854775807", "-1", "8s"] {
            try put("\(bad)\n", "\(base)/SHUTDOWN_TIMEOUT")
            XCTAssertThrowsError(try PackageLocator.load("core/test-bind", roots: roots)) { error in
                XCTAssertTrue("\(error)".contains("SHUTDOWN_TIMEOUT") && "\(error)".contains("'\(bad)' is not a whole number of seconds from 0 to 4294967295"), "\(error)")
            }
        }
        try put("30\n", "\(base)/SHUTDOWN_TIMEOUT")
        try put("hup\n", "\(base)/SHUTDOWN_SIGNAL")                            // 67
        XCTAssertThrowsError(try PackageLocator.load("core/test-bind", roots: roots)) { error in
            XCTAssertTrue("\(error)".contains("unknown signal 'hup'"))
        }
        XCTAssertThrowsError(try PackageLocator.load(dir.appendingPathComponent("nothing").path, roots: roots))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try PackageLocator.load(dir.appendingPathComponent("empty").path, roots: roots)) { error in
            XCTAssertTrue("\(error)".contains("looked for IDENT"), "\(error)")
        }
    }

    func testIdentParsingAndWhatMayNameAPackage() {
        XCTAssertEqual(PackageIdent(parsing: "core/nginx")?.description, "core/nginx")
        XCTAssertEqual(PackageIdent(parsing: "core/nginx/1.25.4/20240101000000")?.release, "20240101000000")
        XCTAssertEqual(PackageIdent(parsing: "my_org/busybox-static/1.0-ünï")?.version, "1.0-ünï", "a version may hold letters of any script")
        for bad in ["core", "core/", "/nginx", "core//1.0", "a/b/c/d/e", "co re/nginx", "core/ngi.nx", "core/nginx/..",
                    "core/nginx/1 0", "core/nginx/1.0\u{A0}", "core/nginx/1.0\u{2003}x", "core/nginx/1.0\u{7F}", "core/nginx/1.0\t",
                    "core/nginx/1.0/\u{1}", "cöre/nginx", ""] {
            XCTAssertNil(PackageIdent(parsing: bad), bad)
        }
    }

    func testPlanReadStatically() throws {
        try put("""
        pkg_name=my-app
        pkg_origin="acme"
        pkg_version='1.2.3'
        pkg_deps=(core/glibc
          core/openssl)  # trailing comment
        pkg_exports=(
          [port]=network.port
          [host]="network.host"
        )
        pkg_exposes=(port)
        pkg_binds=([database]="port host")
        pkg_binds_optional+=([cache]="port")
        pkg_svc_user="${SVC_USER:-app}"
        pkg_svc_run="bin/app --config ${pkg_svc_config_path}/app.toml"
        pkg_shutdown_signal=HUP
        pkg_shutdown_timeout_sec=12
        do_build() {
          pkg_name=not-this
          echo "}"
        }
        touch /tmp/roost-plan-was-executed
        """, "habitat/plan.sh")
        try put("[network]\nport = 8080\nhost = \"0.0.0.0\"\n", "habitat/default.toml")
        let p = try PackageLocator.load(dir.path, roots: .init(pkgs: "/nonexistent", svc: "/srv/svc"))
        XCTAssertEqual(p.ident.description, "acme/my-app/1.2.3/0")
        XCTAssertEqual(p.directory, dir.appendingPathComponent("habitat").path)
        XCTAssertEqual(p.deps.map(\.description), ["core/glibc", "core/openssl"])
        XCTAssertEqual(p.exports.map(\.name), ["port", "host"])
        XCTAssertEqual(p.exposeExportNames, ["port"])
        XCTAssertEqual(p.binds.first?.exports, ["port", "host"])
        XCTAssertEqual(p.bindsOptional.map(\.name), ["cache"])
        XCTAssertEqual(p.svcUser, "app")
        XCTAssertEqual(p.svcRun, "bin/app --config /srv/svc/my-app/config/app.toml")
        XCTAssertEqual(p.shutdownSignal, "HUP")
        XCTAssertEqual(p.shutdownTimeoutSeconds, 12)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/roost-plan-was-executed"))
    }

    /// A version a command computes cannot be known without running the
    /// plan: roost uses 0.0.0 (a `$` alone is literal text).
    /// Hostile plans: `${a:-${a:-…}}` 50,000 levels deep overflowed the
    /// stack (SIGSEGV), and `a=$a$a` on 40 lines asked for terabytes. Both
    /// are config errors naming plan.sh (and the line, for the nesting);
    /// 64 levels and a value of a mebibyte still read.
    func testPlanNestingAndExpansionAreBounded() throws {
        let roots = PackageLocator.Roots(pkgs: "/nonexistent", svc: "/srv/svc")
        func load(_ body: String) throws -> ServicePackage {
            try put("pkg_name=app\n" + body, "bounded/plan.sh")
            return try PackageLocator.load(dir.appendingPathComponent("bounded").path, roots: roots)
        }
        func nested(_ levels: Int) -> String {
            "pkg_svc_run=" + String(repeating: "${unset:-", count: levels) + "deep" + String(repeating: "}", count: levels) + "\n"
        }
        XCTAssertEqual(try load(nested(64)).svcRun, "deep")
        for levels in [65, 50_000] {
            XCTAssertThrowsError(try load("x=1\n" + nested(levels))) { error in
                XCTAssertTrue("\(error)".contains("bounded/plan.sh:3: ${…:-…} nested more than 64 levels deep"), "\(error)")
            }
        }
        let doubling = "a=xxxxxxxx\n" + String(repeating: "a=$a$a\n", count: 40) + "pkg_svc_run=$a\n"
        XCTAssertThrowsError(try load(doubling)) { error in
            XCTAssertTrue("\(error)".contains("bounded/plan.sh: a expands to more than 1048576 bytes"), "\(error)")
        }
        let mebibyte = "a=xxxxxxxx\n" + String(repeating: "a=$a$a\n", count: 17) + "pkg_svc_run=\"$a\"\n"
        XCTAssertEqual(try load(mebibyte).svcRun?.utf8.count, 1 << 20)
        XCTAssertThrowsError(try load(mebibyte + "pkg_svc_run+=x\n")) { error in
            XCTAssertTrue("\(error)".contains("pkg_svc_run expands to more than 1048576 bytes"), "\(error)")
        }
        // A plan read as text says the same.
        XCTAssertEqual(PlanFile(text: "x=1\n" + nested(65)).problem, "line 2: ${…:-…} nested more than 64 levels deep")
    }

    func testPlanVersionFromACommandIsUnknown() throws {
        for (version, expected) in [("$(cat VERSION)", "0.0.0"), ("\"1.$(date +%s)\"", "0.0.0"), ("1.2$", "1.2$"), ("'(1)'", "(1)")] {
            try put("pkg_name=app\npkg_version=\(version)\n", "v/plan.sh")
            let p = try PackageLocator.load(dir.appendingPathComponent("v").path, roots: .init(pkgs: "/nonexistent", svc: "/srv/svc"))
            XCTAssertEqual(p.ident.version, expected, version)
        }
    }

    /// `$@`, `$1`, `$$` and a lone `$` are not variables roost expands: they
    /// stay literal text, in a value and inside a skipped function body; a
    /// `;` inside `( … )` is skipped. Each of these once made the scanner
    /// loop forever, growing memory until PID 1 died.
    func testPlanSpecialParametersAndStraySemicolons() throws {
        let plan = PlanFile(text: """
        pkg_name=hang-free
        do_build() {
          make "$@" PREFIX="$1" $2
        }
        pkg_svc_run="bin/app \"$1\" $$ $"
        pkg_args=$@x
        pkg_deps=(core/a; core/b)
        pkg_description="naïve — ünïcode ${pkg_name}"
        """)
        XCTAssertEqual(plan.scalar("pkg_name"), "hang-free")
        XCTAssertEqual(plan.scalar("pkg_svc_run"), "bin/app $1 $$ $")
        XCTAssertEqual(plan.scalar("pkg_args"), "$@x")
        XCTAssertEqual(plan.array("pkg_deps"), ["core/a", "core/b"])
        XCTAssertEqual(plan.scalar("pkg_description"), "naïve — ünïcode hang-free")
    }

    func testExportsWalk() {                                                 // 18, 19, 20
        let cfg: Object = ["network": ["port": 5432], "a": ["c": 7], "port": 1]
        XCTAssertEqual(Exports.values([("port", "network.port")], config: cfg), ["port": 5432])
        XCTAssertEqual(Exports.values([("x", "a.b.c")], config: cfg), ["x": 7])
        XCTAssertEqual(Exports.values([("x", "a.b")], config: cfg), [:])
        XCTAssertEqual(Exports.values([("p", "z.port")], config: cfg), ["p": 1])
    }

    /// Hosts and check paths reach the probe's tab-separated request and an
    /// HTTP request line: a control character in one is refused where it is
    /// read, naming the variable or file (exit 78).
    func testControlCharactersInHostsAndCheckPathsAreRefused() throws {
        var p = ServicePackage(ident: PackageIdent(origin: "o", name: "n"), layout: .installed, directory: "/x", installPath: "/x")
        p.bindsOptional = [("backend", ["port"])]
        func refused(options: [String] = [], environment: [String: String] = [:], file: String? = nil) -> HabitatError? {
            var path: String?
            if let file {
                path = dir.appendingPathComponent("binds.toml").path
                try? file.write(toFile: path!, atomically: true, encoding: .utf8)
            }
            do {
                _ = try BindSet.configure(package: p, options: options, environment: environment, bindsFile: path)
                return nil
            } catch {
                return error
            }
        }
        let variable = refused(environment: ["ROOST_BIND_BACKEND": "10.0.0.5\tevil:8080"])
        XCTAssertEqual(variable?.description, "ROOST_BIND_BACKEND: host \"10.0.0.5\\tevil\" holds a control character (U+0009)")
        XCTAssertEqual(variable?.exitCode, 78)
        XCTAssertEqual(refused(options: ["backend=a\u{7F}b:1"])?.description, "--bind: host \"a\\u{7F}b\" holds a control character (U+007F)")
        let hosts = refused(file: "[backend]\nhosts = [\"a\\nb:1\"]\n")
        XCTAssertTrue(hosts?.description.hasSuffix("binds.toml [backend]: host \"a\\nb\" holds a control character (U+000A)") == true,
                      hosts?.description ?? "accepted")
        XCTAssertNotNil(refused(file: "[backend]\n[[backend.members]]\nhost = \"a\\rb\"\nport = 1\n"))
        let check = refused(file: "[backend]\nhosts = [\"a:1\"]\nhttp_check = \"/x\\r\\nHost: evil\"\n")
        XCTAssertTrue(check?.description.contains("http_check \"/x\\r\\nHost: evil\" holds a control character (U+000D)") == true,
                      check?.description ?? "accepted")
        XCTAssertFalse(check?.description.contains("\n") ?? true, "one line")
        XCTAssertNil(refused(environment: ["ROOST_BIND_BACKEND": "backend.local:8080"]))
    }

    func testBindContract() throws {                                          // 21–24
        var p = ServicePackage(ident: PackageIdent(origin: "o", name: "n"), layout: .installed, directory: "/x", installPath: "/x")
        p.binds = [("database", ["port", "host"])]
        p.bindsOptional = [("backend", ["port"])]
        XCTAssertThrowsError(try BindSet.configure(package: p, options: [], environment: [:], bindsFile: nil)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("missing required bind(s): database (exports: port host)"), text)
            XCTAssertEqual((error as! HabitatError).exitCode, 78)
        }
        XCTAssertThrowsError(try BindSet.configure(package: p, options: ["cache=h:1"], environment: [:], bindsFile: nil)) { error in
            XCTAssertTrue("\(error)".contains("bind 'cache' is not declared"), "\(error)")
        }
        XCTAssertThrowsError(try BindSet.configure(package: p, options: ["db"], environment: [:], bindsFile: nil))
        XCTAssertThrowsError(try BindSet.configure(package: p, options: ["database:postgresql.default"], environment: [:], bindsFile: nil)) { error in
            XCTAssertTrue("\(error)".contains("no gossip ring"), "\(error)")
        }
        // `host` must come from somewhere: a binds file provides it.
        XCTAssertThrowsError(try BindSet.configure(package: p, options: ["database=10.0.0.5:5432"], environment: [:], bindsFile: nil)) { error in
            XCTAssertTrue("\(error)".contains("does not provide host"), "\(error)")
        }
        let file = dir.appendingPathComponent("binds.toml")
        try "[database]\nhosts = [\"10.0.0.5:5432\", \"10.0.0.6\"]\n[database.cfg]\nhost = \"db.internal\"\nport = 5432\n".write(to: file, atomically: true, encoding: .utf8)
        let set = try BindSet.configure(package: p, options: [], environment: ["ROOST_BIND_BACKEND": "[::1]:8080,backend.local:8081"], bindsFile: file.path)
        XCTAssertEqual(set.entries.map(\.spec.name), ["database", "backend"])
        XCTAssertEqual(set.entries[1].spec.members.map(\.host), ["::1", "backend.local"])
        XCTAssertEqual(set.entries[0].portKey, "port")
        // The member without HOST:PORT is probed on the port its exported values name.
        XCTAssertEqual(set.entries[0].spec.members.map(\.port), [5432, 5432])
        let group = set.entries[0].boundGroup(statuses: [
            MemberStatus(bind: "database", host: "10.0.0.5", address: "10.0.0.5", port: 5432, alive: true, reason: ""),
            MemberStatus(bind: "database", host: "10.0.0.6", address: "10.0.0.6", port: 5432, alive: false, reason: "refused"),
        ])
        XCTAssertEqual(group.activeMembers.map(\.ip), ["10.0.0.5"])
        XCTAssertEqual(group.members.first?.cfg["host"], "db.internal")
        let value = group.value
        XCTAssertEqual(value["members"]?.arrayValue?.count, 1)
        XCTAssertEqual(value["first"]?["sys"]?["ip"] != nil, true)
    }
}
