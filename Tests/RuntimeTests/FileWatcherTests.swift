import Foundation
import Runtime
import XCTest

/// `FileWatcher`: inotify events for edits, new files and a ConfigMap-style
/// symlink swap, and the polling fallback.
final class FileWatcherTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("watch")
    }

    /// True once `fd` is readable (a generous bound, not a timing assertion).
    func readable(_ fd: Int32, within seconds: Int32 = 10) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, seconds * 1000) == 1
    }

    /// A watcher with inotify on.
    func watching(_ paths: [String]) -> FileWatcher {
        let watcher = FileWatcher(paths: paths)
        XCTAssertTrue(watcher.notify(), "inotify is available on Linux")
        return watcher
    }

    /// Waits for an event, drains it and returns what changed.
    func nextChanges(_ watcher: FileWatcher) throws -> [String] {
        let fd = try XCTUnwrap(watcher.descriptor)
        XCTAssertTrue(readable(fd), "no inotify event")
        XCTAssertTrue(watcher.drain())
        return watcher.changes()
    }

    func testEditOfAWatchedFileIsAnEvent() throws {
        let file = dir + "/user.toml"
        try "a = 1\n".write(toFile: file, atomically: false, encoding: .utf8)
        let watcher = watching([file])
        XCTAssertFalse(watcher.drain(), "nothing happened yet")
        try "a = 2\n".write(toFile: file, atomically: false, encoding: .utf8)
        XCTAssertEqual(try nextChanges(watcher), [file])
        XCTAssertEqual(watcher.changes(), [], "reported once")
        // Released watches queue nothing (events are queued by the write itself).
        watcher.release()
        try "a = 3\n".write(toFile: file, atomically: false, encoding: .utf8)
        XCTAssertFalse(watcher.drain())
        XCTAssertEqual(watcher.changes(), [file], "the snapshot still sees it")
    }

    func testFileCreatedInAMissingDirectoryIsSeen() throws {
        let file = dir + "/user/demo/config/user.toml"
        let watcher = watching([file])
        try FileManager.default.createDirectory(atPath: dir + "/user/demo/config", withIntermediateDirectories: true)
        // Directories appear first: each event refreshes the watches until
        // the file itself shows up.
        try "a = 1\n".write(toFile: file, atomically: true, encoding: .utf8)
        var seen: [String] = []
        for _ in 0..<5 where seen.isEmpty { seen = try nextChanges(watcher) }
        XCTAssertEqual(seen, [file])
    }

    /// A Kubernetes ConfigMap volume: `user.toml -> ..data/user.toml`, and an
    /// update renames a new `..data` symlink over the old one.
    func testConfigMapSymlinkSwapIsAnEvent() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/..2024_1", withIntermediateDirectories: true)
        try "a = 1\n".write(toFile: dir + "/..2024_1/user.toml", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir + "/..data", withDestinationPath: "..2024_1")
        try fm.createSymbolicLink(atPath: dir + "/user.toml", withDestinationPath: "..data/user.toml")
        let watcher = watching([dir + "/user.toml"])

        try fm.createDirectory(atPath: dir + "/..2024_2", withIntermediateDirectories: true)
        try "a = 2\n".write(toFile: dir + "/..2024_2/user.toml", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir + "/..data_tmp", withDestinationPath: "..2024_2")
        XCTAssertEqual(rename(dir + "/..data_tmp", dir + "/..data"), 0)
        var seen: [String] = []
        for _ in 0..<5 where seen.isEmpty { seen = try nextChanges(watcher) }
        XCTAssertEqual(seen, [dir + "/user.toml"])
    }

    func testFileInAWatchedFolderTreeIsSeen() throws {
        try FileManager.default.createDirectory(atPath: dir + "/config/sub", withIntermediateDirectories: true)
        let watcher = watching([dir + "/config"])
        try "x".write(toFile: dir + "/config/sub/nginx.conf", atomically: false, encoding: .utf8)
        XCTAssertEqual(try nextChanges(watcher), [dir + "/config/sub/nginx.conf"])
    }

    /// One drain reads a bounded amount, however many events are queued (a
    /// file written nonstop beside user.toml must not hold the event loop).
    func testDrainIsBounded() throws {
        let file = dir + "/user.toml"
        let watcher = watching([file])
        let padding = String(repeating: "x", count: 40)
        // 12,000 creations of 48-byte names: about 770 KB of events queued.
        for i in 0..<12_000 {
            let fd = open(dir + "/\(padding)-\(i)", O_CREAT | O_WRONLY, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        XCTAssertTrue(watcher.drain())
        XCTAssertTrue(watcher.drain(), "events were left for the next turn")
        XCTAssertEqual(watcher.changes(), [], "none of them is the watched file")
    }

    func testPollingFallbackWithoutInotify() throws {
        let file = dir + "/user.toml"
        let watcher = FileWatcher(paths: [file])
        XCTAssertNil(watcher.descriptor, "no inotify until notify()")
        XCTAssertFalse(watcher.drain())
        XCTAssertEqual(watcher.changes(), [])
        try "a = 1\n".write(toFile: file, atomically: false, encoding: .utf8)
        XCTAssertEqual(watcher.changes(), [file])
        XCTAssertEqual(watcher.changes(), [])
    }
}
