import XCTest
@testable import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// Files planted by a hostile owner of the directory: roost must neither
/// block on them, follow them, nor read them without bound.
final class SafeFileTests: XCTestCase {
    var dir = ""

    override func setUp() {
        var template = Array("/tmp/roost-safefiles-XXXXXX".utf8CString)
        dir = String(cString: mkdtemp(&template)!)
    }

    override func tearDown() {
        _ = dir.withCString { system("rm -rf '\(String(cString: $0))'") }
    }

    func testFIFOIsRefusedWithoutBlocking() {
        let path = dir + "/app.conf"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        // A blocking open of a FIFO with no writer would hang this test.
        XCTAssertEqual(SafeFile.read(path).failureValue, .notRegular("a FIFO"))
        XCTAssertEqual(SafeFile.read(path, followSymlinks: true).failureValue, .notRegular("a FIFO"))
    }

    func testSymlinkToDevZeroIsNotRead() {
        let path = dir + "/app.conf"
        XCTAssertEqual(symlink("/dev/zero", path), 0)
        XCTAssertEqual(SafeFile.read(path).failureValue, .notRegular("a symbolic link"))
        // Followed on purpose (an operator's path), the target is still checked.
        XCTAssertEqual(SafeFile.read(path, followSymlinks: true).failureValue, .notRegular("a character device"))
    }

    func testSizeIsCapped() {
        let path = dir + "/big"
        try! AtomicFile.write([UInt8](repeating: 65, count: 5000), to: path, mode: 0o644)
        XCTAssertEqual(SafeFile.read(path, limit: 4999).failureValue, .tooLarge(limit: 4999))
        XCTAssertEqual((try? SafeFile.read(path, limit: 5000).get())?.count, 5000)
        XCTAssertEqual(SafeFile.read(dir + "/absent").failureValue, .missing)
        XCTAssertEqual(SafeFile.read(dir).failureValue, .notRegular("a directory"))
    }

    /// Whole contents, whatever the size says: a file larger than one
    /// read chunk, an empty one, and /proc files whose size is 0 (read in
    /// chunks until EOF, still capped).
    func testContentsAreReadWhole() throws {
        let path = dir + "/large"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: path, mode: 0o644)
        XCTAssertEqual(try SafeFile.read(path).get(), bytes)
        try AtomicFile.write([], to: dir + "/empty", mode: 0o644)
        XCTAssertEqual(try SafeFile.read(dir + "/empty").get(), [])
        let maps = try SafeFile.read("/proc/self/maps", followSymlinks: true).get()
        XCTAssertGreaterThan(maps.count, 1, "read past the size 0 that stat reports")
        XCTAssertEqual(maps.last, UInt8(ascii: "\n"))
        XCTAssertEqual(SafeFile.read("/proc/self/maps", limit: 10, followSymlinks: true).failureValue, .tooLarge(limit: 10))
    }

    func testTemporaryNamesAreUnpredictable() {
        let a = AtomicFile.temporaryPath(for: dir + "/x"), b = AtomicFile.temporaryPath(for: dir + "/x")
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.hasPrefix(dir + "/.x.roost-"))
        XCTAssertFalse(a.hasSuffix("-\(getpid())"))
    }

    /// FIFOs planted at the target's name and at the old predictable temp
    /// name are replaced, never opened.
    func testWriteReplacesAPlantedFIFO() throws {
        let path = dir + "/app.conf"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        XCTAssertEqual(mkfifo(dir + "/.app.conf.roost-\(getpid())", 0o644), 0)
        try AtomicFile.write(Array("new\n".utf8), to: path, mode: 0o640)
        XCTAssertEqual(try SafeFile.read(path).get(), Array("new\n".utf8))
    }

    /// A failure after the first file leaves every old file in place and no temp file behind.
    func testWriteAllIsAllOrNothing() throws {
        try AtomicFile.write(Array("old a".utf8), to: dir + "/a", mode: 0o644)
        try AtomicFile.write(Array("old b".utf8), to: dir + "/b", mode: 0o644)
        let files = [
            PendingFile(path: dir + "/a", bytes: Array("new a".utf8), mode: 0o644),
            PendingFile(path: dir + "/missing-dir/b", bytes: Array("new b".utf8), mode: 0o644),
        ]
        XCTAssertThrowsError(try AtomicFile.writeAll(files))
        XCTAssertEqual(try SafeFile.read(dir + "/a").get(), Array("old a".utf8))
        XCTAssertEqual(try SafeFile.read(dir + "/b").get(), Array("old b".utf8))
        XCTAssertEqual(entries(), ["a", "b"])
    }

    func entries() -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
