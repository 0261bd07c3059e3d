import Handlebars

/// Which config keys hold secrets, and how they are hidden in output.
public enum Secrets {
    /// Words that mark a key as secret, matched case-insensitively anywhere in
    /// the key name (`db_password`, `api_token`, `ssl_key`).
    public static let markers = ["password", "secret", "token", "key"]
    public static let redacted = "<redacted>"

    public static func isSecret(key: String) -> Bool {
        let lower = key.lowercased()
        return markers.contains { lower.contains($0) }
    }

    /// The value with every secret leaf replaced by `<redacted>`.
    public static func redact(_ value: Value) -> Value {
        switch value {
        case .object(let o):
            var out = Object()
            for (k, v) in o {
                if isSecret(key: k), v.objectValue == nil { out[k] = .string(redacted) } else { out[k] = redact(v) }
            }
            return .object(out)
        case .array(let items): return .array(items.map(redact))
        default: return value
        }
    }
}
