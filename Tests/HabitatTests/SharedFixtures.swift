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

extension XCTestCase {
    /// A new empty folder for this test (`<prefix>-<uuid>` in the temporary
    /// directory), removed when the test ends.
    func makeTemporaryDirectory(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}

/// Writes `text` to `path` below `dir`, making the folders on the way.
func writeFile(_ text: String, _ path: String, in dir: URL) throws {
    let url = dir.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
}
