/// `eq ne gt gte lt lte and or not len`, as handlebars-rust defines them.
enum ComparisonHelpers {
    static func register(into h: inout Handlebars) {
        h.registerHelper("eq") { call in .bool(try pair(call) { $0 == $1 }) }
        h.registerHelper("ne") { call in .bool(try pair(call) { $0 != $1 }) }
        h.registerHelper("gt") { call in .bool(try pair(call) { compare($0, $1) == 1 }) }
        h.registerHelper("gte") { call in .bool(try pair(call) { [0, 1].contains(compare($0, $1)) }) }
        h.registerHelper("lt") { call in .bool(try pair(call) { compare($0, $1) == -1 }) }
        h.registerHelper("lte") { call in .bool(try pair(call) { [0, -1].contains(compare($0, $1)) }) }
        h.registerHelper("and") { call in
            guard !call.params.isEmpty else { throw RenderError("Param not found for helper \"and\"") }
            return .bool(call.params.allSatisfy { $0.isTruthy() })
        }
        h.registerHelper("or") { call in
            guard !call.params.isEmpty else { throw RenderError("Param not found for helper \"or\"") }
            return .bool(call.params.contains { $0.isTruthy() })
        }
        h.registerHelper("not") { call in .bool(!(try BuiltinHelpers.firstParam(call)).isTruthy()) }
        h.registerHelper("len") { call in
            switch try BuiltinHelpers.firstParam(call) {
            case .array(let a): return .integer(Int64(a.count))
            case .object(let o): return .integer(Int64(o.count))
            case .string(let s): return .integer(Int64(s.utf8.count))
            default: return .integer(0)
            }
        }
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
