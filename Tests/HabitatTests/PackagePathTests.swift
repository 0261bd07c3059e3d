import Foundation
import XCTest
@testable import Habitat
import Handlebars

/// Where a package's dependencies are found: `pkgPathFor` under the packages
/// root, and the interpreter package Habitat puts on every PATH.
final class PackagePathTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("roost-pkgpath")
    }

    func put(_ text: String, _ path: String) throws { try writeFile(text, path, in: dir) }

    let deps: Value = ["pkg": ["deps": [
        ["origin": "core", "name": "glibc", "version": "2.36", "release": "20240101000000"],
        ["origin": "core", "name": "bash", "version": "5.1", "release": "20240102000000"],
    ]]]

    func render(_ source: String, _ helpers: HabitatHelpers) throws -> String {
        try HabitatHelpers.makeRenderer(helpers).render(try Template(source: source, name: "hooks/run"), deps)
    }

    func testPathsFromTheCommandLineAreMadeAbsolute() {
        XCTAssertEqual(FileSystem.absolute("./svc//x/.", from: "/work/"), "/work/svc/x")
        XCTAssertEqual(FileSystem.absolute(".", from: "/work"), "/work")
        XCTAssertEqual(FileSystem.absolute("svc", from: "/"), "/svc")
        XCTAssertEqual(FileSystem.absolute("../svc", from: "/a/b"), "/a/b/../svc", "'..' is left to the kernel: b may be a symlink")
        XCTAssertEqual(FileSystem.absolute("/hab/svc", from: "/work"), "/hab/svc")
        XCTAssertEqual(FileSystem.absolute(dir.lastPathComponent, from: dir.deletingLastPathComponent().path), dir.path)
        let here = FileManager.default.currentDirectoryPath
        XCTAssertEqual(FileSystem.currentDirectory(), here)
        XCTAssertEqual(FileSystem.absolute("x"), here == "/" ? "/x" : here + "/x")
    }

    /// Files are text only when they are valid UTF-8: nothing is repaired.
    func testUTF8TextAcceptsOnlyValidUTF8() {
        XCTAssertEqual(FileSystem.utf8Text([]), "")
        XCTAssertEqual(FileSystem.utf8Text(Array("pkg_name=x\nünï 🦉\u{0}end".utf8)), "pkg_name=x\nünï 🦉\u{0}end")
        for bad: [UInt8] in [[0xE9], [0x61, 0xFF, 0x62], [0xF0, 0x90, 0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80],
                             [0xF4, 0x90, 0x80, 0x80], [0x80], [0xEF, 0xBF]] {
            XCTAssertNil(FileSystem.utf8Text(bad), "\(bad)")
        }
        // U+FFFD written in the file is text, not a repair.
        XCTAssertEqual(FileSystem.utf8Text([0xEF, 0xBF, 0xBD]), "\u{FFFD}")
    }

    func testPkgPathForUsesThePackagesRoot() throws {
        // core/postgresql's hooks begin `#!{{pkgPathFor "core/bash"}}/bin/bash`.
        let helpers = HabitatHelpers(pkgsRoot: "/tmp/root/pkgs", strictPkgPathFor: true)
        XCTAssertEqual(try render("#!{{pkgPathFor \"core/bash\"}}/bin/bash", helpers),
                       "#!/tmp/root/pkgs/core/bash/5.1/20240102000000/bin/bash")
        XCTAssertEqual(try render("{{pkgPathFor \"core/bash\"}}", HabitatHelpers()),
                       "/hab/pkgs/core/bash/5.1/20240102000000", "the default root is Habitat's")
    }

    func testPkgPathMappingWinsOverADependency() throws {
        let helpers = HabitatHelpers(pkgPaths: [(PackageIdent(origin: "core", name: "bash"), "/usr")],
                                     pkgsRoot: "/tmp/root/pkgs", strictPkgPathFor: true)
        XCTAssertEqual(try render("{{pkgPathFor \"core/bash\"}}|{{pkgPathFor \"core/glibc\"}}", helpers),
                       "/usr|/tmp/root/pkgs/core/glibc/2.36/20240101000000")
    }

    func testStrictPkgPathForOfAnUnlistedPackageNamesItAndTheRoot() {
        let helpers = HabitatHelpers(pkgsRoot: "/tmp/root/pkgs", strictPkgPathFor: true)
        XCTAssertThrowsError(try render("{{pkgPathFor \"core/zzz\"}}", helpers)) { error in
            XCTAssertTrue("\(error)".contains("core/zzz") && "\(error)".contains("/tmp/root/pkgs"), "\(error)")
        }
        XCTAssertEqual(try render("{{pkgPathFor \"core/zzz\"}}", HabitatHelpers(pkgsRoot: "/tmp/root/pkgs")), "")
    }

    func testInterpreterPathIsTheNewestBusyboxStaticsOwnEntries() throws {
        let pkgs = dir.appendingPathComponent("pkgs").path
        for release in ["20200101000000", "20240101000000"] {
            let prefix = "core/busybox-static/1.36.1/\(release)"
            // Entries outside the package's prefix are dropped, a /hab/pkgs
            // entry is moved under the packages root (Habitat roots it).
            try put("/hab/pkgs/\(prefix)/bin:\(pkgs)/\(prefix)/sbin:/usr/bin\n", "pkgs/\(prefix)/PATH")
            try put("\(prefix)\n", "pkgs/\(prefix)/IDENT")
        }
        XCTAssertEqual(InterpreterPackage.pathEntries(pkgsRoot: pkgs),
                       ["\(pkgs)/core/busybox-static/1.36.1/20240101000000/bin",
                        "\(pkgs)/core/busybox-static/1.36.1/20240101000000/sbin"])
        XCTAssertEqual(InterpreterPackage.pathEntries(pkgsRoot: pkgs, identText: "core/bash"), [], "HAB_INTERPRETER_IDENT names another package")
        XCTAssertEqual(InterpreterPackage.pathEntries(pkgsRoot: dir.appendingPathComponent("none").path), [])
    }

    func testServicePATHPutsTheInterpreterBetweenThePackageAndRoost() throws {
        var package = ServicePackage(ident: PackageIdent(origin: "core", name: "redis", version: "4.0.14", release: "1"),
                                     layout: .installed, directory: "/p", installPath: "/p")
        package.runtimePath = ["/p/bin"]
        var context = RenderContext(package: package, layout: ServiceLayout(svcRoot: "/svc", packageName: "redis"),
                                    config: try LayeredConfig.load(.init(defaultTOML: nil, userTOML: [], environment: [:], packageName: "redis")),
                                    sys: SystemInfo.discover(ip: "127.0.0.1", hostname: "h", service: "redis", version: "0").0,
                                    inheritedPATH: "/usr/bin:/bin")
        context.interpreterPath = ["/i/bin"]
        XCTAssertEqual(context.servicePATH, "/p/bin:/i/bin:/usr/bin:/bin")
        XCTAssertEqual(context.packageEnvironment["PATH"], .string("/p/bin:/i/bin:/usr/bin:/bin"), "pkg.env.PATH is the same")

        // Each entry once, where it first appears; empty entries dropped;
        // prefixes of another entry are other entries; bytes kept as they are.
        context.package.runtimePath = ["/p/bin", "/p/sbin", "/p/bin"]
        context.interpreterPath = ["/usr/bin", ""]
        context.inheritedPATH = "::/usr/bin:/usr/bin/x:/usr/b:/p/sbin:/opt/ünï cödé/bin:/bin:"
        XCTAssertEqual(context.servicePATH, "/p/bin:/p/sbin:/usr/bin:/usr/bin/x:/usr/b:/opt/ünï cödé/bin:/bin")
        context.package.runtimePath = []
        context.interpreterPath = []
        context.inheritedPATH = ""
        XCTAssertEqual(context.servicePATH, "")
    }
}
