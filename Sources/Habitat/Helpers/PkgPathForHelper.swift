import Handlebars

/// `{{pkgPathFor "origin/name"}}` (spec 3.7): roost's `--pkg-path` mapping
/// for the ident when one is given; else `<pkgsRoot>/<ident>` of the first
/// dependency in `pkg.deps` matching it (Habitat's `pkg_install_path` under
/// its file-system root, the root `{{pkg.path}}` uses too); else an empty
/// string, or an error naming the dependency when strict.
struct PkgPathForHelper {
    let settings: HabitatHelpers

    func call(_ call: HelperCall) throws -> Value {
        guard case .string(let text) = try requiredParam(call, 0), let wanted = PackageIdent(parsing: text) else {
            throw RenderError("Invalid package identifier for \"pkgPathFor\"")
        }
        guard case .array(let deps)? = call.root["pkg"]?["deps"] else {
            throw RenderError("pkgPathFor: the render context has no pkg.deps")
        }
        if let mapped = settings.pkgPaths.first(where: { $0.ident.matches(wanted) || wanted.matches($0.ident) }) {
            return .string(mapped.path)
        }
        for dep in deps {
            guard case .string(let origin)? = dep["origin"], case .string(let name)? = dep["name"],
                  case .string(let version)? = dep["version"], case .string(let release)? = dep["release"] else { continue }
            let ident = PackageIdent(origin: origin, name: name, version: version, release: release)
            if wanted.matches(ident) { return .string(FileSystem.join(settings.pkgsRoot, ident.description)) }
        }
        if settings.strictPkgPathFor {
            throw RenderError("pkgPathFor \"\(text)\": no such dependency is listed in the package's DEPS/TDEPS; install it under \(settings.pkgsRoot), or say where it is with --pkg-path \(text)=PATH")
        }
        return .string("")
    }
}
