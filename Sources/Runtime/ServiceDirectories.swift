#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// Creates `/hab/svc/<name>` and its folders as the Supervisor does (spec 6):
/// the service directory, `hooks/` and `logs/` belong to roost; `config/`,
/// `data/`, `files/`, `var/`, `static/` and `config_install/` are made for
/// the service user (0770) when missing, and keep their owner and mode when
/// they exist (so a data volume prepared by the operator is left alone).
public enum ServiceDirectories {
    public static func create(_ layout: ServiceLayout, owner: (uid: uid_t, gid: gid_t)?) throws(RuntimeError) {
        try RenderedOutput.makeDirectories(layout.path, mode: 0o755)
        try createState(layout)
        for dir in [layout.path(.hooks), layout.path(.logs)] {
            try RenderedOutput.makeDirectories(dir, mode: 0o755)
        }
        for dir in ServiceLayout.Folder.service.map({ layout.path($0) })
        where !FileSystem.isDirectory(dir) {
            try RenderedOutput.makeDirectories(dir, mode: 0o770)
            chmod(dir, 0o770)
            if let owner, geteuid() == 0 {
                guard chown(dir, owner.uid, owner.gid) == 0 else {
                    throw .config(path: dir, reason: "cannot give it to the service user: \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    /// roost's state folder, `<svc>/<name>/.roost` (the health record):
    /// made 0755 for the user running roost (root in a container), and
    /// checked with `lstat` to be a real directory of that user that no one
    /// else can write, so the service user can neither plant a link or FIFO
    /// where roost writes nor make roost write into the service's folders.
    public static func createState(_ layout: ServiceLayout) throws(RuntimeError) {
        try RenderedOutput.makeDirectories(layout.statePath, mode: 0o755)
        for dir in [layout.statePath] {
            var info = stat()
            guard lstat(dir, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid() else {
                throw .config(path: dir,
                              reason: "roost's state folder must be a directory owned by uid \(geteuid()) (not a link, not another user's); remove it and roost makes it again")
            }
            if info.st_mode & 0o7777 != 0o755 { chmod(dir, 0o755) }
        }
        removeLegacyHealthRecord(layout)
    }

    /// Older roost kept its health record in `var/roost-health`; on a data
    /// volume it would outlive the upgrade and still break hooks that
    /// `chgrp -R` the folder. Removed only when it is a regular file of
    /// roost's user (`unlink` removes a link itself, never its target).
    static func removeLegacyHealthRecord(_ layout: ServiceLayout) {
        let legacy = layout.path(.var) + "/roost-health"
        var info = stat()
        if lstat(legacy, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() {
            unlink(legacy)
        }
    }

    /// The PID file: decimal pid, no newline, 0644, written atomically.
    public static func writePID(_ pid: pid_t, layout: ServiceLayout) {
        try? AtomicWrite.write(Array(String(pid).utf8), to: layout.pidFile, mode: 0o644, durable: false)
    }

    public static func removePID(layout: ServiceLayout) {
        unlink(layout.pidFile)
    }
}
