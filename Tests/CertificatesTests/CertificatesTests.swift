import Foundation
import XCTest
@testable import Certificates

final class CertificatesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("roost-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func options(days: Int = 365, renew: Int = 30, key: CertificateRequest.KeyType = .ecdsaP256) throws -> CertificateEnsurer.Options {
        CertificateEnsurer.Options(
            certPath: dir.appendingPathComponent("cert.pem").path, keyPath: dir.appendingPathComponent("key.pem").path,
            request: CertificateRequest(subject: try Subject(parsing: "/C=US/O=Test/CN=svc"),
                                        alternativeNames: [.dns("svc"), CertificateRequest.AlternativeName(parsing: "IP:10.0.0.5")!],
                                        days: days, keyType: key),
            renewBeforeDays: renew)
    }

    func fingerprint(_ outcome: CertificateEnsurer.Outcome) -> String {
        switch outcome {
        case .created(let s, _), .reused(let s): return s.fingerprint
        }
    }

    func testSubjectParsing() throws {
        let s = try Subject(parsing: "/C=US/ST=Oregon/L=Portland/O=Example, Inc./OU=Ops/CN=a\\/b")
        XCTAssertEqual(s.attributes.map(\.key), ["C", "ST", "L", "O", "OU", "CN"])
        XCTAssertEqual(s.commonName, "a/b")
        XCTAssertThrowsError(try Subject(parsing: "CN=x"))
        XCTAssertThrowsError(try Subject(parsing: "/CN"))
        XCTAssertThrowsError(try Subject(parsing: "/XX=1"))
        XCTAssertThrowsError(try Subject(parsing: "/C=USA"))
    }

    func testAlternativeNames() {
        XCTAssertEqual(CertificateRequest.AlternativeName(parsing: "DNS:example.com"), .dns("example.com"))
        // Not ASCII (the certificate library failed with an ASN.1 error, exit 70): no name.
        XCTAssertNil(CertificateRequest.AlternativeName(parsing: "DNS:héllo.example"))
        XCTAssertNil(CertificateRequest.AlternativeName(parsing: "DNS:tab\there"))
        XCTAssertEqual(CertificateRequest.AlternativeName(parsing: "DNS:xn--hllo-bpa.example"), .dns("xn--hllo-bpa.example"))
        XCTAssertEqual(CertificateRequest.AlternativeName(parsing: "127.0.0.1"), .ip([127, 0, 0, 1], text: "127.0.0.1"))
        XCTAssertEqual(CertificateRequest.AlternativeName(parsing: "IP:::1")?.description, "IP:::1")
        XCTAssertNil(CertificateRequest.AlternativeName(parsing: "IP:not-an-address"))
    }

    func testCreatesOnceThenReuses() throws {
        let first = try CertificateEnsurer.ensure(try options())
        guard case .created = first else { return XCTFail("expected created") }
        let keyMode = try FileManager.default.attributesOfItem(atPath: try options().keyPath)[.posixPermissions] as? Int
        XCTAssertEqual(keyMode, 0o600)
        let second = try CertificateEnsurer.ensure(try options())
        guard case .reused = second else { return XCTFail("expected reused") }
        XCTAssertEqual(fingerprint(first), fingerprint(second))
    }

    func testExpiringPairIsReplaced() throws {
        let first = try CertificateEnsurer.ensure(try options(days: 10, renew: 0))
        let again = try CertificateEnsurer.ensure(try options(days: 365, renew: 30))
        guard case .created(_, let reason) = again else { return XCTFail("expected a new pair") }
        XCTAssertTrue(reason.contains("expires within"), reason)
        XCTAssertNotEqual(fingerprint(first), fingerprint(again))
    }

    func testMismatchedKeyIsReplaced() throws {
        _ = try CertificateEnsurer.ensure(try options())
        let other = P256Key.pem()
        try other.write(toFile: try options().keyPath, atomically: true, encoding: .utf8)
        guard case .created(_, let reason) = try CertificateEnsurer.ensure(try options()) else { return XCTFail("expected a new pair") }
        XCTAssertTrue(reason.contains("does not match"), reason)
    }

    func testKeyWithoutCertificateKeepsTheKey() throws {
        _ = try CertificateEnsurer.ensure(try options())
        let key = try String(contentsOfFile: try options().keyPath, encoding: .utf8)
        try FileManager.default.removeItem(atPath: try options().certPath)
        guard case .created(_, let reason) = try CertificateEnsurer.ensure(try options()) else { return XCTFail("expected created") }
        XCTAssertTrue(reason.contains("no certificate"), reason)
        XCTAssertEqual(try String(contentsOfFile: try options().keyPath, encoding: .utf8), key)
    }

    func testGarbageIsNeverOverwritten() throws {
        try "not a key".write(toFile: try options().keyPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CertificateEnsurer.ensure(try options())) { error in
            XCTAssertEqual((error as! CertificateEnsurer.Failure).exitCode, 65)
        }
        XCTAssertEqual(try String(contentsOfFile: try options().keyPath, encoding: .utf8), "not a key")
    }

    func testUnwritableDirectoryIsAClearError() throws {
        var o = try options()
        o.certPath = "/proc/roost-no-such-dir/cert.pem"
        o.keyPath = "/proc/roost-no-such-dir/key.pem"
        XCTAssertThrowsError(try CertificateEnsurer.ensure(o)) { error in
            let failure = error as! CertificateEnsurer.Failure
            XCTAssertEqual(failure.exitCode, 73)
            XCTAssertTrue(failure.description.contains("/proc/roost-no-such-dir"), failure.description)
        }
    }

    func testRSAKeys() throws {
        guard case .created(let s, _) = try CertificateEnsurer.ensure(try options(key: .rsa(bits: 2048))) else { return XCTFail() }
        XCTAssertEqual(s.alternativeNames, ["DNS:svc", "IP:10.0.0.5"])
        XCTAssertTrue(try String(contentsOfFile: try options().keyPath, encoding: .utf8).contains("PRIVATE KEY"))
    }
}

import Crypto
enum P256Key {
    static func pem() -> String { P256.Signing.PrivateKey().pemRepresentation }
}
