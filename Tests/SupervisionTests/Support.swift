import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

/// Generous: the machine is a loaded 2-core box. Timing belongs in benchmarks.
let patience: Duration = .seconds(60)

/// A loop for one test. Signal blocking is idempotent, so every test can make
/// its own; each loop has its own signalfd (closed when it goes away).
func makeLoop() throws -> EventLoop {
    try Reaper.becomeSubreaper()
    let loop = try EventLoop()
    loop.reapInterval = .milliseconds(200)
    return loop
}

func shell(_ script: String, output: ProcessSpec.Output = .pipe(OutputOptions(forwardStdout: nil, forwardStderr: nil, keepLastLines: 100)),
           environment: [String: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin"]) -> ProcessSpec {
    ProcessSpec(executable: "/bin/sh", arguments: ["-c", script], environment: environment, output: output)
}

/// Spawns `spec` and runs the loop until it was reaped.
func runToEnd(_ loop: EventLoop, _ spec: ProcessSpec, timeout: Duration? = nil,
              file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
    var result: ProcessResult?
    try loop.spawn(spec, timeout: timeout) { result = $0 }
    loop.run(until: { result != nil }, timeout: patience)
    guard let result else {
        XCTFail("child did not finish within \(patience)", file: file, line: line)
        throw CancellationError()
    }
    return result
}

func stdoutLines(_ result: ProcessResult) -> [String] {
    result.output.filter { $0.stream == .stdout }.map(\.text)
}

/// State letter and parent pid from /proc/<pid>/stat, nil when gone.
func procState(_ pid: pid_t) -> (state: Character, ppid: pid_t)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(close, offsetBy: 2)...].split(separator: " ")
    guard fields.count > 1, let state = fields[0].first, let ppid = pid_t(fields[1]) else { return nil }
    return (state, ppid)
}

/// True when `pid` no longer exists or is a zombie that is not ours to reap.
func isGone(_ pid: pid_t) -> Bool {
    guard let info = procState(pid) else { return true }
    return info.state == "Z" && info.ppid != getpid()
}

/// Zombie processes whose parent is this test process.
func ourZombies() -> [pid_t] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap(pid_t.init).filter { pid in
        guard let info = procState(pid) else { return false }
        return info.state == "Z" && info.ppid == getpid()
    }
}

/// Runs loop turns until `condition` holds or `patience` runs out.
func eventually(_ loop: EventLoop, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                _ condition: () -> Bool) {
    if !loop.run(until: condition, timeout: patience) {
        XCTFail("timed out waiting until \(what)", file: file, line: line)
    }
}
