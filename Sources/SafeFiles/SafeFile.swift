#if canImport(Glibc)
import Glibc
#endif

/// Reads a file that someone else (the service user, an operator) may have
/// replaced by something hostile, without ever blocking or reading without
/// bound: the open never waits (`O_NONBLOCK`, so a FIFO cannot stall it),
/// never follows a final symlink unless asked, the type is checked with
/// `fstat` on the opened descriptor (no race with a rename), and at most
/// `limit` bytes are read.
public enum SafeFile {
    /// Size cap for configuration, templates, secrets, certificates: far
    /// above any real one, small enough that PID 1 stays small.
    public static let defaultLimit = 16 * 1024 * 1024

    /// Why a file could not be read.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// It does not exist (or a directory on the way does not).
        case missing
        /// It is a directory, FIFO, device, socket (or, without
        /// `followSymlinks`, a symlink).
        case notRegular(String)
        /// It holds more than the cap.
        case tooLarge(limit: Int)
        /// open/read failed for another reason (permissions, I/O).
        case failed(String)

        public var description: String {
            switch self {
            case .missing: "does not exist"
            case .notRegular(let kind): "is \(kind), not a regular file"
            case .tooLarge(let limit): "is larger than \(SafeFile.describe(bytes: limit)) (the limit for this file)"
            case .failed(let reason): "cannot be read (\(reason))"
            }
        }
    }

    /// The file's bytes. `followSymlinks` is for paths an operator chose
    /// (a `_FILE` secret in a Kubernetes volume, a package file): the target
    /// is still checked to be a regular file. Files in directories the
    /// service user owns are read with `followSymlinks: false`.
    public static func read(_ path: String, limit: Int = defaultLimit, followSymlinks: Bool = false) -> Result<[UInt8], Problem> {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        if !followSymlinks { flags |= O_NOFOLLOW }
        let fd = open(path, flags)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .failure(.missing)
            case ELOOP: return .failure(.notRegular("a symbolic link"))
            default: return .failure(.failed(String(cString: strerror(errno))))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.failed(String(cString: strerror(errno)))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegular(kindName(st.st_mode))) }
        guard Int(st.st_size) <= limit else { return .failure(.tooLarge(limit: limit)) }
        // The file is regular now: read until EOF, but never past the cap
        // (it may grow while we read). The first chunk asks for one byte
        // more than the size, straight into the result (no scratch buffer):
        // a file that did not grow is read in one chunk that ends at EOF.
        var result: [UInt8] = []
        var want = min(Int(st.st_size), limit) + 1
        while true {
            let bytes: [UInt8]
            switch readChunk(fd, upTo: want) {
            case .success(let read): bytes = read
            case .failure(let problem): return .failure(problem)
            }
            if result.isEmpty { result = bytes } else { result += bytes }
            if result.count > limit { return .failure(.tooLarge(limit: limit)) }
            if bytes.count < want { break }  // EOF
            want = min(65536, limit + 1 - result.count)
        }
        return .success(result)
    }

    /// `count` bytes read from `fd`, fewer only when it reached EOF.
    private static func readChunk(_ fd: Int32, upTo count: Int) -> Result<[UInt8], Problem> {
        var errorNumber: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            while initialized < count {
                let n = Glibc.read(fd, buffer.baseAddress! + initialized, count - initialized)
                if n < 0 {
                    if errno == EINTR { continue }
                    errorNumber = errno
                    return
                }
                if n == 0 { return }
                initialized += n
            }
        }
        if errorNumber != 0 { return .failure(.failed(String(cString: strerror(errorNumber)))) }
        return .success(bytes)
    }

    /// What a file mode is, in words, for error messages.
    public static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    /// `16 MiB`, `64 KiB`, `100 bytes`.
    public static func describe(bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
