import Handlebars

/// strConcat, strJoin, strReplace, toUppercase, toLowercase (spec 3.7).
enum StringHelpers {
    /// A value as strConcat/strJoin show it: compact JSON with every `"`
    /// removed (so `null` for missing, `[a,b]` for arrays); objects give nil.
    static func piece(_ v: Value) -> String? {
        if case .object = v { return nil }
        return String(JSONCodec.compact(v).unicodeScalars.filter { $0 != "\"" }.map(Character.init))
    }

    static func strConcat(_ call: HelperCall) throws -> Value {
        .string(call.params.compactMap(piece).joined())
    }

    static func strJoin(_ call: HelperCall) throws -> Value {
        guard case .array(let items) = try requiredParam(call, 0) else {
            throw RenderError("strJoin: the first argument must be a list")
        }
        guard case .string(let separator) = try requiredParam(call, 1) else {
            throw RenderError("strJoin: the second argument must be a string")
        }
        return .string(items.compactMap(piece).joined(separator: separator))
    }

    static func string(_ call: HelperCall, _ index: Int) throws -> String {
        guard case .string(let s) = try requiredParam(call, index) else {
            throw RenderError("\(call.name): argument \(index + 1) must be a string")
        }
        return s
    }

    static func strReplace(_ call: HelperCall) throws -> Value {
        let s = try string(call, 0), old = try string(call, 1), new = try string(call, 2)
        if old.isEmpty {
            // Rust's str::replace with an empty pattern inserts before every char and at the end.
            var out = new
            for ch in s { out.append(ch); out += new }
            return .string(out)
        }
        return .string(s.replacingAll(old, with: new))
    }

    static func toUppercase(_ call: HelperCall) throws -> Value { .string(try string(call, 0).uppercased()) }
    static func toLowercase(_ call: HelperCall) throws -> Value { .string(lowercase(try string(call, 0))) }

    /// Full Unicode lowercase, with Rust's final-sigma rule: `Σ` becomes `ς`
    /// at the end of a word (after a cased letter, not before one).
    static func lowercase(_ s: String) -> String {
        guard s.contains("Σ") else { return s.lowercased() }
        let chars = Array(s)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c == "Σ" {
                let before = chars[..<i].last(where: { !$0.isCaseIgnorable })
                let after = chars[(i + 1)...].first(where: { !$0.isCaseIgnorable })
                out += (before?.isCased ?? false) && !(after?.isCased ?? false) ? "ς" : "σ"
            } else {
                out += c.lowercased()
            }
        }
        return out
    }
}

extension Character {
    /// Unicode's Case_Ignorable (apostrophes, combining marks), approximately.
    var isCaseIgnorable: Bool {
        unicodeScalars.allSatisfy { $0.properties.isCaseIgnorable }
    }
}
