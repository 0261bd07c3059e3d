import XCTest
@testable import Certificates

final class CertificatesSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertNotNil(Certificates.self as Any.Type?) }
}
