import Foundation
import XCTest
@testable import Habitat
import Handlebars

/// Where a package's dependencies are found: `pkgPathFor` under the packages
/// root.
final class PackagePathTests: XCTestCase {
    let deps: Value = ["pkg": ["deps": [
        ["origin": "core", "name": "glibc", "version": "2.36", "release": "20240101000000"],
        ["origin": "core", "name": "bash", "version": "5.1", "release": "20240102000000"],
    ]]]

    func render(_ source: String, _ helpers: HabitatHelpers) throws -> String {
        try HabitatHelpers.makeRenderer(helpers).render(try Template(source: source, name: "hooks/run"), deps)
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
}
