import Handlebars

/// Habitat's deep merge (`toml_merge`, spec 1.5): for each key of the higher
/// layer, two tables merge recursively; anything else replaces the lower value
/// wholesale. Replaced keys keep their position; new keys are appended.
enum ConfigMerge {
    /// Habitat aborts a merge deeper than this many nested tables.
    static let maxDepth = 30

    struct TooDeep: Error { let path: [String] }

    /// Merges `higher` into `base`, recording in `provenance` the layer that
    /// set each leaf path (tables themselves are not leaves).
    static func merge(_ higher: Object, into base: inout Object, layer: String,
                      provenance: inout [[String]: String], path: [String] = [], depth: Int = 0) throws(TooDeep) {
        if depth > maxDepth { throw TooDeep(path: path) }
        for (key, value) in higher {
            let keyPath = path + [key]
            if case .object(let hi) = value, case .object(var lo)? = base[key] {
                try merge(hi, into: &lo, layer: layer, provenance: &provenance, path: keyPath, depth: depth + 1)
                base[key] = .object(lo)
            } else {
                if let old = base[key] { forgetLeaves(of: old, at: keyPath, in: &provenance) }
                base[key] = value
                recordLeaves(of: value, at: keyPath, layer: layer, in: &provenance)
            }
        }
    }

    /// Records `layer` for every leaf below `path`. One path buffer grows and
    /// shrinks as the walk goes (copying it per level made memory grow with
    /// the square of the depth); the walk is as deep as the value, which is
    /// within `Nesting.maxDepth`.
    static func recordLeaves(of value: Value, at path: [String], layer: String, in provenance: inout [[String]: String]) {
        var buffer = path
        walkLeaves(of: value, path: &buffer) { provenance[$0] = layer }
    }

    static func forgetLeaves(of value: Value, at path: [String], in provenance: inout [[String]: String]) {
        var buffer = path
        walkLeaves(of: value, path: &buffer) { provenance[$0] = nil }
    }

    /// Calls `visit` with the path of each leaf (a non-table, or an empty table).
    private static func walkLeaves(of value: Value, path: inout [String], _ visit: ([String]) -> Void) {
        if case .object(let o) = value, !o.isEmpty {
            for (k, v) in o {
                path.append(k)
                walkLeaves(of: v, path: &path, visit)
                path.removeLast()
            }
        } else {
            visit(path)
        }
    }
}
