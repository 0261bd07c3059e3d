import XCTest
@testable import Supervision

final class SupervisionSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertNotNil(Supervision.self as Any.Type?) }
}
