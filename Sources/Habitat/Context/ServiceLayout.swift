/// The service directory `/hab/svc/<name>` and what lives in it (spec 6),
/// under a root that can be moved (`--svc-root`, or `./.roost/svc` in dev).
public struct ServiceLayout: Sendable, Equatable {
    public var path: String
    /// roost's own state for this service (the health record): a folder of
    /// roost's user (root in a container), 0755, `<svc>/<name>/.roost`, beside
    /// `hooks/` in the directory roost owns (the Supervisor's is its own user's,
    /// 0755), and never in `var`, `data`, `files` or `static`, where the
    /// Supervisor writes nothing and the service's hooks may `chgrp -R` or
    /// plant links. Inside the service directory, it works wherever that
    /// directory is writable: a tmpfs or emptyDir at `/hab/svc/<name>` under a
    /// read-only root, including the mount point an engine makes for a volume.
    public var statePath: String

    public init(svcRoot: String, packageName: String) {
        path = FileSystem.join(svcRoot, packageName)
        statePath = FileSystem.join(path, ".roost")
    }

    /// The folders of a service directory, by their names in it.
    public enum Folder: String, CaseIterable, Sendable {
        case config, configInstall = "config_install", data, files, `static`, `var`, hooks, logs

        /// The folders made for the service user; roost owns the others.
        public static let service: [Folder] = [.config, .data, .files, .var, .static, .configInstall]
    }

    /// `<svc>/<name>/<folder>`.
    public func path(_ folder: Folder) -> String { path + "/" + folder.rawValue }

    public var pidFile: String { path + "/PID" }
    public var runFile: String { path + "/run" }
    /// roost's record of the last health check (`roost health` reads it).
    public var healthFile: String { statePath + "/health" }
    /// Habitat's deprecated user.toml location.
    public var legacyUserTOML: String { path + "/user.toml" }
}
