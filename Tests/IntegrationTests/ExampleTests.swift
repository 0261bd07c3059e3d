import Foundation
import XCTest

/// The bundled example (an nginx TLS front, the repository's own plan) run
/// the way its container image runs it: `roost start` as PID 1, real nginx,
/// a certificate from `roost cert ensure`, `curl --cacert` over HTTPS.
final class ExampleTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root for PID namespaces and the hab service user") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            throw XCTSkip("nginx is not installed (scripts/test.sh installs nginx-light)")
        }
        guard (try? shell(["getent", "passwd", "hab"]))?.status == 0 else {
            throw XCTSkip("the example's service user 'hab' does not exist (scripts/test.sh creates it)")
        }
        dir = try temporaryDirectory(self)
        // The service user must be able to reach its service directory.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
    }

    func startExample(port: Int, extra: [String] = [], environment: [String: String] = [:]) throws -> PID1 {
        var env = environment
        env["HAB_TLS_FRONT"] = (env["HAB_TLS_FRONT"] ?? "") + "\nport = \(port)\n"
        return try PID1(self, arguments: ["start", repositoryRoot.path, "--svc-root", dir.appendingPathComponent("svc").path,
                                          "--user-root", dir.appendingPathComponent("user").path, "--health-interval", "1"] + extra,
                        environment: env, in: dir)
    }

    var certPath: String { dir.appendingPathComponent("svc/tls-front/data/cert.pem").path }

    func curl(_ port: Int, _ path: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try shell(["curl", "-sS", "--max-time", "5", "--cacert", certPath, "https://localhost:\(port)\(path)"])
    }

    func health() throws -> Int32 {
        try shell([roostBinary(), "health", "-q", "--svc-root", dir.appendingPathComponent("svc").path]).status
    }

    func waitForHealthy(_ roost: PID1) throws {
        roost.waitFor("health: ok", timeout: 60)
        XCTAssertEqual(try health(), 0, roost.output)
    }

    func testServesHTTPSWithItsOwnCertificateAndReusesIt() throws {
        let port = freePort()
        let first = try startExample(port: port)
        try waitForHealthy(first)
        let answer = try curl(port, "/healthz")
        XCTAssertEqual(answer.stdout, "ok\n", answer.stderr)
        let text = try shell(["openssl", "x509", "-in", certPath, "-noout", "-subject", "-ext", "subjectAltName"]).stdout
        XCTAssertTrue(text.contains("CN = localhost"), text)
        XCTAssertTrue(text.contains("IP Address:127.0.0.1"), text)
        let fingerprint = try String(contentsOfFile: certPath, encoding: .utf8)
        first.signal(SIGTERM)
        XCTAssertEqual(first.wait(timeout: 30), 0, "nginx stops gracefully on QUIT, roost exits 0:\n\(first.output)")
        XCTAssertTrue(first.output.contains("created"), first.output)

        // A second start (same data directory, as on a persistent volume) reuses the pair.
        let second = try startExample(port: port)
        try waitForHealthy(second)
        XCTAssertTrue(second.output.contains("reused"), second.output)
        XCTAssertEqual(try String(contentsOfFile: certPath, encoding: .utf8), fingerprint)
        XCTAssertEqual(try curl(port, "/healthz").stdout, "ok\n")
        second.signal(SIGTERM)
        XCTAssertEqual(second.wait(timeout: 30), 0)
    }

    /// A plain HTTP backend on a loopback address, answering `body`.
    func backend(_ address: String, _ port: Int, body: String) throws -> Process {
        let root = dir.appendingPathComponent("backend-\(port)")
        try write(body, to: root.appendingPathComponent("index.html"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "http.server", String(port), "--bind", address, "--directory", root.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        addTeardownBlock { p.terminate(); p.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? shell(["curl", "-s", "http://\(address):\(port)/"]))?.stdout == body { return p }
            usleep(100_000)
        }
        XCTFail("backend did not start")
        return p
    }

    /// A project folder with a space in its name (`roost dev` keeps its
    /// service directories under it): the example's hooks and nginx.conf
    /// quote the paths they are given.
    func testRunsUnderAFolderWithASpace() throws {
        let port = freePort()
        let svc = dir.appendingPathComponent("my svc")
        let roost = try PID1(self, arguments: ["start", repositoryRoot.path, "--svc-root", svc.path,
                                               "--user-root", dir.appendingPathComponent("my user").path, "--health-interval", "1"],
                             environment: ["HAB_TLS_FRONT": "port = \(port)\n"], in: dir)
        roost.waitFor("health: ok", timeout: 60)
        let answer = try shell(["curl", "-sS", "--max-time", "5", "--cacert", svc.appendingPathComponent("tls-front/data/cert.pem").path,
                                "https://localhost:\(port)/healthz"])
        XCTAssertEqual(answer.stdout, "ok\n", answer.stderr + roost.output)
        roost.signal(SIGTERM)
        XCTAssertEqual(roost.wait(timeout: 30), 0, roost.output)
    }

    func testProxiesToTheBindWhenPresentAndToTheFallbackWhenAbsent() throws {
        let bindPort = freePort("127.0.0.2"), fallbackPort = freePort(), port = freePort()
        _ = try backend("127.0.0.2", bindPort, body: "from the bind\n")
        _ = try backend("127.0.0.1", fallbackPort, body: "from the fallback\n")

        let bound = try startExample(port: port, extra: ["--bind", "backend=127.0.0.2:\(bindPort)"])
        try waitForHealthy(bound)
        XCTAssertEqual(try curl(port, "/").stdout, "from the bind\n", bound.output)
        bound.signal(SIGTERM)
        XCTAssertEqual(bound.wait(timeout: 30), 0)

        let fallback = try startExample(port: port, environment: ["HAB_TLS_FRONT": "backend_port = \(fallbackPort)"])
        try waitForHealthy(fallback)
        XCTAssertEqual(try curl(port, "/").stdout, "from the fallback\n", fallback.output)
        fallback.signal(SIGTERM)
        XCTAssertEqual(fallback.wait(timeout: 30), 0)
    }
}
