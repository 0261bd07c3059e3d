/// Registers handlebars-rust 6's built-in helpers.
enum BuiltinHelpers {
    static func register(into h: inout Handlebars) {
        h.registerHelper("if", conditional(negate: false))
        h.registerHelper("unless", conditional(negate: true))
        h.registerHelper("each", each)
        h.registerHelper("with", with)
        h.registerHelper("lookup", lookup)
        h.registerHelper("log") { _ in .string("") }
        h.registerHelper("raw") { call in .string(try call.renderBlock()) }
        ComparisonHelpers.register(into: &h)
    }

    static func firstParam(_ call: HelperCall) throws -> Value {
        guard let v = call.param(0) else { throw RenderError("Param not found for helper \"\(call.name)\"") }
        return v
    }

    /// `if` / `unless`: only the first argument counts (extra ones are ignored,
    /// as handlebars-rust ignores them); `includeZero=true` (the boolean, not
    /// any true value) makes 0 true. Outside a block they render nothing.
    static func conditional(negate: Bool) -> HelperFunction {
        { call in
            let includeZero = call.hash["includeZero"] == .bool(true)
            let truthy = try firstParam(call).isTruthy(includeZero: includeZero)
            guard call.isBlock else { return .null }
            return .string(truthy != negate ? try call.renderBlock() : try call.renderInverse())
        }
    }

    /// `with`: a new scope on a truthy value (0 is false here), else the inverse.
    /// Only `as |name|` binds the value (`as |a b|` binds nothing, as in
    /// handlebars-rust).
    static func with(_ call: HelperCall) throws -> Value {
        let value = try firstParam(call)
        guard value.isTruthy() else { return .string(try call.renderInverse()) }
        let params = call.blockParamNames.count == 1 ? [value] : []
        return .string(try call.renderBlock(context: value, data: call.data, blockParams: params))
    }

    /// `each` over an array (`@index @first @last`, params `as |item index|`)
    /// or an object (`@key @index @first @last`, params `as |value key|`);
    /// anything empty or not iterable renders the inverse.
    static func each(_ call: HelperCall) throws -> Value {
        let value = try firstParam(call)
        var out = ""
        switch value {
        case .array(let items) where !items.isEmpty:
            let last = items.count - 1
            for (i, item) in items.enumerated() {
                out += try call.renderBlock(
                    context: item,
                    data: ["index": .integer(Int64(i)), "first": .bool(i == 0), "last": .bool(i == last)],
                    blockParams: [item, .integer(Int64(i))])
            }
        case .object(let object) where !object.isEmpty:
            let last = object.count - 1
            for (i, (key, item)) in object.enumerated() {
                out += try call.renderBlock(
                    context: item,
                    data: ["key": .string(key), "index": .integer(Int64(i)), "first": .bool(i == 0), "last": .bool(i == last)],
                    blockParams: [item, .string(key)])
            }
        default:
            return .string(try call.renderInverse())
        }
        return .string(out)
    }

    /// `lookup obj key`: a member of an object by a string key, or an element
    /// of an array by a non-negative integer; any other key finds nothing.
    static func lookup(_ call: HelperCall) throws -> Value {
        guard call.params.count >= 2 else { throw RenderError("Param not found for helper \"lookup\"") }
        switch (call.params[0], call.params[1]) {
        case (.object(let o), .string(let k)): return o[k] ?? .null
        case (.array(let a), .integer(let i)): return i >= 0 && i < a.count ? a[Int(i)] : .null
        case (.array(let a), .unsigned(let i)): return i < a.count ? a[Int(i)] : .null
        default: return .null
        }
    }
}
