import Handlebars
import TOML

extension Value {
    /// A decoded TOML value as templates see it (spec 2.9): datetimes become
    /// `{"$__toml_private_datetime": "<rfc3339>"}` (so they print `[object]`),
    /// non-finite floats become null, tables keep source order. Recurses once
    /// per level: decoded documents nest at most `TOML.maxDepth` deep.
    /// `keepNonFinite` keeps `inf` and `nan` as floats (for `config show`).
    public init(toml: TOMLValue, keepNonFinite: Bool = false) {
        switch toml {
        case .string(let s): self = .string(s)
        case .integer(let i): self = .integer(i)
        case .float(let d): self = d.isFinite || keepNonFinite ? .float(d) : .null
        case .bool(let b): self = .bool(b)
        case .datetime(let dt): self = .object(["$__toml_private_datetime": .string(dt.text)])
        case .array(let items): self = .array(items.map { Value(toml: $0, keepNonFinite: keepNonFinite) })
        case .table(let table): self = .object(Object(table: table, keepNonFinite: keepNonFinite))
        }
    }
}

extension Object {
    /// A decoded TOML table, in source order.
    public init(table: TOMLTable, keepNonFinite: Bool = false) {
        self.init()
        for (key, value) in table { self[key] = Value(toml: value, keepNonFinite: keepNonFinite) }
    }
}

extension TOMLValue {
    /// Whether an `inf` or `nan` float is in here (walks as deep as the value).
    var holdsNonFiniteFloat: Bool {
        switch self {
        case .float(let d): return !d.isFinite
        case .array(let items): return items.contains { $0.holdsNonFiniteFloat }
        case .table(let table): return table.contains { $0.value.holdsNonFiniteFloat }
        default: return false
        }
    }
}

extension HabitatError {
    /// A TOML syntax error in `source` (a file path or variable name), with
    /// the offending line and a caret.
    /// Secrets stay out of it: the excerpt is redacted, and so is a token
    /// the message quotes from a line that assigns a secret.
    init(toml error: TOMLError, source: String, text: String) {
        // Too deep: the line is mostly brackets and can be huge; the position says it.
        self.init(.config, source: source, line: error.line, column: error.column,
                  HabitatError.redactedMessage(error.message, text: text, line: error.line),
                  detail: error.isTooDeep ? [] : HabitatError.excerpt(text, line: error.line, column: error.column, redactingSecrets: true))
    }

    /// `message` with its quoted parts (`'…'`) hidden when line `line` of
    /// `text` holds a secret (a parser quotes the token it stopped at).
    static func redactedMessage(_ message: String, text: String, line: Int) -> String {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return message }
        let original = String(String.UnicodeScalarView(lines[line - 1]))
        guard Secrets.redactedSourceLines(text)[line - 1] != original else { return message }
        // Quoted parts taken from the line (not punctuation the parser expected).
        let parts = message.split(separator: "'", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return message }
        return parts.enumerated().map { part in
            let quoted = part.offset % 2 == 1 && part.offset < parts.count - 1
            let fromLine = part.element.contains { $0.isLetter || $0.isNumber } && original.contains(part.element)
            return quoted && fromLine ? Secrets.redacted : String(part.element)
        }.joined(separator: "'")
    }
}

/// Decodes a TOML document into an ordered object, naming `source` in errors.
func decodeTOMLDocument(_ text: String, source: String) throws(HabitatError) -> Object {
    try decodeTOMLLayer(text, source: source).values
}

/// A config layer's values as templates see them, and, when the document
/// holds `inf` or `nan` (null to templates), the values with those kept.
func decodeTOMLLayer(_ text: String, source: String) throws(HabitatError) -> (values: Object, exact: Object?) {
    let table: TOMLTable
    do {
        table = try TOML.decode(text)
    } catch {
        throw HabitatError(toml: error, source: source, text: text)
    }
    let exact = TOMLValue.table(table).holdsNonFiniteFloat ? Object(table: table, keepNonFinite: true) : nil
    return (Object(table: table), exact)
}
