import Handlebars
import TOML

extension Value {
    /// A decoded TOML value as templates see it (spec 2.9): datetimes become
    /// `{"$__toml_private_datetime": "<rfc3339>"}` (so they print `[object]`),
    /// non-finite floats become null, tables keep source order.
    public init(toml: TOMLValue) {
        switch toml {
        case .string(let s): self = .string(s)
        case .integer(let i): self = .integer(i)
        case .float(let d): self = d.isFinite ? .float(d) : .null
        case .bool(let b): self = .bool(b)
        case .datetime(let dt): self = .object(["$__toml_private_datetime": .string(dt.text)])
        case .array(let items): self = .array(items.map(Value.init(toml:)))
        case .table(let table): self = .object(Object(table: table))
        }
    }
}

extension Object {
    /// A decoded TOML table, in source order.
    public init(table: TOMLTable) {
        self.init()
        for (key, value) in table { self[key] = Value(toml: value) }
    }
}

extension HabitatError {
    /// A TOML syntax error in `source` (a file path or variable name), with
    /// the offending line and a caret.
    init(toml error: TOMLError, source: String, text: String) {
        self.init(.config, source: source, line: error.line, column: error.column,
                  error.message, detail: HabitatError.excerpt(text, line: error.line, column: error.column))
    }
}

/// Decodes a TOML document into an ordered object, naming `source` in errors.
func decodeTOMLDocument(_ text: String, source: String) throws(HabitatError) -> Object {
    do {
        return Object(table: try TOML.decode(text))
    } catch {
        throw HabitatError(toml: error, source: source, text: text)
    }
}
