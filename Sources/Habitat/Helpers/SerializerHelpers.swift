import Handlebars

/// toJson, toToml, toYaml (spec 3.7, 3.8).
enum SerializerHelpers {
    static func toJson(_ call: HelperCall) throws -> Value {
        .string(JSONCodec.pretty(try requiredParam(call, 0)))
    }

    static func toToml(_ call: HelperCall) throws -> Value {
        .string(try TOMLWriter.render(try requiredParam(call, 0)))
    }

    static func toYaml(_ call: HelperCall) throws -> Value {
        .string(try YAMLWriter.render(try requiredParam(call, 0)))
    }
}
