import Handlebars
import TOML

/// The environment layer: `HAB_<PKG>` (TOML, or JSON when it is JSON; spec
/// 1.3), `HAB_<PKG>_FILE` (the same read from a file), and roost's per-key
/// overrides `HAB_<PKG>__a__b=value` and `HAB_<PKG>__a__b_FILE=/path`.
public enum EnvironmentLayer {
    /// `HAB_` + the package name, ASCII-uppercased, `-` replaced by `_`.
    public static func variableName(forPackage name: String) -> String {
        // Byte by byte: only ASCII changes, and other UTF-8 bytes are >= 0x80.
        var bytes = Array("HAB_".utf8)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "_"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte - 32)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One decoded piece of the environment layer and where it came from.
    struct Piece {
        var source: String
        var values: Object
        var notes: [String]
    }

    /// Reads every variable for `package` from `environment`, in a fixed
    /// order: the whole-layer variable (or its `_FILE`), then per-key
    /// overrides sorted by name. `lower` is the config below this layer, used
    /// to match override key names case-insensitively to existing keys.
    static func pieces(package: String, environment: [String: String], lower: Object) throws(HabitatError) -> [Piece] {
        let name = variableName(forPackage: package)
        var result: [Piece] = []
        if let text = environment[name] {
            result.append(try parseLayer(text, source: name))
        } else if let file = environment[name + "_FILE"] {
            let source = "\(name)_FILE (\(file))"
            result.append(try parseLayer(try readFile(file, variable: name + "_FILE"), source: source))
        }
        let prefix = name + "__"
        var current = lower
        for key in environment.keys.filter({ $0.hasPrefix(prefix) }).sorted() {
            var segments = key.dropFirst(prefix.count).split(separator: "__", omittingEmptySubsequences: false).map(String.init)
            var raw = environment[key]!
            var fromFile = false
            if let last = segments.last, last.hasSuffix("_FILE"), last.count > 5 {
                segments[segments.count - 1] = String(last.dropLast(5))
                let text = try readFile(raw, variable: key)
                raw = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
                fromFile = true
            }
            guard !segments.contains(where: \.isEmpty) else {
                throw HabitatError(.config, source: key, "empty key segment: use HAB_PKG__table__key=value")
            }
            guard segments.count < Nesting.maxDepth else {
                throw HabitatError(.config, source: key, "more than \(Nesting.maxDepth - 1) key segments: tables nest at most \(Nesting.maxDepth) levels deep")
            }
            let path = resolve(segments, in: current)
            let value = fromFile ? Value.string(raw) : try parseScalar(raw, source: key)
            var table = Object()
            setValue(value, at: path[...], in: &table)
            if Nesting.exceedsLimit(.object(table)) {
                throw HabitatError(.config, source: key, "the key path and the value together nest more than \(Nesting.maxDepth) levels deep")
            }
            var ignored: [[String]: String] = [:]
            try? ConfigMerge.merge(table, into: &current, layer: key, provenance: &ignored)
            result.append(Piece(source: key, values: table, notes: []))
        }
        return result
    }

    /// The text of a file a `_FILE` variable names: 66 when it cannot be
    /// read, 78 (with the bad byte's position) when it is not UTF-8.
    private static func readFile(_ path: String, variable: String) throws(HabitatError) -> String {
        switch FileSystem.readText(path) {
        case .text(let text): return text
        case .missing: throw HabitatError(.missingInput, source: variable, "cannot read '\(path)'")
        case .unreadable(let reason): throw HabitatError(.missingInput, source: variable, "cannot read '\(path)': \(reason)")
        case .notText: throw HabitatError.notUTF8(FileSystem.readBytes(path) ?? [], source: "\(variable) (\(path))")
        }
    }

    /// A per-key override's value: a TOML value when it reads as one
    /// (`8080`, `true`, `"x"`, `[1, 2]`, `{ a = 1 }`), else the text as a string.
    /// A value that would be TOML but nests too deep is an error, not a string.
    static func parseScalar(_ text: String, source: String) throws(HabitatError) -> Value {
        do {
            let table = try TOML.decode("v = " + text)
            if table.count == 1, let v = table["v"] { return Value(toml: v) }
        } catch where error.isTooDeep {
            // Columns on the first line count the "v = " put in front.
            throw HabitatError(.config, source: source, line: error.line,
                               column: error.line == 1 ? max(1, error.column - 4) : error.column, error.message)
        } catch {}
        return .string(text)
    }

    /// Maps override segments onto existing keys: an exact match, else a
    /// case-insensitive one, else the segment (lowercased when it was written
    /// all in capitals, as environment names usually are).
    static func resolve(_ segments: [String], in table: Object) -> [String] {
        var out: [String] = []
        var level: Object? = table
        for segment in segments {
            var chosen = segment
            if let level {
                if level[segment] == nil,
                   let match = level.keys.first(where: { $0.lowercased() == segment.lowercased() }) {
                    chosen = match
                } else if level[segment] == nil, segment == segment.uppercased() {
                    chosen = segment.lowercased()
                }
            } else if segment == segment.uppercased() {
                chosen = segment.lowercased()
            }
            out.append(chosen)
            level = level?[chosen]?.objectValue
        }
        return out
    }

    static func setValue(_ value: Value, at path: ArraySlice<String>, in table: inout Object) {
        guard let first = path.first else { return }
        if path.count == 1 { table[first] = value; return }
        var child = table[first]?.objectValue ?? Object()
        setValue(value, at: path.dropFirst(), in: &child)
        table[first] = .object(child)
    }

    /// Decodes a whole-layer value: TOML first, then JSON (spec 1.3). roost
    /// also accepts what shells, compose files and task definitions commonly do
    /// to such values: one pair of surrounding quotes, and JSON whose quotes
    /// arrive backslash-escaped. Each repair is reported as a note.
    static func parseLayer(_ text: String, source: String) throws(HabitatError) -> Piece {
        var firstError: HabitatError?
        for (candidate, note) in candidates(text) {
            do {
                let values = try decode(candidate, source: source)
                return Piece(source: source, values: values, notes: note.map { [$0] } ?? [])
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError!
    }

    private static func candidates(_ text: String) -> [(String, String?)] {
        var out: [(String, String?)] = [(text, nil)]
        let trimmed = text.trimmingWhitespace()
        if trimmed.count >= 2, let q = trimmed.first, q == "'" || q == "\"", trimmed.last == q {
            out.append((String(trimmed.dropFirst().dropLast()), "removed the surrounding \(q) quotes (as docker-compose list syntax keeps them)"))
        }
        if trimmed.hasPrefix("{\\\"") || trimmed.hasPrefix("\"{\\\"") {
            var inner = trimmed
            if inner.hasPrefix("\"") && inner.hasSuffix("\"") { inner = String(inner.dropFirst().dropLast()) }
            out.append((inner.replacing("\\\"", with: "\""), "read backslash-escaped JSON quotes as plain quotes"))
        }
        return out
    }

    /// TOML, else a JSON object (no nulls). The error reported is the one of
    /// the format the text looks like.
    private static func decode(_ text: String, source: String) throws(HabitatError) -> Object {
        let tomlError: HabitatError
        do {
            return try decodeTOMLDocument(text, source: source)
        } catch {
            tomlError = error
        }
        let looksLikeJSON = text.trimmingWhitespace().first.map { $0 == "{" || $0 == "[" || $0 == "\"" } ?? false
        let json: Value
        do {
            json = try JSONCodec.parse(text)
        } catch {
            if looksLikeJSON {
                throw HabitatError(.config, source: source, line: error.line, column: error.column,
                                   "not valid TOML, and not valid JSON: \(HabitatError.redactedMessage(error.message, text: text, line: error.line))",
                                   detail: error.isTooDeep ? [] : HabitatError.excerpt(text, line: error.line, column: error.column, redactingSecrets: true)
                                       + (text.contains("'") ? ["  hint: JSON needs double quotes around keys and strings"] : []))
            }
            var e = tomlError
            e.message = "not valid TOML (nor JSON): " + e.message
            throw e
        }
        guard case .object(let object) = json else {
            throw HabitatError(.config, source: source, "JSON value is not an object: the layer must be a table such as {\"port\": 80}")
        }
        if let path = nullPath(.object(object), []) {
            throw HabitatError(.config, source: source, "JSON null at '\(path.joined(separator: "."))': TOML has no null; leave the key out instead")
        }
        return tomlOrdered(object)
    }

    private static func nullPath(_ v: Value, _ path: [String]) -> [String]? {
        switch v {
        case .null: return path
        case .array(let items):
            for (i, item) in items.enumerated() { if let p = nullPath(item, path + ["\(i)"]) { return p } }
        case .object(let o):
            for (k, item) in o { if let p = nullPath(item, path + [k]) { return p } }
        default: break
        }
        return nil
    }

    /// Habitat turns JSON into TOML text and reads it back, which puts plain
    /// values first, then tables, then arrays of tables; mirror that order.
    static func tomlOrdered(_ object: Object) -> Object {
        func rank(_ v: Value) -> Int {
            switch v {
            case .object: return 1
            case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.objectValue != nil }): return 2
            default: return 0
            }
        }
        var out = Object()
        for r in 0...2 {
            for (k, v) in object where rank(v) == r {
                switch v {
                case .object(let o): out[k] = .object(tomlOrdered(o))
                case .array(let items) where r == 2:
                    out[k] = .array(items.map { .object(tomlOrdered($0.objectValue!)) })
                default: out[k] = v
                }
            }
        }
        return out
    }
}
