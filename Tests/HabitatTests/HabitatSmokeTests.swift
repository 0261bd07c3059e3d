import XCTest
@testable import Habitat

final class HabitatSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertNotNil(Habitat.self as Any.Type?) }
}
