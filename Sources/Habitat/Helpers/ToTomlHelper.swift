import Handlebars

/// `{{toToml v}}`: TOML as Habitat's toml crate writes it (spec 3.8).
enum ToTomlHelper {
    static func call(_ call: HelperCall) throws -> Value {
        .string(try TOMLWriter.render(try requiredParam(call, 0)))
    }
}
