import Handlebars

/// `{{strJoin list "sep"}}`: the list's items, each shown as `helperText`
/// shows it, joined with the separator (spec 3.7).
enum StrJoinHelper {
    static func call(_ call: HelperCall) throws -> Value {
        guard case .array(let items) = try requiredParam(call, 0) else {
            throw RenderError("strJoin: the first argument must be a list")
        }
        guard case .string(let separator) = try requiredParam(call, 1) else {
            throw RenderError("strJoin: the second argument must be a string")
        }
        return .string(items.compactMap(helperText).joined(separator: separator))
    }
}
