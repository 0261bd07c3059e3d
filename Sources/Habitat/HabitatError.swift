/// An error a user can act on: it names the file or variable, and where
/// possible the line and column. `exitCode` follows DESIGN.md (78 for bad
/// configuration, 65 for bad data, 66 for an unreadable input). Outputs
/// that cannot be written are Runtime's (`RuntimeError`, 73).
public struct HabitatError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case config, data, missingInput, template }
    public var kind: Kind
    /// The file path or variable name the problem is in, when there is one.
    public var source: String?
    public var line: Int?
    public var column: Int?
    public var message: String
    /// Extra lines shown under the message (source excerpt and caret, hints).
    public var detail: [String]

    public init(_ kind: Kind, source: String? = nil, line: Int? = nil, column: Int? = nil,
                _ message: String, detail: [String] = []) {
        self.kind = kind
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        self.detail = detail
    }

    public var exitCode: Int32 {
        switch kind {
        case .config: 78
        case .data, .template: 65
        case .missingInput: 66
        }
    }

    public var description: String {
        var head = ""
        if let source {
            head = source
            if let line {
                head += ":\(line)"
                if let column { head += ":\(column)" }
            }
            head += ": "
        }
        return ([head + message] + detail).joined(separator: "\n")
    }

    /// The source line `line` of `text` and a caret under `column`, for
    /// `detail`. With `redactingSecrets` (configuration: TOML, JSON) a line
    /// that assigns a secret-looking key shows the key and `<redacted>`, and
    /// a line inside a multi-line secret is `<redacted>` whole (see
    /// `Secrets.redactedSourceLines`): error output reaches logs.
    public static func excerpt(_ text: String, line: Int, column: Int, redactingSecrets: Bool = false) -> [String] {
        if redactingSecrets {
            let lines = Secrets.redactedSourceLines(text)
            guard line >= 1, line <= lines.count else { return [] }
            var shown = lines[line - 1]
            if shown.hasSuffix("\r") { shown.removeLast() }
            let pad = String(shown.prefix(max(0, min(column - 1, shown.count))).map { $0 == "\t" ? "\t" : " " })
            return ["  " + shown, "  " + pad + "^"]
        }
        var current = 1
        // Split on the scalar: a String's "\r\n" is one Character, so
        // splitting Characters on "\n" would never break CRLF lines.
        for l in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == line {
                var shown = String(String.UnicodeScalarView(l))
                if shown.hasSuffix("\r") { shown.removeLast() }
                let pad = String(shown.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " })
                return ["  " + shown, "  " + pad + "^"]
            }
            current += 1
        }
        return []
    }
}
