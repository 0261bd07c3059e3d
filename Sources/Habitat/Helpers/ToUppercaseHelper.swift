import Handlebars

/// `{{toUppercase s}}`: full Unicode uppercase (`ß` → `SS`), spec 3.7.
enum ToUppercaseHelper {
    static func call(_ call: HelperCall) throws -> Value { .string(try stringParam(call, 0).uppercased()) }
}
