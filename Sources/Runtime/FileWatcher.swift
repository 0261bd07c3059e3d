#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// Notices changes to a set of files and folders by polling `stat`. stat
/// follows symlinks, so a Kubernetes ConfigMap update (an atomic swap of the
/// `..data` symlink) shows up as a change of inode and time.
public struct FileWatcher {
    /// What stat says of one file, enough to tell that it changed.
    struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var mtimeNanos: Int
        var ctime: Int64
    }

    /// Paths watched; a directory stands for every file below it.
    public var paths: [String]
    private var snapshot: [String: Stamp] = [:]

    public init(paths: [String]) {
        self.paths = paths
        snapshot = takeSnapshot()
    }

    func takeSnapshot() -> [String: Stamp] {
        var out: [String: Stamp] = [:]
        for path in paths {
            if FileSystem.isDirectory(path) {
                for rel in FileSystem.walkFiles(path) { out[path + "/" + rel] = stamp(path + "/" + rel) }
            } else {
                out[path] = stamp(path)
            }
        }
        return out
    }

    func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stamp(inode: UInt64(st.st_ino), size: Int64(st.st_size), mtime: Int64(st.st_mtim.tv_sec),
                     mtimeNanos: Int(st.st_mtim.tv_nsec), ctime: Int64(st.st_ctim.tv_sec))
    }

    /// The paths that changed (appeared, vanished or were modified) since the
    /// last call.
    public mutating func changes() -> [String] {
        let now = takeSnapshot()
        defer { snapshot = now }
        guard now != snapshot else { return [] }
        return Set(now.keys).union(snapshot.keys).filter { now[$0] != snapshot[$0] }.sorted()
    }
}
