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
        return try TestPackage(in: dir, defaultTOML: "greeting = \"hello\"\napi_token = \"tok-first-secret\"\n",
                               config: ["app.conf": "greeting={{cfg.greeting}}\n", "token.conf": "token={{cfg.api_token}}\n"], hooks: hooks)
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
        try write("greeting = \"bonjour\"\napi_token = \"tok-second-secret\"\n", to: pkg.dir.appendingPathComponent("default.toml"))
        dev.waitFor("reconfigured to greeting=bonjour", after: mark)
        XCTAssertTrue(dev.output[mark...].contains("-greeting=hello"), dev.output)
        XCTAssertTrue(dev.output[mark...].contains("+greeting=bonjour"), dev.output)
        XCTAssertTrue(dev.output[mark...].contains("re-rendered: config/app.conf, config/token.conf"), dev.output)
        XCTAssertFalse(dev.output.contains("tok-"), "a secret reached the terminal:\n\(dev.output)")
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
        // roost dev on a pseudo-terminal of the test's own (no `script`, no
        // controlling terminal of the test runner needed): what a person sees.
        let pkg = try makePackage(withReconfigure: true)
        let terminal = try PseudoTerminal()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: roostBinary())
        p.arguments = ["dev", pkg.dir.path, "--root", dir.path + "/.roost", "--health-interval", "600"]
        p.currentDirectoryURL = dir
        p.standardInput = terminal.secondary
        p.standardOutput = terminal.secondary
        p.standardError = terminal.secondary
        try p.run()
        terminal.closeSecondary()
        addTeardownBlock { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }

        var screen = terminal.waitFor("started with greeting=hello", timeout: 30)
        XCTAssertTrue(screen.contains("\u{1B}[32mdemo(O):\u{1B}[0m started with greeting=hello"), "service lines are green and prefixed:\n\(screen)")
        XCTAssertTrue(screen.contains("roost ▸"), "roost's own lines are marked:\n\(screen)")
        XCTAssertFalse(screen.contains("roost: "), "no plain-text roost lines on a terminal:\n\(screen)")

        // A hook's lines are blue and name the hook.
        try write("greeting = \"bonjour\"\n", to: pkg.dir.appendingPathComponent("default.toml"))
        screen = terminal.waitFor("reconfigured to greeting=bonjour", timeout: 30)
        XCTAssertTrue(screen.contains("\u{1B}[34mdemo hook[reconfigure]:\u{1B}[0m reconfigured to greeting=bonjour"), screen)

        // Ctrl-C: SIGINT (what the terminal sends the foreground process) stops it all.
        kill(p.processIdentifier, SIGINT)
        let end = Date().addingTimeInterval(20)
        while p.isRunning && Date() < end { usleep(50_000) }
        XCTAssertFalse(p.isRunning, "roost dev did not stop on SIGINT")
        screen = terminal.waitFor("gracefully terminated", timeout: 5)
        XCTAssertTrue(screen.contains("gracefully terminated"), screen)
    }
}

/// A pseudo-terminal pair: the test reads what a terminal would show from the
/// primary side while the program under test writes to the secondary.
final class PseudoTerminal: @unchecked Sendable {
    let primary: Int32
    let secondary: FileHandle
    private let lock = NSLock()
    private var buffer = [UInt8]()
    private let reader = DispatchGroup()

    /// glibc's pseudo-terminal calls, which Swift's Glibc module does not
    /// export (they need _XOPEN_SOURCE): looked up at run time instead.
    private static func libc<T>(_ name: String, as type: T.Type) -> T? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
    }

    init() throws {
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias FDCall = @convention(c) (Int32) -> Int32
        typealias PTSName = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32
        guard let openpt = Self.libc("posix_openpt", as: OpenPT.self), let grant = Self.libc("grantpt", as: FDCall.self),
              let unlock = Self.libc("unlockpt", as: FDCall.self), let ptsname = Self.libc("ptsname_r", as: PTSName.self) else {
            throw XCTSkip("this C library has no posix_openpt")
        }
        primary = openpt(O_RDWR | O_NOCTTY)
        var name = [CChar](repeating: 0, count: 128)
        guard primary >= 0, grant(primary) == 0, unlock(primary) == 0, ptsname(primary, &name, name.count) == 0 else {
            throw XCTSkip("no pseudo-terminal available (errno \(errno))")
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fd = open(path, O_RDWR | O_NOCTTY)
        guard fd >= 0 else { throw XCTSkip("cannot open \(path) (errno \(errno))") }
        secondary = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // Drain continuously so the program never blocks on a full terminal.
        DispatchQueue.global().async(group: reader) { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(primary, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }   // EIO once every secondary descriptor is closed
                lock.lock(); buffer += chunk[0..<n]; lock.unlock()
            }
        }
    }

    /// The parent's copy of the secondary side; the child keeps its own.
    func closeSecondary() { try? secondary.close() }

    var screen: String { lock.lock(); defer { lock.unlock() }; return String(decoding: buffer, as: UTF8.self) }

    /// Everything shown so far, once it contains `text` (or after `timeout`).
    func waitFor(_ text: String, timeout: TimeInterval) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = screen
            if now.contains(text) { return now }
            usleep(50_000)
        }
        return screen
    }

    deinit {
        close(primary)
        _ = reader.wait(timeout: .now() + 2)
    }
}
