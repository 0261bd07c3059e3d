/// Everything roost needs to know about a package, read without executing
/// anything: from an installed `/hab/pkgs/o/n/v/r` directory or from a source
/// plan folder.
public struct ServicePackage: Sendable {
    /// Where it was read from.
    public enum Layout: Sendable, Equatable {
        /// An installed package with metadata files (`IDENT`, `BINDS`, …).
        case installed
        /// A source folder with `plan.sh` (or `habitat/plan.sh`), read statically.
        case plan(planFile: String)
    }

    public var ident: PackageIdent
    public var layout: Layout
    /// The package directory (install dir, or the folder holding plan.sh and
    /// its `config/`, `hooks/`, `default.toml`).
    public var directory: String
    /// `pkg.path` in templates: the install dir, `/hab/pkgs/<ident>` for plans.
    public var installPath: String
    /// Required binds: name → export names the bound service must provide.
    public var binds: [(name: String, exports: [String])] = []
    public var bindsOptional: [(name: String, exports: [String])] = []
    /// export name → dotted cfg path, in file order.
    public var exports: [(name: String, path: String)] = []
    /// Ports as strings, as `pkg.exposes` shows them (installed packages).
    public var exposes: [String] = []
    /// A plan's `pkg_exposes`: export names whose default.toml values are the
    /// ports (resolved when the config is known, as plan-build does).
    public var exposeExportNames: [String] = []
    public var svcUser: String?
    public var svcGroup: String?
    /// Signal name without `SIG` (`TERM`, `HUP`, …) when the package sets one.
    public var shutdownSignal: String?
    public var shutdownTimeoutSeconds: Int?

    /// A shutdown timeout as plan.sh or SHUTDOWN_TIMEOUT gives it: Habitat
    /// reads it as a u32 and refuses the package otherwise. nil: refused.
    static func shutdownTimeout(parsing text: String) -> Int? { UInt32(text).map(Int.init) }
    /// What `shutdownTimeout(parsing:)` takes, for error messages.
    static let shutdownTimeoutRange = "a whole number of seconds from 0 to \(UInt32.max)"
    /// The package's runtime PATH entries (own bins first, then deps).
    public var runtimePath: [String] = []
    /// RUNTIME_ENVIRONMENT without PATH, in file order.
    public var runtimeEnvironment: [(key: String, value: String)] = []
    /// Transitive runtime deps (TDEPS, or DEPS), fully qualified where known.
    public var deps: [PackageIdent] = []
    /// `pkg_svc_run` from a plan, or the body of an installed `run` file.
    public var svcRun: String?
    /// Path of an installed package's generated `run` script, if any.
    public var runFile: String?

    public var name: String { ident.name }
    public var defaultTOMLPath: String { FileSystem.join(directory, "default.toml") }
    public var configDirectory: String { FileSystem.join(directory, "config") }
    public var configInstallDirectory: String { FileSystem.join(directory, "config_install") }
    public var hooksDirectory: String { FileSystem.join(directory, "hooks") }

    public init(ident: PackageIdent, layout: Layout, directory: String, installPath: String) {
        self.ident = ident
        self.layout = layout
        self.directory = directory
        self.installPath = installPath
    }

    /// Names of all binds the package declares, required first.
    public var declaredBindNames: [String] { binds.map(\.name) + bindsOptional.map(\.name) }

    /// The export names a bind's contract requires, or nil for an undeclared bind.
    public func contract(ofBind name: String) -> (exports: [String], required: Bool)? {
        if let b = binds.first(where: { $0.name == name }) { return (b.exports, true) }
        if let b = bindsOptional.first(where: { $0.name == name }) { return (b.exports, false) }
        return nil
    }
}

/// Signal names Habitat accepts in SHUTDOWN_SIGNAL (case-sensitive, no `SIG`).
public let habitatShutdownSignals: [String] = [
    "HUP", "INT", "QUIT", "ILL", "ABRT", "FPE", "KILL", "USR1", "SEGV", "USR2", "ALRM", "TERM", "CHLD",
]
