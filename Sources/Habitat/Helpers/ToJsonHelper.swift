import Handlebars

/// `{{toJson v}}`: pretty JSON as serde_json writes it (spec 3.8).
enum ToJsonHelper {
    static func call(_ call: HelperCall) throws -> Value {
        let value = try requiredParam(call, 0)
        try Nesting.check(value)
        return .string(JSONCodec.pretty(value))
    }
}
