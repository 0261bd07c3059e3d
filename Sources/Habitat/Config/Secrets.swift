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

    /// `text` with every occurrence of each of `values`, in any of its
    /// escaped forms and each line of a multi-line value (see `forms`),
    /// replaced by `<redacted>`.
    public static func mask(_ text: String, values: [String]) -> String {
        var out = text
        for v in forms(of: values) where out.contains(v) { out.replace(v, with: redacted) }
        return out
    }
}

extension Secrets {
    /// `line` cut after the first assignment to a secret-looking key
    /// (`db_password = "…`, `"api_token": "…`, `ssl_key: …`), which then
    /// reads `db_password = <redacted>`; nil when the line assigns no secret.
    /// Quoted text is skipped as a whole, so a value that merely mentions a
    /// word is not taken for a key. Used for source lines quoted in errors
    /// and for old lines of a diff, whose values roost does not know.
    public static func redactAssignment(in line: some StringProtocol) -> String? {
        let chars = Array(line)
        func isKeyChar(_ c: Character) -> Bool {
            c.isLetter || c.isNumber || c == "_" || c == "-" || c == "."
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var key: String
            var k: Int
            if c == "\"" || c == "'" {
                var j = i + 1
                while j < chars.count, chars[j] != c { j += chars[j] == "\\" && c == "\"" ? 2 : 1 }
                key = String(chars[(i + 1)..<min(j, chars.count)])
                k = min(j + 1, chars.count)
            } else if isKeyChar(c) {
                var j = i
                while j < chars.count, isKeyChar(chars[j]) { j += 1 }
                key = String(chars[i..<j])
                k = j
            } else {
                i += 1
                continue
            }
            var after = k
            while after < chars.count, chars[after] == " " || chars[after] == "\t" { after += 1 }
            if after < chars.count, chars[after] == "=" || chars[after] == ":", isSecret(key: key) {
                return String(chars[..<(after + 1)]) + " " + redacted
            }
            i = max(k, i + 1)
        }
        return nil
    }

    /// Lines of `text` (split on "\n") as they may be shown: a line that
    /// assigns a secret is cut (see `redactAssignment`), and every line
    /// inside a multi-line string (`"""`/`'''`) opened on such a line is
    /// `<redacted>` whole.
    public static func redactedSourceLines(_ text: String) -> [String] {
        var out: [String] = []
        var open: (delimiter: String, secret: Bool)?
        for raw in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(String.UnicodeScalarView(raw))
            let insideSecret = open?.secret == true
            let assignment = redactAssignment(in: line)
            out.append(insideSecret ? redacted : assignment ?? line)
            // Track multi-line strings: each delimiter toggles, in order. One
            // pass over the bytes (searching the rest of the line for each
            // delimiter in turn was quadratic: a line of 40,000 `"""` took a
            // minute to report an error elsewhere in the file).
            let bytes = Array(line.utf8)
            var k = 0
            while k + 2 < bytes.count {
                let b = bytes[k]
                guard (b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")) && bytes[k + 1] == b && bytes[k + 2] == b else {
                    k += 1
                    continue
                }
                let d = b == UInt8(ascii: "'") ? "'''" : "\"\"\""
                if let current = open {
                    if current.delimiter == d { open = nil }
                } else {
                    open = (d, insideSecret || assignment != nil)
                }
                k += 3
            }
        }
        return out
    }

    /// Every form in which each of `values` can appear in rendered text: as
    /// is, JSON/TOML-escaped (what `toJson` and `toToml` write), HTML-escaped,
    /// and each line (4 characters or more) of a multi-line value. Longest
    /// first, so masking never leaves part of a longer form behind.
    public static func forms(of values: [String]) -> [String] {
        var found: Set<String> = []
        for v in values {
            for form in [v, jsonEscaped(v), htmlEscaped(v)] {
                if form.count >= 4 { found.insert(form) }
                let lines = form.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                for part in lines + form.split(separator: "\\n", omittingEmptySubsequences: false) {
                    let piece = part.trimming { $0 == " " || $0 == "\t" || $0 == "\r" }
                    if piece.count >= 4 { found.insert(piece) }
                }
            }
        }
        return found.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// `s` as `toJson` writes it between its quotes (the same escaping).
    static func jsonEscaped(_ s: String) -> String {
        var quoted = ""
        JSONCodec.quote(s, into: &quoted)
        return String(quoted.dropFirst().dropLast())
    }

    /// `s` as the engine's HTML escaping writes it.
    static func htmlEscaped(_ s: String) -> String { Escaping.html.apply(s) }
}
