import Foundation
import XCTest

/// The `--http-listen` gateway over real loopback connections, with roost as
/// PID 1: slow clients do not starve health probes, a dead gateway comes
/// back, and an address that cannot be used stops roost before the service.
final class GatewayTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("PID-namespace tests need root (unshare --pid)") }
        dir = try temporaryDirectory(self)
    }

    func start(_ package: TestPackage, _ extra: [String]) throws -> PID1 {
        try PID1(self, arguments: ["start", package.dir.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                   "--user-root", dir.appendingPathComponent("user").path] + extra, in: dir)
    }

    /// A loopback TCP connection (non-blocking connect, so a full backlog
    /// cannot hang the test) that has sent `text`.
    func connect(port: UInt16, sending text: String) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&p, 1, 5000)
        _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return fd
    }

    /// Sends a whole request and reads the whole answer (bounded wait).
    func exchange(port: UInt16, _ request: String) -> String {
        let fd = connect(port: port, sending: request)
        defer { close(fd) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 1000) >= 0 else { break }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { break }
            if n > 0 { answer += buffer[0..<n] }
        }
        return String(decoding: answer, as: UTF8.self)
    }

    func testHealthIsAnsweredWhileManySlowClientsAreConnected() throws {
        let pkg = try TestPackage(in: dir, hooks: [
            "run": "#!/bin/sh\nexec sleep 300\n",
            // 100 kB of output: the gateway shows only its end.
            "health-check": "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x\necho END-OF-CHECK\nexit 1\n",
        ])
        let port = UInt16(freePort())
        let roost = try start(pkg, ["--health-interval", "1", "--http-listen", "127.0.0.1:\(port)"])
        roost.waitFor("health: warning")
        // 100 clients that send half a request and then nothing.
        let slow = (0..<100).map { _ in connect(port: port, sending: "GET /services/demo/default/health HTTP/1.1\r\nHost: x\r\n") }
        defer { for fd in slow { close(fd) } }

        let answer = exchange(port: port, "GET /services/demo/default/health HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), answer.prefix(200) + "\n" + roost.output)
        XCTAssertTrue(answer.contains("\"status\":\"WARNING\""), String(answer.prefix(300)))
        XCTAssertTrue(answer.contains("END-OF-CHECK"), "the end of the output is kept")
        XCTAssertLessThan(answer.utf8.count, 4096 * 2 + 500, "the output is capped")

        let head = exchange(port: port, "HEAD /services/demo/default/health HTTP/1.1\r\n\r\n")
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"), head)
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"), "HEAD has no body: \(head)")
        XCTAssertTrue(head.contains("Content-Length: "), head)

        XCTAssertTrue(exchange(port: port, "garbage\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let post = exchange(port: port, "POST /services HTTP/1.1\r\n\r\n")
        XCTAssertTrue(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), post)
        XCTAssertTrue(post.contains("Allow: GET, HEAD\r\n"), post)
        let huge = exchange(port: port, "GET /services HTTP/1.1\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 1000))
        XCTAssertTrue(huge.hasPrefix("HTTP/1.1 431 "), huge)

        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testPastTheConnectionCapTheOldestIdleConnectionMakesRoom() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nexec sleep 300\n"])
        let port = UInt16(freePort())
        let roost = try start(pkg, ["--http-listen", "127.0.0.1:\(port)"])
        roost.waitFor("service started")
        // More idle connections than the gateway keeps (256): a new client
        // is still answered, and the first of them was closed for it.
        let idle = (0..<300).map { _ in connect(port: port, sending: "") }
        defer { for fd in idle { close(fd) } }
        XCTAssertTrue(exchange(port: port, "GET /services HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"), roost.output)
        var p = pollfd(fd: idle[0], events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 20_000), 1, "the oldest connection was closed")
        var byte: UInt8 = 0
        XCTAssertLessThanOrEqual(recv(idle[0], &byte, 1, Int32(MSG_DONTWAIT)), 0, "closed without an answer")

        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testGatewayThatDiesIsRestarted() throws {
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nexec sleep 300\n"])
        let port = UInt16(freePort())
        let roost = try start(pkg, ["--http-listen", "127.0.0.1:\(port)"])
        roost.waitFor("service started")
        XCTAssertTrue(exchange(port: port, "GET /services HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"), roost.output)

        let gateways = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap { pid_t($0) }.filter { pid in
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return cmdline.contains("__http-gateway\u{0}127.0.0.1:\(port)\u{0}")
        }
        XCTAssertEqual(gateways.count, 1, "one gateway process")
        for pid in gateways { kill(pid, SIGKILL) }
        roost.waitFor("restarting it in 1 s")
        // Served again on the same socket (a connection made meanwhile waits
        // in the backlog).
        XCTAssertTrue(exchange(port: port, "GET /services HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"), roost.output)

        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }

    func testAddressInUseIsAStartupError() throws {
        let marker = dir.appendingPathComponent("service-ran")
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\ntouch \(marker.path)\nexec sleep 300\n"])
        let port = UInt16(freePort())
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(taken, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(taken, 1), 0)

        let roost = try start(pkg, ["--http-listen", "127.0.0.1:\(port)"])
        XCTAssertEqual(roost.wait(timeout: 30), 78, roost.output)
        XCTAssertTrue(roost.output.contains("127.0.0.1:\(port)"), roost.output)
        XCTAssertTrue(roost.output.contains("in use"), roost.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the service must not start")
    }

    func testInvalidAddressIsAUsageError() throws {
        let marker = dir.appendingPathComponent("service-ran")
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\ntouch \(marker.path)\nexec sleep 300\n"])
        for bad in ["garbage", "localhost:9631", "127.0.0.1:99999", "::1:9631"] {
            let roost = try start(pkg, ["--http-listen", bad])
            XCTAssertEqual(roost.wait(timeout: 30), 64, bad + ": " + roost.output)
            XCTAssertTrue(roost.output.contains(bad), roost.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the service must not start")
    }

    func testIPv6Loopback() throws {
        guard FileManager.default.fileExists(atPath: "/proc/net/if_inet6") else { throw XCTSkip("no IPv6 on this machine") }
        let pkg = try TestPackage(in: dir, hooks: ["run": "#!/bin/sh\nexec sleep 300\n"])
        let port = freePort("::1")
        let roost = try start(pkg, ["--http-listen", "[::1]:\(port)"])
        roost.waitFor("service started")
        let out = try shell(["curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", "http://[::1]:\(port)/services"])
        XCTAssertEqual(out.stdout, "200", roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 15), 143, roost.output)
    }
}
