import Handlebars

/// Habitat's `toToml` output: the toml crate's (1.1) non-pretty serializer
/// (spec 3.8). Objects become documents; anything else one inline value.
public enum TOMLWriter {
    public struct UnsupportedValue: Error, CustomStringConvertible {
        public var description: String { "Can't serialize parameter to TOML: unsupported unit type" }
    }

    /// Values nested deeper than `Nesting.maxDepth` are refused (`Nesting.TooDeep`).
    public static func render(_ value: Value) throws -> String {
        try Nesting.check(value)
        if case .object(let o) = value { return try document(o) }
        return try inline(value)
    }

    // MARK: Documents

    private struct Table {
        var path: [String]?
        var body = ""
        var hasChildren = false
        var isArrayElement = false
    }

    private enum Strategy { case value, table, arrayOfTables }

    private static func strategy(_ v: Value) -> Strategy {
        switch v {
        case .object: return .table
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.objectValue != nil }): return .arrayOfTables
        default: return .value
        }
    }

    /// Plain values first under each header, then sub-tables depth first;
    /// tables with only sub-tables get no header of their own.
    static func document(_ root: Object) throws -> String {
        var tables: [Table] = [Table(path: nil)]
        func serialize(_ object: Object, _ index: Int) throws {
            for (key, value) in object {
                let k = self.key(key)
                switch strategy(value) {
                case .value:
                    tables[index].body += k + " = " + (try inline(value)) + "\n"
                case .table:
                    tables[index].hasChildren = true
                    tables.append(Table(path: (tables[index].path ?? []) + [k]))
                    try serialize(value.objectValue!, tables.count - 1)
                case .arrayOfTables:
                    tables[index].hasChildren = true
                    for element in value.arrayValue! {
                        tables.append(Table(path: (tables[index].path ?? []) + [k], isArrayElement: true))
                        try serialize(element.objectValue!, tables.count - 1)
                    }
                }
            }
        }
        try serialize(root, 0)
        let shown = tables.filter { t in
            t.path == nil ? !t.body.isEmpty : (t.isArrayElement || !t.body.isEmpty || !t.hasChildren)
        }
        return shown.map { t -> String in
            guard let path = t.path else { return t.body }
            let header = t.isArrayElement ? "[[\(path.joined(separator: "."))]]" : "[\(path.joined(separator: "."))]"
            return header + "\n" + t.body
        }.joined(separator: "\n")
    }

    // MARK: Values

    static func inline(_ value: Value) throws -> String {
        switch value {
        case .null: throw UnsupportedValue()
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .unsigned(let u): return String(u)
        case .float(let d): return float(d)
        case .string(let s): return string(s)
        case .array(let items): return "[" + (try items.map(inline)).joined(separator: ", ") + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{ " + (try o.map { key($0.key) + " = " + (try inline($0.value)) }).joined(separator: ", ") + " }"
        }
    }

    /// Rust's `Display` for f64 (no exponent), with `.0` on integral values.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent): (Bool, String, Int) = NumberFormat.decompose(d)
        var text: String
        if exponent >= 0 {
            text = digits + String(repeating: "0", count: exponent) + ".0"
        } else if -exponent < digits.count {
            let i = digits.index(digits.endIndex, offsetBy: exponent)
            text = digits[..<i] + "." + digits[i...]
        } else {
            text = "0." + String(repeating: "0", count: -exponent - digits.count) + digits
        }
        return (negative ? "-" : "") + text
    }

    struct Metrics {
        var maxSingle = 0, maxDouble = 0
        var controlCodes = false, backslash = false, newline = false
    }

    static func metrics(_ s: String) -> Metrics {
        var m = Metrics()
        var single = 0, double = 0
        for b in s.utf8 {
            if b == 0x27 { single += 1; m.maxSingle = max(m.maxSingle, single) } else { single = 0 }
            if b == 0x22 { double += 1; m.maxDouble = max(m.maxDouble, double) } else { double = 0 }
            if b == 0x5C { m.backslash = true } else if b == 0x09 {} else if b == 0x0A { m.newline = true } else if b <= 0x1F || b == 0x7F { m.controlCodes = true }
        }
        return m
    }

    /// The first string style that fits: "basic", 'literal', multi-line.
    static func string(_ s: String) -> String {
        let m = metrics(s)
        if !m.controlCodes && !m.backslash && m.maxDouble == 0 && !m.newline { return "\"" + s + "\"" }
        if !m.controlCodes && m.maxSingle == 0 && !m.newline { return "'" + s + "'" }
        let nl = m.newline ? "\n" : ""
        if !m.controlCodes && !m.backslash && m.maxDouble <= 2 { return "\"\"\"" + nl + escape(s, multiline: true) + "\"\"\"" }
        if !m.controlCodes && m.maxSingle <= 2 { return "'''" + nl + s + "'''" }
        if m.newline { return "\"\"\"" + nl + escape(s, multiline: true) + "\"\"\"" }
        return "\"" + escape(s, multiline: false) + "\""
    }

    static func escape(_ s: String, multiline: Bool) -> String {
        var out = ""
        var quotes = 0
        for u in s.unicodeScalars {
            if u == "\"" {
                quotes += 1
                if quotes > (multiline ? 2 : 0) { out += "\\\""; quotes = 0 } else { out += "\"" }
                continue
            }
            quotes = 0
            switch u.value {
            case 0x08: out += "\\b"
            case 0x09: out += "\\t"
            case 0x0A: out += multiline ? "\n" : "\\n"
            case 0x0C: out += "\\f"
            case 0x0D: out += "\\r"
            case 0x5C: out += "\\\\"
            case 0...0x1F, 0x7F:
                let h = String(u.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func key(_ k: String) -> String {
        if !k.isEmpty && k.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) {
            return k
        }
        let m = metrics(k)
        if !m.controlCodes && !m.backslash && !k.contains("\"") { return "\"" + k + "\"" }
        if !m.controlCodes && !k.contains("'") { return "'" + k + "'" }
        return "\"" + escape(k, multiline: false) + "\""
    }
}
