import Handlebars

/// `{{strConcat a b …}}`: the arguments joined, each shown as `helperText`
/// shows it (spec 3.7); objects are left out.
enum StrConcatHelper {
    static func call(_ call: HelperCall) throws -> Value {
        .string(call.params.compactMap(helperText).joined())
    }
}
