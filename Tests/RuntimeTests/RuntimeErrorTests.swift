import Foundation
import Habitat
import Runtime
import XCTest

/// Runtime's own failures as `RuntimeError`, Habitat's input errors wrapped
/// unchanged: one line naming the path, the README's exit codes.
final class RuntimeErrorTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("error")
    }

    func testADirectoryThatCannotBeMadeIsAWriteFailure() throws {
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RenderedOutput.makeDirectories(dir + "/file/sub", mode: 0o755)) { error in
            let e = error as! RuntimeError
            XCTAssertEqual(e.exitCode, 73)
            XCTAssertEqual(e.description, "\(dir!)/file/sub: cannot create directory: Not a directory")
        }
    }

    func testAWriteFailureNamesTheFile() {
        XCTAssertThrowsError(try AtomicWrite.write([1], to: dir + "/missing/x", mode: 0o600)) { error in
            let e = error as! RuntimeError
            XCTAssertEqual(e.exitCode, 73)
            XCTAssertTrue(e.description.hasPrefix("\(dir!)/missing/x: "), e.description)
            XCTAssertFalse(e.description.contains("\n"))
        }
    }

    func testAStateFolderTakenOverIsAConfigurationError() throws {
        let layout = ServiceLayout(svcRoot: dir, packageName: "demo")
        try FileManager.default.createDirectory(atPath: layout.path, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: layout.statePath, withDestinationPath: "/tmp")
        XCTAssertThrowsError(try ServiceDirectories.createState(layout)) { error in
            let e = error as! RuntimeError
            XCTAssertEqual(e.exitCode, 78)
            XCTAssertTrue(e.description.hasPrefix("\(layout.statePath): roost's state folder must be a directory"), e.description)
        }
    }

    func testAHabitatInputErrorKeepsItsMessageAndCode() {
        var settings = ServiceSettings()
        settings.packageArgument = dir + "/no-such-package"
        settings.svcRoot = dir + "/svc"
        var override = RenderRun(settings: settings, bindOptions: [], bindsFile: nil, check: true, contextOverride: dir + "/none.json")
        XCTAssertThrowsError(try override.run(output: { _ in }, notes: { _ in })) { error in
            guard case .input(let cause) = error as! RuntimeError else { return XCTFail("\(error)") }
            XCTAssertEqual(cause.exitCode, 66)
            XCTAssertEqual((error as! RuntimeError).exitCode, 66)
            XCTAssertEqual("\(error)", "\(dir!)/none.json: cannot read the context override")
        }
        override.contextOverride = nil
        XCTAssertThrowsError(try override.run(output: { _ in }, notes: { _ in })) { error in
            guard case .input(let cause) = error as! RuntimeError else { return XCTFail("\(error)") }
            XCTAssertEqual((error as! RuntimeError).exitCode, cause.exitCode)
            XCTAssertEqual("\(error)", cause.description)
        }
    }
}
