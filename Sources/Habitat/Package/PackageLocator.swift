/// Finds a package from what the user typed: a directory (installed layout
/// with `IDENT`, or a plan folder with `plan.sh` or `habitat/plan.sh`), or an
/// ident `origin/name[/version[/release]]` resolved to the newest release
/// installed under the packages root (`/hab/pkgs`).
public enum PackageLocator {
    /// Filesystem roots a package is read against.
    public struct Roots: Sendable {
        /// Where installed packages live (`/hab/pkgs`).
        public var pkgs: String
        /// Where service directories live (`/hab/svc`).
        public var svc: String
        public init(pkgs: String = "/hab/pkgs", svc: String = "/hab/svc") {
            self.pkgs = pkgs
            self.svc = svc
        }
    }

    public static func load(_ argument: String, roots: Roots) throws(HabitatError) -> ServicePackage {
        let path = argument.hasSuffix("/") && argument.count > 1 ? String(argument.dropLast()) : argument
        if FileSystem.isDirectory(path) {
            if FileSystem.isFile(FileSystem.join(path, "IDENT")) {
                return try InstalledPackageReader.read(directory: path)
            }
            for candidate in ["plan.sh", "habitat/plan.sh"] where FileSystem.isFile(FileSystem.join(path, candidate)) {
                return try PlanPackageReader.read(planFile: FileSystem.join(path, candidate), svcRoot: roots.svc, pkgsRoot: roots.pkgs)
            }
            throw HabitatError(.config, source: path,
                               "not a Habitat package: looked for IDENT (installed package), plan.sh and habitat/plan.sh (plan folder)")
        }
        if FileSystem.isFile(path), path.hasSuffix("plan.sh") {
            return try PlanPackageReader.read(planFile: path, svcRoot: roots.svc, pkgsRoot: roots.pkgs)
        }
        if let ident = PackageIdent(parsing: argument), !argument.hasPrefix("."), !argument.hasPrefix("/") {
            guard let found = newestInstalled(ident, pkgsRoot: roots.pkgs) else {
                throw HabitatError(.config, source: argument,
                                   "no installed release of \(ident) under \(roots.pkgs) (and no such directory)")
            }
            return try InstalledPackageReader.read(directory: found.directory)
        }
        throw HabitatError(.config, source: argument,
                           "no such package directory, and not an ident of the form origin/name[/version[/release]]")
    }

    /// The newest installed release matching a (possibly partial) ident.
    public static func newestInstalled(_ ident: PackageIdent, pkgsRoot: String) -> (ident: PackageIdent, directory: String)? {
        let base = "\(pkgsRoot)/\(ident.origin)/\(ident.name)"
        var best: PackageIdent?
        for version in FileSystem.list(base) where ident.version == nil || ident.version == version {
            for release in FileSystem.list("\(base)/\(version)") where ident.release == nil || ident.release == release {
                guard FileSystem.isDirectory("\(base)/\(version)/\(release)") else { continue }
                let candidate = PackageIdent(origin: ident.origin, name: ident.name, version: version, release: release)
                if best.map({ isNewer(candidate, than: $0) }) ?? true { best = candidate }
            }
        }
        return best.map { ($0, "\(pkgsRoot)/\($0)") }
    }

    /// Habitat-style ordering: versions compared part by part (numbers
    /// numerically), then releases (timestamps) as text.
    static func isNewer(_ a: PackageIdent, than b: PackageIdent) -> Bool {
        let order = compareVersions(a.version ?? "", b.version ?? "")
        if order != 0 { return order > 0 }
        return (a.release ?? "") > (b.release ?? "")
    }

    static func compareVersions(_ a: String, _ b: String) -> Int {
        let pa = a.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" })
        let pb = b.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" })
        for k in 0..<max(pa.count, pb.count) {
            guard k < pa.count else { return -1 }
            guard k < pb.count else { return 1 }
            if let x = Int(pa[k]), let y = Int(pb[k]) {
                if x != y { return x < y ? -1 : 1 }
            } else if pa[k] != pb[k] {
                return pa[k] < pb[k] ? -1 : 1
            }
        }
        return 0
    }
}
