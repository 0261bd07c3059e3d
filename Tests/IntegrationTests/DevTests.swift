import Foundation
import XCTest

/// `roost dev` on a copy of a package: live re-render, reconfigure or
/// restart, errors that leave the service running, Ctrl-C, and what a person
/// sees in a terminal.
final class DevTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    /// roost dev in the background, output to a file (not a terminal: plain prefixes).
    final class Dev {
        let process = Process()
        let log: URL
        init(_ test: XCTestCase, package: URL, root: URL, extra: [String] = []) throws {
            log = root.appendingPathComponent("dev.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.executableURL = URL(fileURLWithPath: roostBinary())
            process.arguments = ["dev", package.path, "--root", root.appendingPathComponent(".roost").path, "--health-interval", "600"] + extra
            process.currentDirectoryURL = root
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            test.addTeardownBlock { [process] in
                if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            }
        }
        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        func waitFor(_ text: String, after: String.Index? = nil, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let out = output
                if let after, after <= out.endIndex, out[after...].contains(text) { return }
                if after == nil, out.contains(text) { return }
                usleep(50_000)
            }
            XCTFail("no '\(text)' within \(Int(timeout)) s:\n\(output)", file: file, line: line)
        }
        var mark: String.Index { output.endIndex }
    }

    func makePackage(withReconfigure: Bool) throws -> TestPackage {
        var hooks = ["run": "#!/bin/sh\necho \"started with $(cat {{pkg.svc_config_path}}/app.conf)\"\nexec sleep 300\n"]
        if withReconfigure { hooks["reconfigure"] = "#!/bin/sh\necho \"reconfigured to $(cat {{pkg.svc_config_path}}/app.conf)\"\n" }
        return try TestPackage(in: dir, defaultTOML: "greeting = \"hello\"\n", config: ["app.conf": "greeting={{cfg.greeting}}\n"], hooks: hooks)
    }

    func children(of pid: pid_t) -> [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0) }
    }

    func testEditsReconfigureBreakageKeepsServiceAndCtrlCStopsAll() throws {
        let pkg = try makePackage(withReconfigure: true)
        let dev = try Dev(self, package: pkg.dir, root: dir)
        dev.waitFor("started with greeting=hello")
        XCTAssertTrue(dev.output.contains("demo(O): started with greeting=hello"), "service lines are prefixed:\n\(dev.output)")
        let servicePID = children(of: dev.process.processIdentifier)

        // Edit default.toml: re-render, a diff, the reconfigure hook, no restart.
        var mark = dev.mark
        try write("greeting = \"bonjour\"\n", to: pkg.dir.appendingPathComponent("default.toml"))
        dev.waitFor("reconfigured to greeting=bonjour", after: mark)
        XCTAssertTrue(dev.output[mark...].contains("-greeting=hello"), dev.output)
        XCTAssertTrue(dev.output[mark...].contains("+greeting=bonjour"), dev.output)
        XCTAssertEqual(children(of: dev.process.processIdentifier), servicePID, "same service process")

        // Break the template: the error names file, line and column; the service keeps running.
        mark = dev.mark
        try write("greeting={{cfg.greeting\n", to: pkg.dir.appendingPathComponent("config/app.conf"))
        dev.waitFor("keeps running with its previous configuration", after: mark)
        XCTAssertTrue(dev.output[mark...].contains("config/app.conf:1:"), dev.output)
        XCTAssertTrue(dev.output[mark...].contains("^"), dev.output)
        XCTAssertEqual(children(of: dev.process.processIdentifier), servicePID)

        // Fix it: recovers.
        mark = dev.mark
        try write("greeting={{cfg.greeting}}!\n", to: pkg.dir.appendingPathComponent("config/app.conf"))
        dev.waitFor("reconfigured to greeting=bonjour!", after: mark)

        // Ctrl-C: the service stops with its shutdown signal, nothing is left.
        let before = children(of: dev.process.processIdentifier)
        XCTAssertFalse(before.isEmpty)
        kill(dev.process.processIdentifier, SIGINT)
        dev.process.waitUntilExit()
        XCTAssertEqual(dev.process.terminationStatus, 143, dev.output)
        for pid in before { XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "child \(pid) left behind") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".roost/svc/demo/config/app.conf").path))
    }

    func testTemplateChangeWithoutReconfigureHookRestarts() throws {
        let pkg = try makePackage(withReconfigure: false)
        let dev = try Dev(self, package: pkg.dir, root: dir)
        dev.waitFor("started with greeting=hello")
        let mark = dev.mark
        try write("greeting={{cfg.greeting}} world\n", to: pkg.dir.appendingPathComponent("config/app.conf"))
        dev.waitFor("started with greeting=hello world", after: mark)
        XCTAssertTrue(dev.output[mark...].contains("restarting: config changed"), dev.output)
        kill(dev.process.processIdentifier, SIGINT)
        dev.process.waitUntilExit()
    }

    func testTerminalShowsPrefixedColoredLines() throws {
        // `script` runs roost dev on a pseudo-terminal and records what a person would see.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script (util-linux) is not installed") }
        let pkg = try makePackage(withReconfigure: true)
        let typescript = dir.appendingPathComponent("typescript")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-q", "-f", "-e", "-c", "\(roostBinary()) dev \(pkg.dir.path) --root \(dir.path)/.roost --health-interval 600", typescript.path]
        p.currentDirectoryURL = dir
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        addTeardownBlock { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        var screen = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            screen = (try? String(contentsOf: typescript, encoding: .utf8)) ?? ""
            if screen.contains("started with greeting=hello") { break }
            usleep(100_000)
        }
        XCTAssertTrue(screen.contains("\u{1B}[32mdemo(O):\u{1B}[0m started with greeting=hello"), "service lines are green and prefixed:\n\(screen)")
        XCTAssertTrue(screen.contains("roost ▸"), "roost's own lines are marked:\n\(screen)")
        XCTAssertTrue(screen.contains("\u{1B}[34mdemo hook[") || !screen.contains("hook["), screen)
        // Ctrl-C in a terminal sends SIGINT to the foreground process: roost.
        let roost = children(of: p.processIdentifier).first
        XCTAssertNotNil(roost)
        if let roost { kill(roost, SIGINT) }
        let end = Date().addingTimeInterval(20)
        while p.isRunning && Date() < end { usleep(50_000) }
        screen = (try? String(contentsOf: typescript, encoding: .utf8)) ?? ""
        XCTAssertTrue(screen.contains("gracefully terminated"), screen)
    }
}
