import XCTest
@testable import TOML

final class TOMLSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertNotNil(TOML.self as Any.Type?) }
}
