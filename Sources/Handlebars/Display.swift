/// How values print and which are true, as handlebars-rust does it.
extension Value {
    /// `{{x}}` output: strings as they are, numbers as serde_json prints them,
    /// `[a, b]` for arrays, `[object]` for objects, nothing for null.
    public var renderedText: String {
        var out = ""
        appendRendered(to: &out)
        return out
    }

    func appendRendered(to out: inout String) {
        switch self {
        case .null: break
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .unsigned(let u): out += String(u)
        case .float(let d): out += NumberFormat.json(d)
        case .string(let s): out += s
        case .object: out += "[object]"
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += ", " }
                item.appendRendered(to: &out)
            }
            out += "]"
        }
    }

    /// Truthiness for `if`, `unless`, `with` and `each`'s else: false, null,
    /// "", [], {}, 0 and 0.0 (and subnormal floats) are false; `includeZero`
    /// makes zero true.
    public func isTruthy(includeZero: Bool = false) -> Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .integer(let i): return i != 0 || includeZero
        case .unsigned: return true
        case .float(let d): return includeZero ? !d.isNaN : d.isNormal
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }
}
