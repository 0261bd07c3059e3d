#if canImport(Glibc)
import Glibc
#endif

/// A file that could not be written, and why.
public struct FileWriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The one way roost writes a file: never half-written, never left behind.
public enum AtomicFile {
    /// Writes `bytes` to a temp file beside `path` (created with `mode` from
    /// the start, so a key is never readable by others), fsyncs it, renames it
    /// over `path` and fsyncs the directory so the rename survives a crash.
    /// `owner` (uid, gid) is applied when running as root. With `durable:
    /// false` the fsyncs are skipped: the rename still makes the write atomic
    /// (readers see the old or the new file, never a half one), which is all
    /// runtime state such as a PID file needs; it is stale after a crash anyway.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil,
                             durable: Bool = true) throws(FileWriteError) {
        let directory = parentDirectory(path)
        let temp = temporaryPath(for: path)
        func failure(_ what: String) -> FileWriteError {
            FileWriteError(path: path, reason: "cannot \(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw failure("create a temporary file in \(directory)") }
        var renamed = false
        defer { if !renamed { unlink(temp) } }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = failure("write")
                close(fd)
                throw e
            }
            offset += n
        }
        // open() applies the umask; set the exact mode.
        fchmod(fd, mode)
        if let owner, geteuid() == 0, fchown(fd, owner.uid, owner.gid) != 0 {
            let e = failure("change the owner")
            close(fd)
            throw e
        }
        if durable { guard fsync(fd) == 0 else { let e = failure("fsync"); close(fd); throw e } }
        close(fd)
        guard rename(temp, path) == 0 else { throw failure("rename into place") }
        renamed = true
        guard durable else { return }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// `dir/.name.roost-<pid>`: unique per process, hidden, same directory.
    public static func temporaryPath(for path: String) -> String {
        "\(parentDirectory(path))/.\(fileName(path)).roost-\(getpid())"
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

    public static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
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
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw FileWriteError(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
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
