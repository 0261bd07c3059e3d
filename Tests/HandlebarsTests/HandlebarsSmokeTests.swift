import XCTest
@testable import Handlebars

final class HandlebarsSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertEqual(Value.integer(1), 1) }
}
