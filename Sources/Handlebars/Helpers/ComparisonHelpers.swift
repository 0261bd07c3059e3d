/// `eq ne gt gte lt lte and or not len`, as handlebars-rust defines them.
/// All but `len` also work as blocks: `{{#eq a b}}same{{else}}not{{/eq}}`.
enum ComparisonHelpers {
    static func register(into h: inout Handlebars) {
        h.registerHelper("eq") { call in try result(call, try pair(call) { $0 == $1 }) }
        h.registerHelper("ne") { call in try result(call, try pair(call) { $0 != $1 }) }
        h.registerHelper("gt") { call in try result(call, try pair(call) { compare($0, $1) == 1 }) }
        h.registerHelper("gte") { call in try result(call, try pair(call) { [0, 1].contains(compare($0, $1)) }) }
        h.registerHelper("lt") { call in try result(call, try pair(call) { compare($0, $1) == -1 }) }
        h.registerHelper("lte") { call in try result(call, try pair(call) { [0, -1].contains(compare($0, $1)) }) }
        // With no arguments, `and` is true and `or` false (all of none, any of none).
        h.registerHelper("and") { call in try result(call, call.params.allSatisfy { $0.isTruthy() }) }
        h.registerHelper("or") { call in try result(call, call.params.contains { $0.isTruthy() }) }
        h.registerHelper("not") { call in try result(call, !(try BuiltinHelpers.firstParam(call)).isTruthy()) }
        h.registerHelper("len") { call in
            switch try BuiltinHelpers.firstParam(call) {
            case .array(let a): return .integer(Int64(a.count))
            case .object(let o): return .integer(Int64(o.count))
            case .string(let s): return .integer(Int64(s.utf8.count))
            default: return .integer(0)
            }
        }
    }

    /// The value, or as a block its body when true and its `{{else}}` when false.
    static func result(_ call: HelperCall, _ value: Bool) throws -> Value {
        guard call.isBlock else { return .bool(value) }
        return .string(value ? try call.renderBlock() : try call.renderInverse())
    }

    static func pair(_ call: HelperCall, _ test: (Value, Value) -> Bool) throws -> Bool {
        guard call.params.count >= 2 else { throw RenderError("Param not found for helper \"\(call.name)\"") }
        return test(call.params[0], call.params[1])
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .integer(let i): return Double(i)
        case .unsigned(let u): return Double(u)
        case .float(let d): return d
        default: return nil
        }
    }

    /// -1, 0, 1, or nil when the two cannot be ordered: numbers compare as
    /// numbers, strings as text, bools false < true; a number and a string
    /// compare when the string reads as a number.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        func sign(_ x: Double, _ y: Double) -> Int? { x < y ? -1 : x > y ? 1 : x == y ? 0 : nil }
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.string(let x), .string(let y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : x == y ? 0 : 1
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x && y ? -1 : 1)
        case (.string(let s), _):
            guard let x = Double(s), let y = number(b) else { return nil }
            return sign(x, y)
        case (_, .string(let s)):
            guard let x = number(a), let y = Double(s) else { return nil }
            return sign(x, y)
        default:
            guard let x = number(a), let y = number(b) else { return nil }
            return sign(x, y)
        }
    }
}
