import Handlebars
import TOML

/// The one nesting bound of the Habitat module: how deep a value may nest,
/// counting every object (table) and array on the longest path, the
/// outermost included. The TOML decoder (`TOML.maxDepth`) and the JSON reader
/// stop at the same depth, so every value roost reads fits; the merge, the
/// conversions and the `toJson`/`toToml`/`toYaml` writers recurse at most
/// this deep, and the writers refuse anything deeper given to them.
public enum Nesting {
    public static let maxDepth = TOML.maxDepth

    /// A value nested deeper than `maxDepth`.
    public struct TooDeep: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "nested more than \(Nesting.maxDepth) levels deep (objects and arrays)" }
    }

    /// Whether `value` nests deeper than `maxDepth`. The walk stops at the
    /// bound, so it recurses at most `maxDepth + 1` levels itself.
    public static func exceedsLimit(_ value: Value) -> Bool {
        exceeds(value, level: 0)
    }

    /// Throws `TooDeep` when `value` nests deeper than `maxDepth`.
    public static func check(_ value: Value) throws(TooDeep) {
        if exceedsLimit(value) { throw TooDeep() }
    }

    private static func exceeds(_ value: Value, level: Int) -> Bool {
        switch value {
        case .array(let items):
            if level + 1 > maxDepth { return true }
            return items.contains { exceeds($0, level: level + 1) }
        case .object(let object):
            if level + 1 > maxDepth { return true }
            return object.contains { exceeds($0.value, level: level + 1) }
        default:
            return false
        }
    }
}
