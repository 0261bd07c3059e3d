import Foundation
import XCTest

/// The repository checkout this test file belongs to.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `roost` binary under test: `$ROOST_BINARY`, else the one SwiftPM built
/// beside this test bundle.
func roostBinary() -> String {
    if let path = ProcessInfo.processInfo.environment["ROOST_BINARY"] { return path }
    for config in ["debug", "release"] {
        let candidate = repositoryRoot.appendingPathComponent(".build/\(config)/roost").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return repositoryRoot.appendingPathComponent(".build/debug/roost").path
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("roost-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

func write(_ text: String, to url: URL, executable: Bool = false) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
}

/// A package folder for tests: plan.sh, default.toml, config/ and hooks/.
struct TestPackage {
    let dir: URL
    init(in parent: URL, name: String = "demo", plan: String = "", defaultTOML: String = "",
         config: [String: String] = [:], hooks: [String: String] = [:]) throws {
        dir = parent.appendingPathComponent("pkg-\(name)")
        // Runs as nobody: a real unprivileged service user that exists everywhere.
        try write("pkg_name=\(name)\npkg_origin=test\npkg_version=1.0.0\npkg_svc_user=nobody\npkg_svc_group=nogroup\n\(plan)\n", to: dir.appendingPathComponent("plan.sh"))
        try write(defaultTOML, to: dir.appendingPathComponent("default.toml"))
        for (path, text) in config { try write(text, to: dir.appendingPathComponent("config/\(path)")) }
        for (name, text) in hooks { try write(text, to: dir.appendingPathComponent("hooks/\(name)"), executable: true) }
    }
}

/// Runs a command to completion, returning status and output.
@discardableResult
func shell(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    // Output is collected on other threads, so a command that hangs (the
    // bug a test is looking for) is killed at the deadline instead of
    // hanging the test run.
    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (index, pipe) in [out, err].enumerated() {
        DispatchQueue.global().async(group: group) {
            collected.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
        }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    _ = group.wait(timeout: .now() + 10)
    return (p.terminationStatus, String(decoding: collected.get(0), as: UTF8.self), String(decoding: collected.get(1), as: UTF8.self))
}

/// stdout and stderr of a command, filled in by two reader threads.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = [Data(), Data()]
    func set(_ index: Int, _ value: Data) { lock.lock(); data[index] = value; lock.unlock() }
    func get(_ index: Int) -> Data { lock.lock(); defer { lock.unlock() }; return data[index] }
}

/// `roost start` as PID 1 of a new PID namespace (`unshare --pid --fork
/// --mount-proc`), the way a container runs it. Output goes to files so the
/// test can read it while roost runs.
final class PID1 {
    let process = Process()
    let log: URL
    let test: XCTestCase

    init(_ test: XCTestCase, arguments: [String], environment: [String: String] = [:], in dir: URL, prelude: String? = nil) throws {
        self.test = test
        log = dir.appendingPathComponent("roost-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        if let prelude {
            // A shell runs the prelude (e.g. a bind mount), then becomes roost.
            let quoted = ([roostBinary()] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process.arguments = ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", "\(prelude) && exec \(quoted)"]
        } else {
            process.arguments = ["--pid", "--fork", "--mount-proc", roostBinary()] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = URL(fileURLWithPath: roostBinary()).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        test.addTeardownBlock { [process] in
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The host pid of roost, the namespace's PID 1 (unshare's only child).
    var roostPID: pid_t? {
        let children = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// Waits until the output contains `text`.
    func waitFor(_ text: String, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return }
            usleep(50_000)
        }
        XCTFail("no '\(text)' in roost's output within \(Int(timeout)) s:\n\(output)", file: file, line: line)
    }

    func signal(_ sig: Int32) {
        guard let pid = roostPID else { return XCTFail("roost is not running:\n\(output)") }
        kill(pid, sig)
    }

    /// Waits for roost (and so unshare) to exit; returns its status.
    func wait(timeout: TimeInterval = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }
}

/// Processes in state Z whose parent is `parent` (a host pid).
func zombies(of parent: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { pid_t($0) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && fields[0] == "Z" && pid_t(fields[1]) == parent
    }
}

/// A TCP port free on each of `addresses` right now: the kernel picks one for
/// the first (bind to port 0), and it is kept when the others can bind it
/// too. Tests running in parallel so never collide on a fixed number.
func freePort(_ addresses: String...) -> Int {
    let addresses = addresses.isEmpty ? ["127.0.0.1"] : addresses
    for _ in 0..<100 {
        guard let port = bindTCP(addresses[0], port: 0) else { continue }
        if addresses.dropFirst().allSatisfy({ bindTCP($0, port: port) != nil }), HandedOutPorts.shared.claim(port) { return port }
    }
    XCTFail("no TCP port free on all of \(addresses)")
    return 0
}

/// Binds a TCP socket on `address` (IPv4 or IPv6) and `port`, closes it, and
/// returns the port it got; nil when the bind failed.
private func bindTCP(_ address: String, port: Int) -> Int? {
    let v6 = address.contains(":")
    let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var storage = sockaddr_storage()
    var length = socklen_t(v6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    let parsed = withUnsafeMutablePointer(to: &storage) { raw -> Bool in
        if v6 {
            return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = UInt16(port).bigEndian
                return inet_pton(AF_INET6, address, &sin6.pointee.sin6_addr) == 1
            }
        }
        return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
            sin.pointee.sin_family = sa_family_t(AF_INET)
            sin.pointee.sin_port = UInt16(port).bigEndian
            return inet_pton(AF_INET, address, &sin.pointee.sin_addr) == 1
        }
    }
    guard parsed else { return nil }
    let bound = withUnsafeMutablePointer(to: &storage) { raw in
        raw.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
        }
    }
    guard bound else { return nil }
    return Int(UInt16(bigEndian: withUnsafePointer(to: &storage) { raw in
        raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
    }))
}

/// Ports `freePort` already gave to a test of this run: never twice, so two
/// listeners in one test get two ports.
final class HandedOutPorts: @unchecked Sendable {
    static let shared = HandedOutPorts()
    private let lock = NSLock()
    private var ports: Set<Int> = []
    func claim(_ port: Int) -> Bool { lock.lock(); defer { lock.unlock() }; return ports.insert(port).inserted }
}
