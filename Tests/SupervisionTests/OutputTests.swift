import XCTest
@testable import Supervision
#if canImport(Glibc)
import Glibc
#endif

final class OutputTests: XCTestCase {
    func testLinesArePrefixedForwardedCapturedAndLogged() throws {
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]) }
        let options = OutputOptions(
            stdoutPrefix: "svc(O): ", stderrPrefix: "svc(E): ",
            forwardStdout: ends[1], forwardStderr: ends[1],
            keepLastLines: 3,
            stdoutLogPath: dir + "/hook.stdout.log", stderrLogPath: dir + "/hook.stderr.log")
        let result = try runToEnd(loop, shell(
            "echo one; echo two >&2; printf 'three\\nfour'; echo five >&2", output: .pipe(options)))
        close(ends[1])
        XCTAssertEqual(result.status, .exited(0))

        var forwarded: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = read(ends[0], &buffer, buffer.count), count > 0 { forwarded += buffer[0..<count] }
        let lines = String(decoding: forwarded, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(lines), ["svc(O): one", "svc(E): two", "svc(O): three", "svc(O): four", "svc(E): five"])
        // Order within one stream is preserved.
        XCTAssertEqual(lines.filter { $0.hasPrefix("svc(O)") }, ["svc(O): one", "svc(O): three", "svc(O): four"])

        // Only the last 3 lines are kept; a final line without newline counts.
        XCTAssertEqual(result.output.count, 3)
        XCTAssertTrue(result.output.contains(OutputLine(.stdout, "four")), "\(result.output)")
        XCTAssertEqual(try String(contentsOfFile: dir + "/hook.stdout.log", encoding: .utf8), "one\nthree\nfour\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/hook.stderr.log", encoding: .utf8), "two\nfive\n")
    }

    func testLogFilesAreTruncatedPerRun() throws {
        let loop = try makeLoop()
        let dir = try temporaryDirectory()
        let options = OutputOptions(forwardStdout: nil, forwardStderr: nil, stdoutLogPath: dir + "/out.log")
        _ = try runToEnd(loop, shell("echo first run with a long line", output: .pipe(options)))
        _ = try runToEnd(loop, shell("echo second", output: .pipe(options)))
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.log", encoding: .utf8), "second\n")
    }

    func testUnwritableLogFileIsASpawnError() throws {
        let loop = try makeLoop()
        let options = OutputOptions(stdoutLogPath: "/nonexistent-dir/init.stdout.log")
        XCTAssertThrowsError(try loop.spawn(shell("true", output: .pipe(options))) { _ in }) { error in
            XCTAssertEqual((error as? SpawnError)?.stage, .setup)
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/init.stdout.log"), "\(error)")
        }
    }

    func testLargeOutputAndLongLinesAreNotLost() throws {
        let loop = try makeLoop()
        // 200k lines (well beyond a pipe buffer) and one 40k-character line.
        let result = try runToEnd(loop, shell(
            "seq 1 200000; head -c 40000 /dev/zero | tr '\\0' x; echo; echo end",
            output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: nil, keepLastLines: 5))))
        XCTAssertEqual(result.status, .exited(0))
        let texts = result.output.map(\.text)
        let piece = OutputReader.maxLineLength
        XCTAssertEqual(texts, ["200000", String(repeating: "x", count: piece), String(repeating: "x", count: piece),
                               String(repeating: "x", count: 40000 - 2 * piece), "end"])
    }

    func testLineTailKeepsTheLastLinesInOrder() {
        let tail = LineTail(capacity: 3)
        for index in 1...7 { tail.append(OutputLine(.stdout, "\(index)")) }
        XCTAssertEqual(tail.lines.map(\.text), ["5", "6", "7"])
        let none = LineTail(capacity: 0)
        none.append(OutputLine(.stderr, "x"))
        XCTAssertTrue(none.lines.isEmpty)
    }
}
