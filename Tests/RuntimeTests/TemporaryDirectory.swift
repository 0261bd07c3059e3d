import Foundation
import XCTest

extension XCTestCase {
    /// A new empty folder `roost-<prefix>-<uuid>` under the temporary
    /// directory, removed when the test ends.
    func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roost-\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}
