#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// Notices changes to a set of files and folders.
///
/// With inotify (Linux), `descriptor` becomes readable as soon as something
/// may have changed: the event loop polls it and then calls `drain()` and
/// `changes()`. Each watched file's directory is watched rather than the file
/// itself, so a file that is created, replaced by a rename (editors) or
/// reached through a swapped symlink (a Kubernetes ConfigMap update swaps its
/// `..data` symlink in that directory) is seen too. Without inotify
/// (`descriptor` is nil) the caller polls `changes()` on a timer.
///
/// Either way `changes()` decides by comparing `stat` snapshots (stat follows
/// symlinks, so a swap shows up as a change of inode and time): an event that
/// changed nothing a watched path resolves to reports nothing.
public final class FileWatcher {
    /// What stat says of one file, enough to tell that it changed.
    struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var mtimeNanos: Int
        var ctime: Int64
    }

    /// Paths watched; a directory stands for every file below it.
    public let paths: [String]
    private var snapshot: [String: Stamp] = [:]
    /// The inotify instance (non-blocking, close-on-exec) once `notify()`
    /// made one; nil before, or when the kernel gave none: then poll `changes()`.
    public private(set) var descriptor: Int32?
    private var watches: Set<Int32> = []
    private var released = false

    /// Directories below a watched folder that get a watch of their own.
    static let maxWatches = 1024

    /// Takes the first snapshot; events come only after `notify()`.
    public init(paths: [String]) {
        self.paths = paths
        snapshot = takeSnapshot()
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// Starts inotify and watches the paths' directories. False when inotify
    /// is unavailable (then poll `changes()`). Changes made before this call
    /// still show in the next `changes()` (the snapshot is older).
    @discardableResult
    public func notify() -> Bool {
        if descriptor != nil { return true }
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return false }
        descriptor = fd
        addWatches()
        return true
    }

    /// Removes every watch, keeping the descriptor. The kernel frees a watch
    /// only after an RCU grace period (milliseconds), and closing an inotify
    /// descriptor that still has watches waits for it: a supervisor about to
    /// exit calls this first, so the wait overlaps the service's shutdown
    /// instead of delaying the exit.
    public func release() {
        guard let fd = descriptor, !released else { return }
        released = true
        for wd in watches { inotify_rm_watch(fd, wd) }
        watches = []
        _ = drain()   // the IN_IGNORED events of the removals
    }

    static let eventMask: UInt32 = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
        | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Watches every watched folder (and the folders below it), and the
    /// directory of every watched file, of the file a symlink points to, or
    /// of the nearest existing ancestor when the file's directory is missing.
    /// Adding a watch that exists only updates it, so this runs again after
    /// each batch of events to pick up folders created since.
    private func addWatches() {
        guard let fd = descriptor, !released else { return }
        var added = 0
        func watch(_ dir: String) {
            guard added < Self.maxWatches else { return }
            let wd = inotify_add_watch(fd, dir, Self.eventMask)
            if wd >= 0 {
                added += 1
                watches.insert(wd)
            }
        }
        func watchTree(_ dir: String, depth: Int) {
            watch(dir)
            guard depth < 8 else { return }
            for name in FileSystem.list(dir) where FileSystem.isDirectory(dir + "/" + name) {
                watchTree(dir + "/" + name, depth: depth + 1)
            }
        }
        for path in paths {
            if FileSystem.isDirectory(path) {
                watchTree(path, depth: 0)
                watch(Self.parent(of: path))
                continue
            }
            var dir = Self.parent(of: path)
            while !FileSystem.isDirectory(dir) && dir != "/" { dir = Self.parent(of: dir) }
            watch(dir)
            if let target = Self.resolved(path) { watch(Self.parent(of: target)) }
        }
    }

    /// Reads the queued inotify events (without blocking, at most 512 KiB of
    /// them: a file written nonstop beside a watched one must not keep the
    /// caller here) and refreshes the watches. True when there was an event.
    @discardableResult
    public func drain() -> Bool {
        guard let fd = descriptor else { return false }
        var any = false
        var buffer = [UInt8](repeating: 0, count: 8192)
        for _ in 0..<64 {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { any = true; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        if any { addWatches() }
        return any
    }

    /// True once `release()` was called.
    public var isReleased: Bool { released }

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
    public func changes() -> [String] {
        let now = takeSnapshot()
        defer { snapshot = now }
        guard now != snapshot else { return [] }
        return Set(now.keys).union(snapshot.keys).filter { now[$0] != snapshot[$0] }.sorted()
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Where a symlinked path ends up, when it is a symlink that resolves.
    static func resolved(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }
}
