import Handlebars

/// `{{toLowercase s}}`: full Unicode lowercase with Rust's final-sigma rule
/// (spec 3.7).
enum ToLowercaseHelper {
    static func call(_ call: HelperCall) throws -> Value { .string(lowercase(try stringParam(call, 0))) }

    /// `Σ` becomes `ς` at the end of a word (after a cased letter, not
    /// before one), `σ` elsewhere, as Rust's `to_lowercase` does.
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
