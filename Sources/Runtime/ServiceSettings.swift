import Habitat
import Handlebars

/// What the user chose on the command line (or in the environment) about the
/// service to run or render. `start`, `dev` and `render` all fill this in.
public struct ServiceSettings: Sendable {
    /// A package directory, plan folder or ident; "." when not given.
    public var packageArgument: String = "."
    /// Where installed packages are (`/hab/pkgs`).
    public var pkgsRoot = "/hab/pkgs"
    /// Where service directories are made (`/hab/svc`).
    public var svcRoot = "/hab/svc"
    /// Where user.toml files are (`/hab/user`): `<root>/<pkg>/config/user.toml`.
    public var userRoot = "/hab/user"
    public var group = "default"
    public var sysIP: String?
    public var hostname: String?
    /// The process environment, read once at start: the layers and per-key
    /// overrides are read from it, and the service, hooks and roost's helper
    /// processes inherit it.
    public var environment: [String: String] = [:]
    /// `--pkg-path ident=PATH`: where a dependency's files are when it is not
    /// installed under `pkgsRoot` (used by `pkgPathFor`).
    public var pkgPaths: [(ident: PackageIdent, path: String)] = []
    /// Top-level context keys to pin (`--context-override FILE.json`).
    public var contextOverride: Object = Object()
    /// roost's version, shown as `sys.version`.
    public var version = "0.1.0/0"

    public init() {}

    /// user.toml locations for a package, current one first.
    public func userTOMLCandidates(for name: String) -> [String] {
        ["\(userRoot)/\(name)/config/user.toml", ServiceLayout(svcRoot: svcRoot, packageName: name).legacyUserTOML]
    }
}

/// A package with its layered config and render context, ready to render.
public struct LoadedService: Sendable {
    public var package: ServicePackage
    public var layout: ServiceLayout
    public var context: RenderContext
    /// Warnings and notes worth one line each (never values of secrets).
    public var notes: [String]

    public var config: LayeredConfig { context.config }

    /// Reads the package and every config layer; errors name the file or
    /// variable, line and column.
    /// `package`, when the caller has just read it, is not read again.
    public static func load(_ settings: ServiceSettings, binds: [BoundGroup] = [],
                            package alreadyRead: ServicePackage? = nil) throws(HabitatError) -> LoadedService {
        var package: ServicePackage
        if let alreadyRead {
            package = alreadyRead
        } else {
            package = try PackageLocator.load(settings.packageArgument, roots: .init(pkgs: settings.pkgsRoot, svc: settings.svcRoot))
        }
        // The Supervisor drops a package's SSL_CERT_FILE (core/cacerts') when
        // its own environment sets one, so an operator's CA bundle wins.
        if settings.environment["SSL_CERT_FILE"] != nil {
            package.runtimeEnvironment.removeAll { $0.key == "SSL_CERT_FILE" }
        }
        let layout = ServiceLayout(svcRoot: settings.svcRoot, packageName: package.name)
        let config = try LayeredConfig.load(.init(
            defaultTOML: package.defaultTOMLPath,
            userTOML: settings.userTOMLCandidates(for: package.name),
            environment: settings.environment,
            packageName: package.name))
        let (sys, warning) = SystemInfo.discover(ip: settings.sysIP, hostname: settings.hostname,
                                                 service: package.name, version: settings.version)
        var context = RenderContext(package: package, layout: layout, config: config, sys: sys,
                                    group: settings.group, binds: binds,
                                    inheritedPATH: settings.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    overrides: settings.contextOverride)
        context.interpreterPath = InterpreterPackage.pathEntries(pkgsRoot: settings.pkgsRoot,
                                                                 identText: settings.environment["HAB_INTERPRETER_IDENT"])
        var notes = config.notes
        if let warning { notes.append(warning) }
        return LoadedService(package: package, layout: layout, context: context, notes: notes)
    }
}
