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
