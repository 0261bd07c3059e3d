import Handlebars

/// Habitat's ten helpers (spec 3.7) and the settings roost adds to them.
public struct HabitatHelpers: Sendable {
    /// `--pkg-path IDENT=PATH` mappings, consulted by `pkgPathFor` for a
    /// dependency that is not among the installed `pkg.deps`.
    public var pkgPaths: [(ident: PackageIdent, path: String)]
    /// When true, `pkgPathFor` of a dependency found nowhere is an error
    /// naming it (Habitat renders an empty string, which breaks the service
    /// later and more obscurely).
    public var strictPkgPathFor: Bool

    public init(pkgPaths: [(ident: PackageIdent, path: String)] = [], strictPkgPathFor: Bool = false) {
        self.pkgPaths = pkgPaths
        self.strictPkgPathFor = strictPkgPathFor
    }

    /// A renderer configured like Habitat's: the built-ins plus these helpers.
    public static func makeRenderer(_ settings: HabitatHelpers = HabitatHelpers()) -> Handlebars {
        var h = Handlebars()
        h.registerHelper("eachAlive", EachAliveHelper.call)
        h.registerHelper("pkgPathFor", PkgPathForHelper(settings: settings).call)
        h.registerHelper("strConcat", StringHelpers.strConcat)
        h.registerHelper("strJoin", StringHelpers.strJoin)
        h.registerHelper("strReplace", StringHelpers.strReplace)
        h.registerHelper("toUppercase", StringHelpers.toUppercase)
        h.registerHelper("toLowercase", StringHelpers.toLowercase)
        h.registerHelper("toJson", SerializerHelpers.toJson)
        h.registerHelper("toToml", SerializerHelpers.toToml)
        h.registerHelper("toYaml", SerializerHelpers.toYaml)
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
