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
    /// Secrets stay out of it: the excerpt is redacted, and so is a token
    /// the message quotes from a line that assigns a secret.
    init(toml error: TOMLError, source: String, text: String) {
        self.init(.config, source: source, line: error.line, column: error.column,
                  HabitatError.redactedMessage(error.message, text: text, line: error.line),
                  detail: HabitatError.excerpt(text, line: error.line, column: error.column, redactingSecrets: true))
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
    do {
        return Object(table: try TOML.decode(text))
    } catch {
        throw HabitatError(toml: error, source: source, text: text)
    }
}
