import Foundation
import XCTest

/// `../shared` beside the checkout, where the reference corpora live. Tests
/// that need it skip with a clear message when it is absent.
enum SharedFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var shared: URL { repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    static func require(_ relative: String) throws -> URL {
        let url = shared.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("../shared/\(relative) is not here: this part of the suite needs the shared reference corpora")
        }
        return url
    }
}
