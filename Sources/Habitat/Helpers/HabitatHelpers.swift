import Handlebars

/// Habitat's ten helpers (spec 3.7) and the settings roost adds to them.
public struct HabitatHelpers: Sendable {
    /// `--pkg-path IDENT=PATH` mappings, consulted by `pkgPathFor` first:
    /// an explicit mapping wins over a dependency listed in `pkg.deps`.
    public var pkgPaths: [(ident: PackageIdent, path: String)]
    /// Where packages are installed (`--pkgs-root`, `/hab/pkgs` by default):
    /// `pkgPathFor` of a listed dependency is `<pkgsRoot>/<ident>`, the same
    /// root `{{pkg.path}}` uses, as Habitat joins both to its FS root.
    public var pkgsRoot: String
    /// When true, `pkgPathFor` of a dependency found nowhere is an error
    /// naming it (Habitat renders an empty string, which breaks the service
    /// later and more obscurely).
    public var strictPkgPathFor: Bool

    public init(pkgPaths: [(ident: PackageIdent, path: String)] = [], pkgsRoot: String = "/hab/pkgs", strictPkgPathFor: Bool = false) {
        self.pkgPaths = pkgPaths
        self.pkgsRoot = pkgsRoot
        self.strictPkgPathFor = strictPkgPathFor
    }

    /// A renderer configured like Habitat's: no HTML escaping (spec 3.1:
    /// `{{x}}` is `{{{x}}}`), the built-ins plus these helpers.
    public static func makeRenderer(_ settings: HabitatHelpers = HabitatHelpers()) -> Handlebars {
        var h = Handlebars()
        h.escaping = .none
        h.registerHelper("eachAlive", EachAliveHelper.call)
        h.registerHelper("pkgPathFor", PkgPathForHelper(settings: settings).call)
        h.registerHelper("strConcat", StrConcatHelper.call)
        h.registerHelper("strJoin", StrJoinHelper.call)
        h.registerHelper("strReplace", StrReplaceHelper.call)
        h.registerHelper("toUppercase", ToUppercaseHelper.call)
        h.registerHelper("toLowercase", ToLowercaseHelper.call)
        h.registerHelper("toJson", ToJsonHelper.call)
        h.registerHelper("toToml", ToTomlHelper.call)
        h.registerHelper("toYaml", ToYamlHelper.call)
        return h
    }
}

/// The argument a helper needs at `index`, or the error Habitat gives.
func requiredParam(_ call: HelperCall, _ index: Int) throws -> Value {
    guard let v = call.param(index) else {
        throw RenderError("Param not found for helper \"\(call.name)\" (argument \(index + 1) is missing)")
    }
    return v
}

/// String argument `index`, or an error naming the helper and argument.
func stringParam(_ call: HelperCall, _ index: Int) throws -> String {
    guard case .string(let s) = try requiredParam(call, index) else {
        throw RenderError("\(call.name): argument \(index + 1) must be a string")
    }
    return s
}

/// A value as strConcat and strJoin show it: compact JSON with every `"`
/// removed (so `null` for missing, `[a,b]` for arrays); objects give nil.
func helperText(_ v: Value) -> String? {
    if case .object = v { return nil }
    return String(JSONCodec.compact(v).unicodeScalars.filter { $0 != "\"" }.map(Character.init))
}
