import Arguments
import Habitat
import Handlebars
import Runtime
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// Options shared by every command that loads a package (`start`, `dev`,
/// `render`, `config show`).
struct ServiceOptions {
    static let arguments = [
        Positional("PKG", help: "Package: a plan folder (plan.sh or habitat/plan.sh), an installed package directory, or an ident origin/name[/version[/release]] under --pkgs-root.", default: "."),
    ]

    static let options: [Option] = [
        .string("pkg-ident", valueName: "IDENT", help: "An installed package by ident (origin/name[/version[/release]]): the newest matching release under --pkgs-root. Same as giving the ident as PKG."),
        .string("svc-root", valueName: "DIR", help: "Where service directories are made (default: /hab/svc; ./.roost/svc for dev)."),
        .string("pkgs-root", valueName: "DIR", default: "/hab/pkgs", help: "Where installed packages are."),
        .string("user-root", valueName: "DIR", help: "Where user.toml files are: DIR/<pkg>/config/user.toml (default: /hab/user; ./.roost/user for dev)."),
        .string("group", default: "default", help: "The service group's group name (svc.group)."),
        .string("sys-ip", valueName: "IP", help: "This host's address as templates see it (sys.ip); found from the routing table when not given."),
        .string("hostname", valueName: "NAME", help: "Hostname as templates see it (sys.hostname)."),
        .strings("pkg-path", valueName: "IDENT=PATH", help: "Where a dependency that is not installed lives, for pkgPathFor (repeatable)."),
        .strings("bind", valueName: "NAME=HOST[:PORT][,HOST[:PORT]]", help: "Members of a bind (repeatable). Also ROOST_BIND_<NAME>=HOST[:PORT],..."),
        .string("binds-file", valueName: "FILE", help: "TOML file describing binds, with per-member exported values (also ROOST_BINDS_FILE)."),
    ]

    let package: String
    let pkgIdent: String?
    let svcRoot: String?
    let pkgsRoot: String
    let userRoot: String?
    let group: String
    let sysIP: String?
    let hostname: String?
    let pkgPaths: [String]
    let binds: [String]
    let bindsFile: String?

    init(_ arguments: ParsedArguments) {
        package = arguments.argument("PKG") ?? "."
        pkgIdent = arguments.optionalString("pkg-ident")
        svcRoot = arguments.optionalString("svc-root")
        pkgsRoot = arguments.string("pkgs-root")
        userRoot = arguments.optionalString("user-root")
        group = arguments.string("group")
        sysIP = arguments.optionalString("sys-ip")
        hostname = arguments.optionalString("hostname")
        pkgPaths = arguments.strings("pkg-path")
        binds = arguments.strings("bind")
        bindsFile = arguments.optionalString("binds-file")
    }

    /// Settings for `Runtime`, with `defaultSvcRoot`/`defaultUserRoot` used
    /// when the options are not given (`/hab/...` for start, `./.roost/...` for dev).
    func settings(defaultSvcRoot: String = "/hab/svc", defaultUserRoot: String = "/hab/user") throws -> ServiceSettings {
        var s = ServiceSettings()
        if let pkgIdent {
            guard PackageIdent(parsing: pkgIdent) != nil else {
                throw ValidationError("--pkg-ident '\(pkgIdent)' must be origin/name[/version[/release]]")
            }
            s.packageArgument = pkgIdent
        } else {
            // A package folder or plan.sh given relative; an ident stays as typed.
            s.packageArgument = FileSystem.kind(of: package) == .missing ? package : FileSystem.absolute(package)
        }
        try Self.refuseEmpty([("pkgs-root", pkgsRoot as String?), ("svc-root", svcRoot), ("user-root", userRoot),
                              ("binds-file", bindsFile), ("hostname", hostname), ("pkg-ident", pkgIdent)])
        guard !package.isEmpty else { throw ValidationError("PKG must not be empty (use . for the current folder)") }
        guard !group.isEmpty, group.utf8.count <= 255, group.utf8.allSatisfy({ PackageIdent.isNameByte($0) || $0 == UInt8(ascii: ".") }),
              group != ".", group != ".." else {
            throw ValidationError("--group '\(group)' may only hold letters, digits, '_', '-' and '.'")
        }
        // Absolute from here on: hooks and the service run in the service
        // directory, and rendered files name these paths.
        s.pkgsRoot = FileSystem.absolute(pkgsRoot)
        s.svcRoot = FileSystem.absolute(svcRoot ?? defaultSvcRoot)
        s.userRoot = FileSystem.absolute(userRoot ?? defaultUserRoot)
        s.group = group
        if let sysIP {
            var v4 = in_addr(), v6 = in6_addr()
            guard inet_pton(AF_INET, sysIP, &v4) == 1 || inet_pton(AF_INET6, sysIP, &v6) == 1 else {
                throw ValidationError("--sys-ip '\(sysIP)' is not an IPv4 or IPv6 address")
            }
        }
        s.sysIP = sysIP
        s.hostname = hostname
        s.environment = ProcessSpec.currentEnvironment()
        if let error = nonUTF8HabitatVariable() { fail(error) }
        for mapping in pkgPaths {
            guard let eq = mapping.firstIndex(of: "="), let ident = PackageIdent(parsing: String(mapping[..<eq])) else {
                throw ValidationError("--pkg-path '\(mapping)' must be IDENT=PATH, e.g. core/openssl=/usr")
            }
            let path = String(mapping[mapping.index(after: eq)...])
            guard !path.isEmpty else { throw ValidationError("--pkg-path '\(mapping)': the PATH after '=' is empty") }
            s.pkgPaths.append((ident, FileSystem.absolute(path)))
        }
        // The syntax of --bind is checked here (exit 64); whether the
        // package declares the bind is a configuration question (78).
        for option in binds {
            for item in option.split(separator: " ") {
                do {
                    _ = try BindSpec.parse(option: String(item))
                } catch {
                    throw ValidationError(error.description)
                }
            }
        }
        return s
    }

    /// Refuses options given as empty (or holding NUL): they would turn into
    /// paths relative to wherever roost runs. Checked before anything is
    /// read or made.
    static func refuseEmpty(_ options: [(name: String, value: String?)]) throws {
        for (name, value) in options {
            guard let value else { continue }
            guard !value.isEmpty, !value.utf8.contains(0) else { throw ValidationError("--\(name) must not be empty") }
        }
    }

    /// The binds file from the option or `ROOST_BINDS_FILE` in `environment`
    /// (the one read by `settings`: the environment is read once); an empty
    /// `ROOST_BINDS_FILE` is no binds file, as an unset one.
    func effectiveBindsFile(_ environment: [String: String]) -> String? {
        bindsFile ?? environment["ROOST_BINDS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// The first `HAB_*` variable whose value is not UTF-8, as a configuration
/// error naming it and the bad byte (`ProcessSpec.currentEnvironment` would quietly
/// replace such bytes with U+FFFD).
func nonUTF8HabitatVariable() -> HabitatError? {
    var found: HabitatError?
    ProcessSpec.forEachEnvironmentEntry { bytes in
        guard found == nil, bytes.starts(with: "HAB_".utf8), let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { return }
        let value = Array(bytes[(eq + 1)...])
        if String(validating: value, as: UTF8.self) == nil {
            found = HabitatError.notUTF8(value, source: String(decoding: bytes[..<eq], as: UTF8.self))
        }
    }
    return found
}

/// Prints a one-line (or excerpted) error to stderr and exits with its code.
func fail(_ error: HabitatError) -> Never {
    writeStderr("roost: " + error.description + "\n")
    exit(error.exitCode)
}
