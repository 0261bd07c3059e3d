#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SafeFiles

/// Small, allocation-light file system reads used while loading a package.
/// (Writes belong to `Runtime`, which writes atomically.)
public enum FileSystem {
    /// What `stat` says a path is.
    public enum Kind: Sendable { case missing, file, directory, other }

    public static func kind(of path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    public static func isDirectory(_ path: String) -> Bool { kind(of: path) == .directory }
    public static func isFile(_ path: String) -> Bool { kind(of: path) == .file }

    /// The file's bytes, or nil when it cannot be read: absent, no
    /// permission, not a regular file (a FIFO or device is never opened in a
    /// way that blocks) or larger than `SafeFile.defaultLimit`. Symlinks are
    /// followed unless `followSymlinks` is false (use false for files in
    /// directories the service user can write to).
    public static func readBytes(_ path: String, followSymlinks: Bool = true) -> [UInt8]? {
        try? SafeFile.read(path, followSymlinks: followSymlinks).get()
    }

    /// The file as UTF-8 text. `.missing` when it does not exist,
    /// `.unreadable` when it exists but cannot be read safely (the reason in
    /// words), `.notText` when it is not valid UTF-8.
    public enum TextRead: Sendable { case text(String), missing, unreadable(String), notText }

    public static func readText(_ path: String, followSymlinks: Bool = true) -> TextRead {
        switch SafeFile.read(path, followSymlinks: followSymlinks) {
        case .success(let bytes):
            guard let s = utf8Text(bytes) else { return .notText }
            return .text(s)
        case .failure(.missing): return .missing
        case .failure(let problem): return .unreadable(problem.description)
        }
    }

    /// The bytes as a string when they are valid UTF-8, else nil. Decoding
    /// (which would repair) and comparing is a fraction of the cost of the
    /// generic `String(validating:as:)`, about 150 instructions a byte.
    public static func utf8Text(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let unchanged = text.utf8.count == bytes.count && bytes.withUnsafeBufferPointer { original in
            text.utf8.withContiguousStorageIfAvailable { decoded in
                original.count == 0 || memcmp(decoded.baseAddress!, original.baseAddress!, original.count) == 0
            } ?? text.utf8.elementsEqual(original)
        }
        return unchanged ? text : nil
    }

    /// Convenience: the text, or nil when missing, unreadable or not UTF-8.
    public static func readString(_ path: String) -> String? {
        if case .text(let s) = readText(path) { return s }
        return nil
    }

    /// Names in a directory (no `.`/`..`), sorted bytewise so results are
    /// reproducible. Empty when the directory cannot be read.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// How deep `walkFiles` goes below its root.
    public static let maxWalkDepth = 32

    /// Every regular file below `root`, as paths relative to it, depth first
    /// in sorted order. Symlinked files are followed; symlinked directories
    /// too, but each directory (by device and inode) is walked once and at
    /// most `maxWalkDepth` deep, so neither a loop nor links that fan out
    /// to the same directories can make the walk grow.
    public static func walkFiles(_ root: String) -> [String] {
        var skipped: [String] = []
        return walkFiles(root, skipped: &skipped)
    }

    /// The same, adding to `skipped` (relative paths) every entry that is
    /// neither a file nor a directory (a link to nothing, a FIFO, a device,
    /// a socket, a name too long for the system) and every directory
    /// `maxWalkDepth` deep. A directory met again (a loop) is not listed.
    public static func walkFiles(_ root: String, skipped: inout [String]) -> [String] {
        var visited: Set<String> = []
        var st = stat()
        guard stat(root, &st) == 0 else { return [] }
        _ = visited.insert(String(st.st_dev) + ":" + String(st.st_ino))
        return walkFiles(root, prefix: "", depth: 0, visited: &visited, skipped: &skipped)
    }

    /// `visited` holds "device:inode" of each directory walked. A string key
    /// rather than a struct of its own: the first `Set` of a new element type
    /// makes the Swift runtime scan every conformance record of the binary
    /// (about 0.3 M instructions at each start), and `String`'s is looked up
    /// anyway.
    static func walkFiles(_ root: String, prefix: String, depth: Int, visited: inout Set<String>,
                          skipped: inout [String]) -> [String] {
        var out: [String] = []
        for name in list(root) {
            let full = root + "/" + name
            var st = stat()
            guard stat(full, &st) == 0 else { skipped.append(prefix + name); continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                out.append(prefix + name)
            case S_IFDIR:
                guard visited.insert(String(st.st_dev) + ":" + String(st.st_ino)).inserted else { continue }
                guard depth + 1 < maxWalkDepth else { skipped.append(prefix + name); continue }
                out += walkFiles(full, prefix: prefix + name + "/", depth: depth + 1, visited: &visited, skipped: &skipped)
            default:
                skipped.append(prefix + name)
            }
        }
        return out
    }

    /// Why `path`, which a walk skipped, is not a file to read: a one-line
    /// reason for an error message.
    public static func whyNotAFile(_ path: String) -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { return String(cString: strerror(errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            var target = stat()
            if stat(path, &target) != 0 { return "a symbolic link to nothing (\(String(cString: strerror(errno))))" }
            return (target.st_mode & S_IFMT) == S_IFDIR ? "folders nested more than \(maxWalkDepth) deep" : "not a regular file"
        case S_IFDIR: return "folders nested more than \(maxWalkDepth) deep"
        case S_IFIFO: return "a FIFO, not a file"
        case S_IFSOCK: return "a socket, not a file"
        case S_IFCHR, S_IFBLK: return "a device, not a file"
        default: return "not a regular file"
        }
    }

    /// The working directory, or nil when it cannot be read (removed, or
    /// longer than `PATH_MAX`).
    public static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `directory` (default: the working
    /// directory), with `.` parts and doubled slashes dropped. `..` is kept:
    /// whether it undoes the part before depends on symlinks. Paths given on
    /// the command line are turned absolute once at start, because hooks and
    /// the service run in the service directory, and rendered files name
    /// these paths (`{{pkg.svc_config_path}}`, `{{pkg.path}}`).
    public static func absolute(_ path: String, from directory: String? = nil) -> String {
        guard !path.hasPrefix("/") else { return path }
        guard let base = directory ?? currentDirectory() else { return path }
        // Built by byte: `split` and `joined(separator:)` are generic calls
        // whose first use scans every protocol conformance of the binary
        // (0.25 M instructions, a quarter of a `roost render .`).
        var result: [UInt8] = []
        result.reserveCapacity(base.utf8.count + path.utf8.count + 1)
        for text in [base, path] {
            var component: [UInt8] = []
            for byte in text.utf8 + [UInt8(ascii: "/")] {
                guard byte == UInt8(ascii: "/") else { component.append(byte); continue }
                if !component.isEmpty && component != [UInt8(ascii: ".")] {
                    result.append(UInt8(ascii: "/"))
                    result += component
                }
                component.removeAll(keepingCapacity: true)
            }
        }
        return result.isEmpty ? "/" : String(decoding: result, as: UTF8.self)
    }

    /// `path` joined to `component` with exactly one slash.
    public static func join(_ path: String, _ component: String) -> String {
        if path.isEmpty { return component }
        if component.hasPrefix("/") { return component }
        return path.hasSuffix("/") ? path + component : path + "/" + component
    }
}
