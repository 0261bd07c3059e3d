import Handlebars

/// `{{toJson v}}`: pretty JSON as serde_json writes it (spec 3.8).
enum ToJsonHelper {
    static func call(_ call: HelperCall) throws -> Value {
        .string(JSONCodec.pretty(try requiredParam(call, 0)))
    }
}
