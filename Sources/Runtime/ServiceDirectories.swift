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
    public static func create(_ layout: ServiceLayout, owner: (uid: uid_t, gid: gid_t)?) throws(HabitatError) {
        try RenderedOutput.makeDirectories(layout.path, mode: 0o755)
        for dir in [layout.hooksPath, layout.logsPath] {
            try RenderedOutput.makeDirectories(dir, mode: 0o755)
        }
        for dir in [layout.configPath, layout.dataPath, layout.filesPath, layout.varPath, layout.staticPath, layout.configInstallPath]
        where !FileSystem.isDirectory(dir) {
            try RenderedOutput.makeDirectories(dir, mode: 0o770)
            chmod(dir, 0o770)
            if let owner, geteuid() == 0 {
                guard chown(dir, owner.uid, owner.gid) == 0 else {
                    throw HabitatError(.config, source: dir, "cannot give it to the service user: \(String(cString: strerror(errno)))")
                }
            }
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
