import Handlebars

/// `{{strReplace s old new}}`: every `old` in `s` replaced, as Rust's
/// `str::replace` does (spec 3.7).
enum StrReplaceHelper {
    static func call(_ call: HelperCall) throws -> Value {
        let s = try stringParam(call, 0), old = try stringParam(call, 1), new = try stringParam(call, 2)
        if old.isEmpty {
            // Rust's str::replace with an empty pattern inserts before every char and at the end.
            var out = new
            for ch in s { out.append(ch); out += new }
            return .string(out)
        }
        return .string(s.replacing(old, with: new))
    }
}
