#if canImport(Glibc)
import Glibc
#endif
import Habitat
import SafeFiles

/// Writes rendered files into their directories. Every write is atomic (a
/// temp file in the same directory, fsync, rename, fsync of the directory);
/// a file whose content did not change is not touched, so nothing downstream
/// sees a spurious change.
public struct RenderedOutput {
    /// Where each kind of rendered file goes.
    public struct Destination: Sendable {
        public var config: String
        public var configInstall: String
        public var hooks: String

        public init(config: String, configInstall: String, hooks: String) {
            self.config = config
            self.configInstall = configInstall
            self.hooks = hooks
        }

        /// The service directory's own folders.
        public init(layout: ServiceLayout) {
            self.init(config: layout.path(.config), configInstall: layout.path(.configInstall), hooks: layout.path(.hooks))
        }

        /// `DIR/config`, `DIR/config_install`, `DIR/hooks`.
        public init(root: String) {
            self.init(config: root + "/config", configInstall: root + "/config_install", hooks: root + "/hooks")
        }

        public func path(of file: RenderedFile) -> String {
            switch file.kind {
            case .config: return config + "/" + file.path
            case .configInstall: return configInstall + "/" + file.path
            case .hook: return hooks + "/" + file.path
            }
        }
    }

    public enum Change: String, Sendable { case created, updated, unchanged }

    public struct Result: Sendable {
        public var file: RenderedFile
        public var path: String
        public var change: Change
        /// The previous content, when the file existed and differed.
        public var previous: String?
    }

    /// Compares rendered files with what is on disk, without writing. The
    /// service user owns these directories: what is there is read without
    /// following a symlink or opening a FIFO or device, and at most a little
    /// more than the new content (anything longer differs anyway). Whatever
    /// cannot be read that way counts as changed and is replaced.
    public static func plan(_ files: [RenderedFile], to destination: Destination) -> [Result] {
        files.map { file in
            let path = destination.path(of: file)
            let limit = max(file.content.utf8.count + 1, maxPreviousSize)
            let existing: [UInt8]
            switch SafeFile.read(path, limit: limit, followSymlinks: false) {
            case .success(let bytes): existing = bytes
            case .failure(.missing): return Result(file: file, path: path, change: .created, previous: nil)
            case .failure: return Result(file: file, path: path, change: .updated, previous: nil)
            }
            if existing.elementsEqual(file.content.utf8) {
                return Result(file: file, path: path, change: .unchanged, previous: nil)
            }
            return Result(file: file, path: path, change: .updated, previous: String(decoding: existing, as: UTF8.self))
        }
    }

    /// The relative paths (`config/x`, `hooks/run`) of the files a plan
    /// changes: what a reload reports and `TemplateUpdate` decides on.
    public static func changedPaths(_ results: [Result]) -> [String] {
        results.filter { $0.change != .unchanged }.map(\.file.relativePath)
    }

    /// How much of an existing file is kept to show in a diff.
    public static let maxPreviousSize = 1024 * 1024

    /// Writes every changed file (config 0640, hooks 0755, as Habitat's modes
    /// but without giving other users access to config). `owner` (uid, gid)
    /// is applied to config files when given. All or nothing: every new file
    /// is written and synced before any is renamed into place, so a full disk
    /// leaves the previous set whole (exit 73).
    public static func write(_ results: [Result], owner: (uid: uid_t, gid: gid_t)? = nil) throws(RuntimeError) {
        var pending: [PendingFile] = []
        for r in results where r.change != .unchanged {
            let mode: mode_t = r.file.kind == .hook ? 0o755 : 0o640
            try makeSubdirectories(of: r)
            pending.append(PendingFile(path: r.path, bytes: Array(r.file.content.utf8), mode: mode,
                                       owner: r.file.kind == .hook ? nil : owner))
        }
        do {
            try AtomicFile.writeAll(pending)
        } catch {
            throw .cannotWrite(path: error.path, reason: error.reason + (error.replaced.isEmpty ? "; the previous files were kept" : ""))
        }
    }

    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Makes the folders between a destination root (`config/`, which the
    /// service user owns) and the file, without following a link: a folder
    /// the service user replaced by a symlink (to /etc, say) is an error,
    /// never a way to make roost write elsewhere.
    static func makeSubdirectories(of result: Result) throws(RuntimeError) {
        let components = result.file.path.split(separator: "/").dropLast()
        var directory = String(result.path.dropLast(result.file.path.utf8.count + 1))
        try makeDirectories(directory, mode: 0o755)
        for component in components {
            directory += "/" + component
            var st = stat()
            if lstat(directory, &st) == 0 {
                guard (st.st_mode & S_IFMT) == S_IFDIR else {
                    throw .cannotWrite(path: directory,
                                       reason: "is \(SafeFile.kindName(st.st_mode)), not a directory: roost does not write through it")
                }
                continue
            }
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw .cannotWrite(path: directory, reason: "cannot create directory: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// `mkdir -p`, naming the directory that could not be made.
    public static func makeDirectories(_ path: String, mode: mode_t) throws(RuntimeError) {
        if FileSystem.isDirectory(path) { return }
        let parent = parentDirectory(path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw .cannotWrite(path: path, reason: "cannot create directory: \(String(cString: strerror(errno)))")
        }
    }
}

/// Atomic writes with errors that name the file (see `SafeFiles.AtomicFile`).
public enum AtomicWrite {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)? = nil,
                             durable: Bool = true) throws(RuntimeError) {
        do {
            try AtomicFile.write(bytes, to: path, mode: mode, owner: owner, durable: durable)
        } catch {
            throw .cannotWrite(path: error.path, reason: error.reason)
        }
    }

    /// `write`, unless the file already holds exactly these bytes with this
    /// mode: a restart of the container then costs no write and no fsync.
    public static func writeIfChanged(_ bytes: [UInt8], to path: String, mode: mode_t) throws(RuntimeError) {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, (info.st_mode & 0o7777) == mode,
           Int(info.st_size) == bytes.count, FileSystem.readBytes(path, followSymlinks: false) == bytes {
            return
        }
        try write(bytes, to: path, mode: mode)
    }
}
