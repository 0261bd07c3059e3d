#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// The file's bytes, or nil when it cannot be opened (absent, no permission).
    public static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        if fstat(fd, &st) == 0, st.st_size > 0 { result.reserveCapacity(Int(st.st_size)) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// The file as UTF-8 text. `.missing` when it cannot be opened, `.notText`
    /// when it is not valid UTF-8.
    public enum TextRead: Sendable { case text(String), missing, notText }

    public static func readText(_ path: String) -> TextRead {
        guard let bytes = readBytes(path) else { return .missing }
        guard let s = String(validating: bytes, as: UTF8.self) else { return .notText }
        return .text(s)
    }

    /// Convenience: the text, or nil when missing or not UTF-8.
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

    /// Every regular file below `root`, as paths relative to it, depth first
    /// in sorted order. Symlinked files are followed; symlinked directories too
    /// (up to a fixed depth, so a loop cannot hang the walk).
    public static func walkFiles(_ root: String, depth: Int = 0) -> [String] {
        guard depth < 32 else { return [] }
        var out: [String] = []
        for name in list(root) {
            let full = root + "/" + name
            switch kind(of: full) {
            case .file: out.append(name)
            case .directory:
                out += walkFiles(full, depth: depth + 1).map { name + "/" + $0 }
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
