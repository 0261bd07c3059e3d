import Dispatch
import XCTest
@testable import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// Files planted by a hostile owner of the directory: roost must neither
/// block on them, follow them, nor read them without bound.
final class SafeFileTests: XCTestCase {
    /// Where a temporary file goes and what it is called, for every shape of path.
    func testParentDirectoryAndFileName() {
        let cases: [(String, String, String)] = [
            ("/svc/pkg/PID", "/svc/pkg", "PID"), ("PID", ".", "PID"), ("/PID", "/", "PID"),
            ("a/b/", "a/b", "b"), ("/", "/", "/"), ("", ".", ""), ("//x//y", "//x/", "y"),
            ("/svc/ünï cödé/.roost/health", "/svc/ünï cödé/.roost", "health"), ("dir/e\u{301}/f\u{301}", "dir/e\u{301}", "f\u{301}"),
        ]
        for (path, parent, name) in cases {
            XCTAssertEqual(AtomicFile.parentDirectory(path), parent, path)
            XCTAssertEqual(AtomicFile.fileName(path), name, path)
        }
        XCTAssertTrue(AtomicFile.temporaryPath(for: "/svc/pkg/PID").hasPrefix("/svc/pkg/.PID.roost-"))
    }

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

    /// A failure in the rename phase (a directory planted where the last file
    /// goes) undoes the files already put in place: the replaced one gets
    /// its old content back, the created one is gone, nothing is left over.
    /// (The earlier files stayed replaced, under an error saying they were kept.)
    func testWriteAllUndoesTheRenamesOnALateFailure() throws {
        try AtomicFile.write(Array("old a".utf8), to: dir + "/a", mode: 0o644)
        XCTAssertEqual(mkdir(dir + "/z", 0o755), 0)
        let files = [
            PendingFile(path: dir + "/a", bytes: Array("new a".utf8), mode: 0o644),
            PendingFile(path: dir + "/b", bytes: Array("new b".utf8), mode: 0o644),
            PendingFile(path: dir + "/z", bytes: Array("new z".utf8), mode: 0o644),
        ]
        XCTAssertThrowsError(try AtomicFile.writeAll(files)) { error in
            XCTAssertTrue("\(error)".hasSuffix("/z: cannot rename into place: Is a directory"), "\(error)")
        }
        XCTAssertEqual(try SafeFile.read(dir + "/a").get(), Array("old a".utf8))
        var st = stat()
        XCTAssertEqual(lstat(dir + "/z", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFDIR, "the directory is left where it was")
        XCTAssertEqual(entries(), ["a", "z"])
        // And a whole set that succeeds leaves only the new files.
        try AtomicFile.writeAll(Array(files.prefix(2)))
        XCTAssertEqual(try SafeFile.read(dir + "/a").get(), Array("new a".utf8))
        XCTAssertEqual(try SafeFile.read(dir + "/b").get(), Array("new b".utf8))
        XCTAssertEqual(entries(), ["a", "b", "z"])
    }

    /// Runtime state (`durable: false`) is swapped in with RENAME_EXCHANGE
    /// where a file is already there: the same result as a rename over it.
    func testQuickReplaceOfRuntimeState() throws {
        let path = dir + "/health"
        try AtomicFile.write(Array("unknown 1\n".utf8), to: path, mode: 0o644, durable: false)
        let old = open(path, O_RDONLY)
        defer { close(old) }
        try AtomicFile.write(Array("ok 2\n".utf8), to: path, mode: 0o640, durable: false)
        XCTAssertEqual(try SafeFile.read(path).get(), Array("ok 2\n".utf8))
        var st = stat()
        XCTAssertEqual(fstat(old, &st), 0)
        XCTAssertEqual(st.st_nlink, 0, "the old file is gone, not left under a temp name")
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o640)
        XCTAssertEqual(entries(), ["health"])

        // A planted symlink is replaced, its target left alone.
        try AtomicFile.write(Array("target".utf8), to: dir + "/target", mode: 0o644)
        XCTAssertEqual(symlink(dir + "/target", dir + "/pid"), 0)
        try AtomicFile.write(Array("42".utf8), to: dir + "/pid", mode: 0o644, durable: false)
        XCTAssertEqual(try SafeFile.read(dir + "/pid").get(), Array("42".utf8))
        XCTAssertEqual(try SafeFile.read(dir + "/target").get(), Array("target".utf8))

        // A directory in the way is refused, as a rename refuses it, and stays.
        XCTAssertEqual(mkdir(dir + "/state", 0o755), 0)
        try AtomicFile.write(Array("inside".utf8), to: dir + "/state/file", mode: 0o644)
        XCTAssertThrowsError(try AtomicFile.write(Array("x".utf8), to: dir + "/state", mode: 0o644, durable: false))
        XCTAssertEqual(try SafeFile.read(dir + "/state/file").get(), Array("inside".utf8))
        XCTAssertEqual(entries(), ["health", "pid", "state", "target"])
    }

    /// A reader never finds the record missing, empty or half-written while
    /// it is replaced again and again.
    func testReadersSeeOldOrNewWhileReplaced() throws {
        let path = dir + "/health"
        let versions = [Array("ok 1796190200 service is up\n".utf8), Array("critical 1796190201 service is down: exited with status 1\n".utf8)]
        try AtomicFile.write(versions[0], to: path, mode: 0o644, durable: false)
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var reads: [String] = []
            func add(_ read: String) { lock.lock(); reads.append(read); lock.unlock() }
        }
        let bad = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for round in 0..<2000 { try? AtomicFile.write(versions[round % 2], to: path, mode: 0o644, durable: false) }
            } else {
                for _ in 0..<20000 {
                    let seen = SafeFile.read(path)
                    guard case .success(let bytes) = seen, versions.contains(bytes) else {
                        bad.add("\(seen)")
                        continue
                    }
                }
            }
        }
        XCTAssertEqual(bad.reads.prefix(3), [], "\(bad.reads.count) bad reads")
        XCTAssertEqual(entries(), ["health"])
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
