import Foundation

/// Where the built `roost` binary is (next to the test bundle).
func roostBinary() -> URL {
    var dir = Bundle(for: Marker.self).bundleURL
    while dir.pathExtension == "xctest" || dir.lastPathComponent.hasSuffix(".xctest") {
        dir.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("roost")
}

private final class Marker {}
