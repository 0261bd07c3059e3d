import Handlebars

/// `{{toYaml v}}`: YAML as Habitat's serde_yaml writes it (spec 3.8).
enum ToYamlHelper {
    static func call(_ call: HelperCall) throws -> Value {
        .string(try YAMLWriter.render(try requiredParam(call, 0)))
    }
}
