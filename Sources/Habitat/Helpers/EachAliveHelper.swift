import Handlebars

/// `{{#eachAlive list}}`: iterates only members whose `alive` is true
/// (spec 3.7). `@index` and the second block parameter count alive members
/// from 1; `@first`/`@last` refer to the first and last alive member. A
/// non-empty list with no alive member renders nothing, not the else block.
enum EachAliveHelper {
    static func call(_ call: HelperCall) throws -> Value {
        let value = try requiredParam(call, 0)
        guard value.isTruthy() else { return .string(try call.renderInverse()) }
        switch value {
        case .array(let items):
            var alive: [Value] = []
            for item in items {
                guard case .object(let o) = item, let flag = o["alive"] else { continue }
                guard case .bool(let isAlive) = flag else {
                    throw RenderError("eachAlive: 'alive' must be true or false, found \(flag.renderedText)")
                }
                if isAlive { alive.append(item) }
            }
            var out = ""
            for (n, member) in alive.enumerated() {
                let index = Value.integer(Int64(n + 1))
                out += try call.renderBlock(
                    context: member,
                    data: ["index": index, "first": .bool(n == 0), "last": .bool(n == alive.count - 1)],
                    blockParams: [member, index])
            }
            return .string(out)
        case .object(let o):
            guard case .bool(true)? = o["alive"] else { return .string("") }
            var out = ""
            for (n, (key, item)) in o.enumerated() {
                out += try call.renderBlock(context: item, data: ["key": .string(key), "first": .bool(n == 0)],
                                            blockParams: [item, .string(key)])
            }
            return .string(out)
        default:
            throw RenderError("Param type is not iterable.")
        }
    }
}
