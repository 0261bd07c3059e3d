import Handlebars

/// Which config keys hold secrets, and how they are hidden in output.
public enum Secrets {
    /// Words that mark a key as secret anywhere in its name
    /// (`db_password`, `api_token`, `client_secret`), case-insensitively.
    public static let markers = ["password", "passwd", "secret", "token"]
    public static let redacted = "<redacted>"

    /// A key is secret when it contains a marker, or when its last word ends
    /// in `key` (`ssl_key`, `apikey`, `private-key`; not `key_type`).
    public static func isSecret(key: String) -> Bool {
        let lower = key.lowercased()
        if markers.contains(where: { lower.contains($0) }) { return true }
        let lastWord = lower.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).last ?? ""
        return lastWord.hasSuffix("key")
    }

    /// The value with every secret leaf replaced by `<redacted>`, and also
    /// every leaf at one of `paths` (values read from a `…_FILE` secret,
    /// whatever their key is called).
    public static func redact(_ value: Value, alsoAt paths: Set<[String]> = []) -> Value {
        redact(value, path: [], paths: paths)
    }

    static func redact(_ value: Value, path: [String], paths: Set<[String]>) -> Value {
        switch value {
        case .object(let o):
            var out = Object()
            for (k, v) in o {
                let childPath = path + [k]
                if v.objectValue == nil, isSecret(key: k) || paths.contains(childPath) {
                    out[k] = .string(redacted)
                } else {
                    out[k] = redact(v, path: childPath, paths: paths)
                }
            }
            return .object(out)
        case .array(let items): return .array(items.map { redact($0, path: path, paths: paths) })
        default: return value
        }
    }

    /// The config paths whose value came from a per-key secret file
    /// (`HAB_<PKG>__a__b_FILE`), from a layered config's provenance.
    public static func pathsFromSecretFiles(_ provenance: [[String]: String]) -> Set<[String]> {
        Set(provenance.filter { $0.value.contains("__") && $0.value.hasSuffix("_FILE") }.keys)
    }

    /// The secret string values in a cfg, longest first, for masking them
    /// in text such as a diff of rendered files: the strings `redact` hides,
    /// so both agree on what a secret is. Values shorter than 4 characters
    /// are left alone: masking them would hide ordinary text and protect
    /// nothing.
    public static func values(in cfg: Value, alsoAt paths: Set<[String]> = []) -> [String] {
        var found: Set<String> = []
        func walk(_ real: Value, _ hidden: Value) {
            switch (real, hidden) {
            case (.object(let r), .object(let h)):
                for (k, v) in r { if let w = h[k] { walk(v, w) } }
            case (.array(let r), .array(let h)):
                for (v, w) in zip(r, h) { walk(v, w) }
            case (.string(let s), .string(redacted)) where s != redacted && s.count >= 4:
                found.insert(s)
            default:
                break
            }
        }
        walk(cfg, redact(cfg, alsoAt: paths))
        return found.sorted { $0.count > $1.count }
    }

    /// `text` with every occurrence of each of `values` replaced by `<redacted>`.
    public static func mask(_ text: String, values: [String]) -> String {
        var out = text
        for v in values where out.contains(v) { out = out.replacingAll(v, with: redacted) }
        return out
    }
}
