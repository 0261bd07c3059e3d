import Foundation
import XCTest

/// `roost cert ensure` checked with real openssl: contents, verification, key
/// match, a TLS handshake, concurrency on one directory, crash safety.
final class CertEnsureTests: XCTestCase {
    var dir: URL!
    var cert: String { dir.appendingPathComponent("cert.pem").path }
    var key: String { dir.appendingPathComponent("key.pem").path }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw XCTSkip("openssl is not installed") }
        dir = try temporaryDirectory(self)
    }

    func ensure(_ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try shell([roostBinary(), "cert", "ensure", "--cert", cert, "--key", key] + extra)
    }

    func sha256() throws -> String {
        try shell(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]).stdout
    }

    func testOpensslSeesWhatWasAskedFor() throws {
        let r = try ensure(["--subject", "/C=US/ST=Oregon/O=Example/OU=Ops/CN=front.example", "--san", "DNS:front.example",
                            "--san", "IP:10.1.2.3", "--days", "30"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("created"), r.stdout)
        let text = try shell(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
        for expected in ["C = US, ST = Oregon, O = Example, OU = Ops, CN = front.example", "DNS:front.example",
                         "IP Address:10.1.2.3", "CA:TRUE", "TLS Web Server Authentication", "Not After"] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        XCTAssertEqual(try shell(["openssl", "x509", "-in", cert, "-noout", "-checkend", String(29 * 86400)]).status, 0)
        XCTAssertNotEqual(try shell(["openssl", "x509", "-in", cert, "-noout", "-checkend", String(31 * 86400)]).status, 0)
        XCTAssertEqual(try shell(["openssl", "verify", "-CAfile", cert, cert]).status, 0)
        let fromKey = try shell(["openssl", "pkey", "-in", key, "-pubout"]).stdout
        let fromCert = try shell(["openssl", "x509", "-in", cert, "-pubkey", "-noout"]).stdout
        XCTAssertEqual(fromKey, fromCert)
        XCTAssertFalse(r.stdout.contains("PRIVATE"), "no key material is printed")
    }

    func testTLSHandshakeWithOpensslServerAndClient() throws {
        XCTAssertEqual(try ensure(["--subject", "/CN=localhost", "--san", "DNS:localhost", "--key-type", "ec"]).status, 0)
        let port = freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-naccept", "1", "-quiet"]
        server.standardInput = Pipe()
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        addTeardownBlock { if server.isRunning { server.terminate() } }
        var verified = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !verified {
            usleep(200_000)
            let c = try shell(["sh", "-c", "echo | openssl s_client -connect 127.0.0.1:\(port) -servername localhost -CAfile \(cert) -verify_return_error -brief 2>&1"], timeout: 10)
            verified = c.status == 0 && c.stdout.contains("Verification: OK")
        }
        XCTAssertTrue(verified, "s_client did not verify the handshake")
    }

    func testReuseExpiryAndMismatch() throws {
        XCTAssertEqual(try ensure().status, 0)
        let first = try sha256()
        let again = try ensure()
        XCTAssertTrue(again.stdout.hasPrefix("reused"), again.stdout)
        XCTAssertEqual(try sha256(), first)
        // Expiring soon: a 1-day certificate is replaced when 30 days are wanted.
        XCTAssertEqual(try ensure(["--days", "1", "--renew-before", "0"]).status, 0)  // reused: still valid
        try FileManager.default.removeItem(atPath: cert)
        XCTAssertEqual(try ensure(["--days", "1", "--renew-before", "0"]).status, 0)
        let short = try sha256()
        let renewed = try ensure(["--renew-before", "30"])
        XCTAssertTrue(renewed.stdout.contains("expires within 30 days"), renewed.stdout)
        XCTAssertNotEqual(try sha256(), short)
        // Mismatched: another key in place of ours.
        XCTAssertEqual(try shell(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]).status, 0)
        let fixed = try ensure()
        XCTAssertTrue(fixed.stdout.contains("does not match"), fixed.stdout)
        XCTAssertEqual(try shell(["openssl", "pkey", "-in", key, "-pubout"]).stdout,
                       try shell(["openssl", "x509", "-in", cert, "-pubkey", "-noout"]).stdout)
    }

    func testBadInputIsOneClearErrorAndChangesNothing() throws {
        let badSubject = try ensure(["--subject", "CN=x"])
        XCTAssertEqual(badSubject.status, 64, "an argument error is 64 (README)")
        XCTAssertTrue(badSubject.stderr.contains("must start with '/'"), badSubject.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cert))
        try "garbage".write(toFile: key, atomically: true, encoding: .utf8)
        let garbage = try ensure()
        XCTAssertEqual(garbage.status, 65)
        XCTAssertTrue(garbage.stderr.contains("not a PEM private key"), garbage.stderr)
        XCTAssertEqual(try String(contentsOfFile: key, encoding: .utf8), "garbage")
        let unwritable = try shell([roostBinary(), "cert", "ensure", "--cert", "/proc/nope/c.pem", "--key", "/proc/nope/k.pem"])
        XCTAssertEqual(unwritable.status, 73, unwritable.stderr)
        let badOwner = try ensure(["--owner", ":grp"])
        XCTAssertEqual(badOwner.status, 64, badOwner.stderr)
        XCTAssertTrue(badOwner.stderr.contains("must be USER or USER:GROUP"), badOwner.stderr)
    }

    func testDefaultNamesLocalitySerialAndKeyUsage() throws {
        // No --san: this host's name, localhost, its address and 127.0.0.1.
        XCTAssertEqual(try ensure(["--subject", "/C=US/L=Portland/CN=front"]).status, 0)
        let text = try shell(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
        let hostname = try shell(["hostname"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for expected in ["L = Portland", "DNS:\(hostname)", "DNS:localhost", "IP Address:127.0.0.1",
                         "Digital Signature", "TLS Web Server Authentication"] {
            XCTAssertTrue(text.contains(expected), "\(expected) missing:\n\(text)")
        }
        let serial1 = try shell(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout
        // The same name twice is listed once; a new pair gets a new random serial.
        try FileManager.default.removeItem(atPath: cert)
        try FileManager.default.removeItem(atPath: key)
        XCTAssertEqual(try ensure(["--san", "DNS:front", "--san", "DNS:front", "--san", "IP:10.0.0.5"]).status, 0)
        let names = try shell(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"]).stdout
        XCTAssertEqual(names.components(separatedBy: "DNS:front").count - 1, 1, names)
        XCTAssertTrue(names.contains("IP Address:10.0.0.5"), names)
        let serial2 = try shell(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout
        XCTAssertNotEqual(serial1, serial2)
        XCTAssertTrue(serial2.hasPrefix("serial="), serial2)
    }

    func testOwnerIsSetOnBothFiles() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give files away") }
        let r = try ensure(["--owner", "nobody:nogroup"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for path in [cert, key] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            XCTAssertEqual(attributes[.ownerAccountID] as? Int, 65534, path)
            XCTAssertEqual(attributes[.groupOwnerAccountID] as? Int, 65534, path)
        }
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: key))[.posixPermissions] as? Int, 0o600)
        let unknown = try ensure(["--owner", "no-such-user-roost"])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no-such-user-roost"), unknown.stderr)
    }

    func testAKeyThatCannotBeReadIsNeverReplaced() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to run roost as another user") }
        // A pair made by root (key 0600), then roost run as nobody in the same
        // directory: it cannot read the key, and must say so, not make a new one.
        XCTAssertEqual(try ensure().status, 0)
        let before = try String(contentsOfFile: key, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
        try FileManager.default.removeItem(at: dir.appendingPathComponent(".roost-cert.lock"))
        let r = try shell(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           roostBinary(), "cert", "ensure", "--cert", cert, "--key", key])
        XCTAssertEqual(r.status, 65, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("\(key): cannot be read (Permission denied)"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: key, encoding: .utf8), before, "the key was replaced")
    }

    func testEightConcurrentRunsLeaveOnePair() throws {
        let processes = try (0..<8).map { _ -> (Process, Pipe) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: roostBinary())
            p.arguments = ["cert", "ensure", "--cert", cert, "--key", key, "--key-type", "rsa", "--rsa-bits", "3072"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            return (p, out)
        }
        var fingerprints = Set<String>()
        var created = 0
        for (p, out) in processes {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, text)
            if text.hasPrefix("created") { created += 1 }
            if let r = text.range(of: "SHA-256 ") { fingerprints.insert(String(text[r.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        XCTAssertEqual(created, 1, "exactly one run creates the pair")
        XCTAssertEqual(fingerprints.count, 1, "all eight report the same certificate")
        XCTAssertEqual(try shell(["openssl", "verify", "-CAfile", cert, cert]).status, 0)
    }

    func testKilledDuringCreationLeavesNoPairOrAWholeOne() throws {
        for round in 0..<12 {
            try? FileManager.default.removeItem(atPath: cert)
            try? FileManager.default.removeItem(atPath: key)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: roostBinary())
            p.arguments = ["cert", "ensure", "--cert", cert, "--key", key, "--rsa-bits", "4096"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(20_000 + round * 40_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let hasKey = FileManager.default.fileExists(atPath: key), hasCert = FileManager.default.fileExists(atPath: cert)
            if hasCert {
                XCTAssertTrue(hasKey, "a certificate never exists without its key")
                XCTAssertEqual(try shell(["openssl", "pkey", "-in", key, "-pubout"]).stdout,
                               try shell(["openssl", "x509", "-in", cert, "-pubkey", "-noout"]).stdout)
            }
            if hasKey { XCTAssertEqual(try shell(["openssl", "pkey", "-in", key, "-noout"]).status, 0, "the key is whole") }
            // The next run always ends with a good pair.
            XCTAssertEqual(try ensure().status, 0)
            XCTAssertEqual(try shell(["openssl", "verify", "-CAfile", cert, cert]).status, 0)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".roost-") && !$0.hasSuffix(".lock") }
        XCTAssertEqual(leftovers, [])
    }

    // MARK: issue 12's smaller ones

    func testSameFileForCertAndKeyAndAbsurdDaysAreArgumentErrors() throws {
        let same = try shell([roostBinary(), "cert", "ensure", "--cert", cert, "--key", dir.appendingPathComponent("./cert.pem").path])
        XCTAssertEqual(same.status, 64, same.stderr)
        XCTAssertTrue(same.stderr.contains("name the same file"), same.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cert), "nothing written")
        let days = try ensure(["--days", "100000000"])
        XCTAssertEqual(days.status, 64, days.stderr)
        XCTAssertTrue(days.stderr.contains("between 1 and 36500"), days.stderr)
    }

    func testKeyReadableByOthersIsTightenedWithAWarning() throws {
        XCTAssertEqual(try ensure().status, 0)
        XCTAssertEqual(chmod(key, 0o644), 0)
        let r = try ensure()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("reused"), r.stdout)
        XCTAssertTrue(r.stderr.contains("readable by others (mode 0644); its mode is now 0600"), r.stderr)
        let mode = (try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600)
    }

    func testCertificateWithAChainIsAccepted() throws {
        XCTAssertEqual(try ensure().status, 0)
        let before = try sha256()
        // An intermediate after the leaf, as servers want their chain file.
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        XCTAssertEqual(try shell([roostBinary(), "cert", "ensure", "--cert", other.path + "/c.pem", "--key", other.path + "/k.pem"]).status, 0)
        let chain = try String(contentsOfFile: cert, encoding: .utf8) + "\n" + String(contentsOfFile: other.path + "/c.pem", encoding: .utf8)
        try chain.write(toFile: cert, atomically: true, encoding: .utf8)
        let r = try ensure()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("reused"), r.stdout)
        XCTAssertEqual(try sha256(), before)
    }

    func testFIFOOrDeviceAtTheCertificatePathIsAnErrorNotAHang() throws {
        XCTAssertEqual(mkfifo(cert, 0o644), 0)
        let fifo = try shell([roostBinary(), "cert", "ensure", "--cert", cert, "--key", key], timeout: 30)
        XCTAssertEqual(fifo.status, 65, fifo.stderr)
        XCTAssertTrue(fifo.stderr.contains("is a FIFO"), fifo.stderr)
        try FileManager.default.removeItem(atPath: cert)
        try FileManager.default.createSymbolicLink(atPath: cert, withDestinationPath: "/dev/zero")
        let zero = try shell([roostBinary(), "cert", "ensure", "--cert", cert, "--key", key], timeout: 30)
        XCTAssertEqual(zero.status, 65, zero.stderr)
        XCTAssertTrue(zero.stderr.contains("character device"), zero.stderr)
    }
}
