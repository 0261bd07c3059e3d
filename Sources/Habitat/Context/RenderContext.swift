#if canImport(Glibc)
import Glibc
#endif
import Handlebars

/// Builds the data templates see: `{sys, pkg, cfg, svc, bind}` for config
/// files and runtime hooks, `{pkg, cfg}` for install hooks and
/// `config_install/` (spec 2). Field names and order are Habitat's.
public struct RenderContext: Sendable {
    public var package: ServicePackage
    public var layout: ServiceLayout
    public var config: LayeredConfig
    public var sys: SystemInfo
    /// The service group's group part (`default`).
    public var group: String
    /// Satisfied binds only: an absent bind is missing from `bind`, so
    /// `{{#if bind.x}}` falls back.
    public var binds: [BoundGroup]
    /// roost's own PATH, appended to the package's runtime path.
    public var inheritedPATH: String
    /// The interpreter package's PATH entries (`InterpreterPackage`), between
    /// the package's runtime path and roost's own PATH, as Habitat orders them.
    public var interpreterPath: [String] = []
    /// Top-level keys that replace the computed ones (`--context-override`).
    public var overrides: Object

    public init(package: ServicePackage, layout: ServiceLayout, config: LayeredConfig, sys: SystemInfo,
                group: String = "default", binds: [BoundGroup] = [], inheritedPATH: String, overrides: Object = Object()) {
        self.package = package
        self.layout = layout
        self.config = config
        self.sys = sys
        self.group = group
        self.binds = binds
        self.inheritedPATH = inheritedPATH
        self.overrides = overrides
    }

    /// The user and group the service runs as (spec 2.3): the package's, else
    /// `hab`/`hab` when both exist here, else the current user's.
    public var serviceUser: (user: String, group: String) {
        if let u = package.svcUser, let g = package.svcGroup { return (u, g) }
        if AccountNames.userExists("hab") && AccountNames.groupExists("hab") { return ("hab", "hab") }
        // An id without an entry (a container run with an arbitrary uid) is
        // used as a number, which the service launcher accepts.
        let user = AccountNames.userName(uid: geteuid()) ?? String(geteuid())
        let group = AccountNames.groupName(gid: getegid()) ?? String(getegid())
        return (user, group)
    }

    /// The PATH services and hooks get: the package's runtime path, the
    /// interpreter package's, then roost's.
    public var servicePATH: String {
        Self.mergedPATH(package.runtimePath + interpreterPath + [inheritedPATH])
    }

    /// `lists` (each a PATH or one folder) as one PATH: every entry once,
    /// where it first appears, empty entries dropped. Built as bytes: a Set,
    /// `split`, `joined(separator:)` and String appends cost about 50,000
    /// instructions for a dozen entries, and this runs for the render
    /// context and for every process spawned.
    public static func mergedPATH(_ lists: [String]) -> String {
        var path: [UInt8] = []
        path.reserveCapacity(lists.reduce(0) { $0 + $1.utf8.count + 1 })
        var starts: [Int] = []   // where each entry begins in `path`
        func add(_ entry: UnsafeBufferPointer<UInt8>) {
            guard !entry.isEmpty else { return }
            let seen = path.withUnsafeBufferPointer { written in
                starts.indices.contains { n in
                    let end = n + 1 < starts.count ? starts[n + 1] - 1 : written.count
                    return end - starts[n] == entry.count && memcmp(written.baseAddress! + starts[n], entry.baseAddress!, entry.count) == 0
                }
            }
            if seen { return }
            if !path.isEmpty { path.append(UInt8(ascii: ":")) }
            starts.append(path.count)
            path.append(contentsOf: entry)
        }
        for var list in lists {
            list.withUTF8 { bytes in
                var start = 0
                for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: ":") {
                    add(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    start = index + 1
                }
            }
        }
        return String(decoding: path, as: UTF8.self)
    }

    /// Environment variables the package adds for its processes (`pkg.env`).
    public var packageEnvironment: Object {
        var env = Object()
        for (k, v) in package.runtimeEnvironment { env[k] = .string(v) }
        env["PATH"] = .string(servicePATH)
        return env.sortedByKey()
    }

    /// The ports the package exposes, as strings.
    public var exposes: [String] {
        if !package.exposes.isEmpty { return package.exposes }
        let defaults = config.layers.first { $0.kind == .default }?.values ?? Object()
        let exported = Exports.values(package.exports, config: defaults)
        return package.exposeExportNames.compactMap { name -> String? in
            switch exported[name] {
            case .integer(let i)?: return String(i)
            case .string(let s)?: return s
            default: return nil
            }
        }
    }

    func packageValue(install: Bool) -> Value {
        let user = serviceUser
        var pkg: Object = [
            "ident": .string(package.ident.description),
            "origin": .string(package.ident.origin),
            "name": .string(package.ident.name),
            "version": package.ident.version.map(Value.string) ?? .null,
            "release": package.ident.release.map(Value.string) ?? .null,
            "deps": .array(package.deps.map { dep in
                .object(["origin": .string(dep.origin), "name": .string(dep.name),
                         "version": dep.version.map(Value.string) ?? .null,
                         "release": dep.release.map(Value.string) ?? .null])
            }),
            "env": .object(packageEnvironment),
            "exposes": .array(exposes.map(Value.string)),
            "exports": .object(Object(package.exports.map { ($0.name, Value.string($0.path)) }).sortedByKey()),
            "path": .string(package.installPath),
            "svc_path": .string(layout.path),
            "svc_config_path": .string(layout.path(.config)),
            "svc_data_path": .string(layout.path(.data)),
            "svc_files_path": .string(layout.path(.files)),
            "svc_static_path": .string(layout.path(.static)),
            "svc_var_path": .string(layout.path(.var)),
            "svc_pid_file": .string(layout.pidFile),
            "svc_run": .string(layout.runFile),
            "svc_user": .string(user.user),
            "svc_group": .string(user.group),
        ]
        if install { pkg["svc_config_install_path"] = .string(layout.path(.configInstall)) }
        return .object(pkg)
    }

    /// This container as a census member.
    public var me: Member {
        Member(memberID: sys.memberID, ident: package.ident, service: package.name, group: group,
               ip: sys.ip, hostname: sys.hostname, cfg: Exports.values(package.exports, config: config.merged))
    }

    /// `{sys, pkg, cfg, svc, bind}`.
    public var supervisorValue: Value {
        let me = self.me.value
        let svc: Value = .object([
            "service": .string(package.name), "group": .string(group), "org": .null,
            "election_is_running": false, "election_is_no_quorum": false, "election_is_finished": false,
            "update_election_is_running": false, "update_election_is_no_quorum": false,
            "update_election_is_finished": false,
            "me": me, "members": .array([me]), "leader": .null, "first": me, "update_leader": .null,
        ])
        var bind = Object()
        for b in binds.sorted(by: { $0.name < $1.name }) { bind[b.name] = b.value }
        var context: Object = [
            "sys": sys.value, "pkg": packageValue(install: false), "cfg": .object(config.merged),
            "svc": svc, "bind": .object(bind),
        ]
        for (k, v) in overrides { context[k] = v }
        return .object(context)
    }

    /// `{pkg, cfg}` for install hooks and `config_install/` templates.
    public var installValue: Value {
        var context: Object = ["pkg": packageValue(install: true), "cfg": .object(config.merged)]
        for (k, v) in overrides where k == "pkg" || k == "cfg" { context[k] = v }
        return .object(context)
    }
}
