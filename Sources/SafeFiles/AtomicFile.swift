#if canImport(Glibc)
import Glibc
#endif
import CSupport

/// A file that could not be written, and why.
public struct FileWriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// Files of the set that stay replaced after the failure (only on a file
    /// system that cannot swap files); empty: every old file was kept.
    public var replaced: [String] = []
    public var description: String { "\(path): \(reason)" }
}

/// One file of a set written by `AtomicFile.writeAll`.
public struct PendingFile {
    public var path: String
    public var bytes: [UInt8]
    public var mode: mode_t
    /// (uid, gid) applied when running as root.
    public var owner: (uid: uid_t, gid: gid_t)?

    public init(path: String, bytes: [UInt8], mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil) {
        self.path = path
        self.bytes = bytes
        self.mode = mode
        self.owner = owner
    }
}

/// The one way roost writes a file: never half-written, never left behind,
/// safe in a directory the service user can write to.
public enum AtomicFile {
    /// Writes `bytes` to a temp file beside `path` (created with `mode` from
    /// the start, so a key is never readable by others), fsyncs it, renames it
    /// over `path` and fsyncs the directory so the rename survives a crash.
    /// `owner` (uid, gid) is applied when running as root. With `durable:
    /// false` the fsyncs are skipped: the swap still makes the write atomic
    /// (readers see the old or the new file, never a half one), which is all
    /// runtime state such as a PID file or the health record needs; it is
    /// stale after a crash anyway (see `replace` for how it is swapped in).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil,
                             durable: Bool = true) throws(FileWriteError) {
        try writeAll([PendingFile(path: path, bytes: bytes, mode: mode, owner: owner)], durable: durable)
    }

    /// Replaces a set of files all or nothing: every temp file is written
    /// and fsynced first; only when all of them are complete are they put
    /// in place (a rename needs no new data blocks, so a full disk fails in
    /// the first phase). Each existing file is swapped with its temp file
    /// (`RENAME_EXCHANGE`), so when a later one cannot be put in place (a
    /// directory planted where a file goes, a name the file system refuses)
    /// the files already put in place are swapped back: on a failure the old
    /// files are left exactly as they were and every temp file is removed.
    /// Only a file system that cannot swap (NFS: EINVAL) gets plain renames,
    /// which cannot be undone; the error then says which files were replaced.
    public static func writeAll(_ files: [PendingFile], durable: Bool = true) throws(FileWriteError) {
        if !durable && files.count == 1 {
            let temp = try writeTemporary(files[0], durable: false)
            guard replace(files[0].path, with: temp) else {
                let error = FileWriteError(path: files[0].path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
                unlink(temp)
                throw error
            }
            return
        }
        /// How a file was put in place, and so how it is undone.
        enum Placed {
            /// Swapped with the old file, which is now at the temp name.
            case swapped
            /// Nothing was there: the new file is renamed out again.
            case created
            /// Renamed over the old file (no swap on this file system): final.
            case overwritten
        }
        var temps: [String] = []
        var placed: [(path: String, temp: String, how: Placed)] = []
        var committed = false
        defer {
            if !committed {
                for step in placed.reversed() {
                    switch step.how {
                    case .swapped: _ = roost_rename_exchange(step.temp, step.path)
                    case .created: _ = rename(step.path, step.temp)
                    case .overwritten: break
                    }
                }
            }
            // After a success the temp names hold the old files.
            for temp in temps { unlink(temp) }
        }
        for file in files {
            temps.append(try writeTemporary(file, durable: durable))
        }
        for (file, temp) in zip(files, temps) {
            func failure(_ errorNumber: Int32) -> FileWriteError {
                let final = placed.filter { $0.how == .overwritten }.map(\.path)
                let note = final.isEmpty ? "" : "; already replaced (this file system cannot swap files): " + final.joined(separator: ", ")
                return FileWriteError(path: file.path, reason: "cannot rename into place: \(String(cString: strerror(errorNumber)))\(note)",
                                      replaced: final)
            }
            if roost_rename_exchange(temp, file.path) == 0 {
                placed.append((file.path, temp, .swapped))
                // What was swapped out must be a file (or a symlink, replaced
                // as rename would): a directory is swapped back.
                var st = stat()
                if lstat(temp, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { throw failure(EISDIR) }
                continue
            }
            let swapError = errno
            guard swapError == ENOENT || swapError == EINVAL else { throw failure(swapError) }
            guard rename(temp, file.path) == 0 else { throw failure(errno) }
            placed.append((file.path, temp, swapError == ENOENT ? .created : .overwritten))
        }
        committed = true
        guard durable else { return }
        var synced: Set<String> = []
        for file in files {
            let directory = parentDirectory(file.path)
            guard synced.insert(directory).inserted else { continue }
            let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                fsync(dfd)
                close(dfd)
            }
        }
    }

    /// Puts `temp` in `path`'s place for a write that need not survive a
    /// crash. A plain rename over an existing file makes ext4 (the usual
    /// host and overlay upper file system) start writing the new file's
    /// data out before it returns (its `auto_da_alloc` guard for programs
    /// that do not fsync): about 140 µs per small file here, against 45 µs
    /// for swapping the two names with `RENAME_EXCHANGE` and unlinking the
    /// old file under the temp name. Readers see the old or the new file
    /// either way. Where there is nothing to replace, or the file system
    /// cannot swap (EINVAL), it is a plain rename. After a crash the file
    /// may be empty: such state is stale then anyway.
    static func replace(_ path: String, with temp: String) -> Bool {
        guard roost_rename_exchange(temp, path) == 0 else { return rename(temp, path) == 0 }
        // `temp` now names what was at `path`: a file, or a planted symlink.
        if unlink(temp) == 0 { return true }
        // A directory (which rename would have refused): swap it back.
        let error = errno
        _ = roost_rename_exchange(temp, path)
        errno = error
        return false
    }

    /// Creates, fills and syncs a new temp file for `file`; returns its path.
    /// The name has a random part and the file is created with
    /// `O_CREAT|O_EXCL|O_NOFOLLOW`: whatever the owner of the directory
    /// planted (a FIFO, a symlink to another file) is never opened.
    static func writeTemporary(_ file: PendingFile, durable: Bool) throws(FileWriteError) -> String {
        let directory = parentDirectory(file.path)
        func failure(_ what: String) -> FileWriteError {
            FileWriteError(path: file.path, reason: "cannot \(what): \(String(cString: strerror(errno)))")
        }
        var temp = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            temp = temporaryPath(for: file.path)
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, file.mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw failure("create a temporary file in \(directory)") }
        defer { close(fd) }
        func fail(_ what: String) -> FileWriteError {
            let error = failure(what)
            unlink(temp)
            return error
        }
        var offset = 0
        while offset < file.bytes.count {
            let n = file.bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            offset += n
        }
        // open() applies the umask; set the exact mode.
        fchmod(fd, file.mode)
        if let owner = file.owner, geteuid() == 0, fchown(fd, owner.uid, owner.gid) != 0 {
            throw fail("change the owner")
        }
        if durable { guard fsync(fd) == 0 else { throw fail("fsync") } }
        return temp
    }

    /// `dir/.name.roost-<random>`: hidden, same directory, not guessable.
    public static func temporaryPath(for path: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let suffix = String(rng.next() as UInt64, radix: 16)
        return "\(parentDirectory(path))/.\(fileName(path)).roost-\(suffix)"
    }

    /// Removes temp files a killed writer of `path` left behind.
    public static func removeLeftovers(of path: String) {
        let dir = parentDirectory(path)
        let prefix = ".\(fileName(path)).roost-"
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(prefix) { unlink(dir + "/" + name) }
        }
    }

    // Both by byte: a search by Character (grapheme breaking) or a split
    // of the whole path cost more than the write itself at start.
    public static func parentDirectory(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }

    /// The last non-empty component (`path` itself when it has none).
    static func fileName(_ path: String) -> String {
        let bytes = path.utf8, slash = UInt8(ascii: "/")
        var end = bytes.endIndex
        while end != bytes.startIndex, bytes[bytes.index(before: end)] == slash { end = bytes.index(before: end) }
        guard end != bytes.startIndex else { return path }
        var start = end
        while start != bytes.startIndex, bytes[bytes.index(before: start)] != slash { start = bytes.index(before: start) }
        return String(path[start..<end])
    }
}

/// An exclusive lock on a lock file, held until `unlock()` or the process
/// ends (the kernel drops it even after SIGKILL). `flock` is honoured across
/// containers sharing a volume, including NFS/EFS, where Linux maps it to a
/// POSIX byte-range lock.
public final class FileLock {
    let fd: Int32

    /// Blocks until the lock is ours.
    public init(path: String) throws(FileWriteError) {
        // Never follow or block on what someone planted at the lock's name.
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            throw FileWriteError(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileWriteError(path: path, reason: "the lock file is not a regular file")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(fd)
            throw FileWriteError(path: path, reason: "cannot lock: \(reason)")
        }
    }

    public func unlock() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
