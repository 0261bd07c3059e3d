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

    static func recordLeaves(of value: Value, at path: [String], layer: String, in provenance: inout [[String]: String]) {
        if case .object(let o) = value, !o.isEmpty {
            for (k, v) in o { recordLeaves(of: v, at: path + [k], layer: layer, in: &provenance) }
        } else {
            provenance[path] = layer
        }
    }

    static func forgetLeaves(of value: Value, at path: [String], in provenance: inout [[String]: String]) {
        if case .object(let o) = value, !o.isEmpty {
            for (k, v) in o { forgetLeaves(of: v, at: path + [k], in: &provenance) }
        } else {
            provenance[path] = nil
        }
    }
}
