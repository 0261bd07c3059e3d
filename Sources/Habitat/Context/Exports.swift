import Handlebars

/// A member's exported config (spec 2.8): for each `name=dotted.path` export,
/// the value at that path of the merged config. Habitat's walk quirk is kept:
/// a missing segment does not stop the walk (the next segment is looked up in
/// the same table); a missing last segment exports nothing.
public enum Exports {
    public static func values(_ exports: [(name: String, path: String)], config: Object) -> Object {
        var out = Object()
        for (name, path) in exports {
            var current: Value = .object(config)
            var found = false
            for segment in path.split(separator: ".", omittingEmptySubsequences: false) {
                if let next = current[String(segment)] {
                    current = next
                    found = true
                } else {
                    found = false
                }
            }
            if found { out[name] = current }
        }
        return out
    }
}
