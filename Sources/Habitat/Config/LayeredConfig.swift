import Handlebars

/// The service's configuration, layered as the Supervisor layers it (spec
/// 1.1): default.toml ← environment ← user.toml. Gossip does not exist in a
/// lone container.
public struct LayeredConfig: Sendable {
    /// One layer, in precedence order (lowest first).
    public struct Layer: Sendable {
        public enum Kind: String, Sendable { case `default`, environment, user }
        public var kind: Kind
        /// The file path or variable name the values came from.
        public var source: String
        public var values: Object
        /// The values with TOML's `inf` and `nan` kept as floats (templates
        /// see them as null); nil when the layer has none.
        public var exactValues: Object? = nil
    }

    public private(set) var layers: [Layer] = []
    /// The merged table templates see as `cfg`.
    public private(set) var merged = Object()
    /// For each leaf key path, the source (file or variable) that set it.
    public private(set) var provenance: [[String]: String] = [:]
    /// Things the user should know (a deprecated location, a repaired value).
    public private(set) var notes: [String] = []

    public init() {}

    /// Where a package's layers are read from.
    public struct Sources: Sendable {
        public var defaultTOML: String?
        /// user.toml candidates in order; the first that exists is used
        /// (Habitat's current location, then the deprecated one).
        public var userTOML: [String]
        public var environment: [String: String]
        public var packageName: String

        public init(defaultTOML: String?, userTOML: [String], environment: [String: String], packageName: String) {
            self.defaultTOML = defaultTOML
            self.userTOML = userTOML
            self.environment = environment
            self.packageName = packageName
        }
    }

    /// Reads and merges every layer. A file that cannot be opened is absent;
    /// a syntax error anywhere is an error naming the file or variable, line
    /// and column.
    public static func load(_ sources: Sources) throws(HabitatError) -> LayeredConfig {
        var config = LayeredConfig()
        if let path = sources.defaultTOML, let text = try readOptionalText(path) {
            let decoded = try decodeTOMLLayer(text, source: path)
            try config.add(Layer(kind: .default, source: path, values: decoded.values, exactValues: decoded.exact))
        }
        for piece in try EnvironmentLayer.pieces(package: sources.packageName, environment: sources.environment,
                                                 lower: config.merged) {
            config.notes += piece.notes.map { "\(piece.source): \($0)" }
            try config.add(Layer(kind: .environment, source: piece.source, values: piece.values))
        }
        if let user = try loadUser(candidates: sources.userTOML) {
            if user.source != sources.userTOML.first {
                config.notes.append("\(user.source) is a deprecated location; move it to \(sources.userTOML.first ?? "")")
            }
            try config.add(user)
        }
        return config
    }

    /// The user layer from the first candidate file that exists, or nil.
    public static func loadUser(candidates: [String]) throws(HabitatError) -> Layer? {
        for path in candidates {
            if let text = try readOptionalText(path) {
                let decoded = try decodeTOMLLayer(text, source: path)
                return Layer(kind: .user, source: path, values: decoded.values, exactValues: decoded.exact)
            }
        }
        return nil
    }

    /// The same config with its user layer replaced (nil removes it): used
    /// when user.toml changes at run time.
    public func replacingUserLayer(_ user: Layer?) throws(HabitatError) -> LayeredConfig {
        var config = LayeredConfig()
        config.notes = notes
        for layer in layers where layer.kind != .user { try config.add(layer) }
        if let user { try config.add(user) }
        return config
    }

    /// The merged table with TOML's `inf` and `nan` as floats rather than
    /// the nulls templates see: what `config show` prints as TOML.
    public var mergedForDisplay: Object {
        guard layers.contains(where: { $0.exactValues != nil }) else { return merged }
        var out = Object()
        var ignored: [[String]: String] = [:]
        for layer in layers {
            // These layers merged once already, so this merge cannot fail.
            try? ConfigMerge.merge(layer.exactValues ?? layer.values, into: &out, layer: layer.source, provenance: &ignored)
        }
        return out
    }

    private mutating func add(_ layer: Layer) throws(HabitatError) {
        do {
            try ConfigMerge.merge(layer.values, into: &merged, layer: layer.source, provenance: &provenance)
        } catch {
            throw HabitatError(.config, source: layer.source,
                               "tables nested more than \(ConfigMerge.maxDepth) deep at '\(error.path.joined(separator: "."))'")
        }
        layers.append(layer)
    }

    /// Text of a file that may be absent; not UTF-8 is an error (Habitat
    /// would silently drop the layer, which hides the mistake), and so is a
    /// path that exists but is not a readable regular file (a directory, a
    /// FIFO, a device, too large): the operator meant a layer there.
    private static func readOptionalText(_ path: String) throws(HabitatError) -> String? {
        switch FileSystem.readText(path) {
        case .text(let s): return s
        case .missing: return nil
        case .unreadable(let reason): throw HabitatError(.config, source: path, reason)
        case .notText:
            // Read again for the position of the bad byte (only on this error path).
            throw HabitatError.notUTF8(FileSystem.readBytes(path) ?? [], source: path)
        }
    }
}
