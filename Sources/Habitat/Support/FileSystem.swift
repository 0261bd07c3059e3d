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
            guard let s = String(validating: bytes, as: UTF8.self) else { return .notText }
            return .text(s)
        case .failure(.missing): return .missing
        case .failure(let problem): return .unreadable(problem.description)
        }
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
        var visited: [DirectoryID] = []
        return walkFiles(root, depth: 0, visited: &visited)
    }

    /// An array, searched linearly: packages have a handful of template
    /// directories, and the first `Set` of a new element type costs a
    /// runtime conformance lookup (about 0.3 M instructions at start-up).
    struct DirectoryID: Equatable { var device: UInt64; var inode: UInt64 }

    static func walkFiles(_ root: String, depth: Int, visited: inout [DirectoryID]) -> [String] {
        var st = stat()
        guard depth < maxWalkDepth, stat(root, &st) == 0 else { return [] }
        let id = DirectoryID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        guard !visited.contains(where: { $0 == id }) else { return [] }
        visited.append(id)
        var out: [String] = []
        for name in list(root) {
            let full = root + "/" + name
            switch kind(of: full) {
            case .file: out.append(name)
            case .directory:
                out += walkFiles(full, depth: depth + 1, visited: &visited).map { name + "/" + $0 }
            default: break
            }
        }
        return out
    }

    /// `path` joined to `component` with exactly one slash.
    public static func join(_ path: String, _ component: String) -> String {
        if path.isEmpty { return component }
        if component.hasPrefix("/") { return component }
        return path.hasSuffix("/") ? path + component : path + "/" + component
    }
}
