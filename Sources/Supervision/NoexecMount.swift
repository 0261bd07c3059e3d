#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds the mount that forbids executing a file, to explain an EACCES from
/// execve on a file that already has execute permission: a container's
/// `--tmpfs` is mounted `noexec` unless told `exec`.
enum NoexecMount {
    /// ST_NOEXEC of <sys/statvfs.h> (an enum constant Swift's Glibc does not import).
    private static let stNoexec: UInt = 8

    /// The mount point of the `noexec` file system holding `path`, or nil when
    /// that file system allows execution (or `path` cannot be inspected).
    static func containing(_ path: String) -> String? {
        var info = statvfs()
        guard statvfs(path, &info) == 0, info.f_flag & stNoexec != 0 else { return nil }
        let resolved = realpath(path, nil).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? path
        return mountPoint(of: resolved, mountInfo: readMountInfo()) ?? "the file system holding \(path)"
    }

    /// The longest mount point in /proc/self/mountinfo text that contains
    /// `path` (field 5 of each line; spaces in it are written as \040).
    static func mountPoint(of path: String, mountInfo: String) -> String? {
        var best: String?
        for line in mountInfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 4 else { continue }
            let point = String(fields[4]).replacing("\\040", with: " ")
            let contains = point == "/" || path == point || path.hasPrefix(point + "/")
            if contains && point.count >= (best?.count ?? 0) { best = point }
        }
        return best
    }

    /// /proc/self/mountinfo, read in full (a regular, bounded kernel file).
    private static func readMountInfo() -> String {
        guard let file = fopen("/proc/self/mountinfo", "re") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
