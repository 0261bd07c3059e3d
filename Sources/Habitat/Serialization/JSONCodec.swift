import Handlebars

/// A JSON syntax error with its 1-based line and column.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String
    /// Nested deeper than `Nesting.maxDepth`: the line can be huge, so callers
    /// show the position without an excerpt.
    public var isTooDeep = false
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// JSON reading and writing the way Habitat's serde_json does it: objects keep
/// key order; `3072.0` stays a float; output formats match serde_json's
/// compact and pretty printers byte for byte.
public enum JSONCodec {
    /// Parses strict RFC 8259 JSON.
    public static func parse(_ text: String) throws(JSONParseError) -> Value {
        var reader = JSONReader(Array(text.utf8))
        return try reader.document()
    }

    // The writers recurse once per level: the values they are given (decoded
    // config, data read by `parse`) are within `Nesting.maxDepth`, and the
    // `toJson` helper checks what a template hands it.

    /// serde_json's `to_string`.
    public static func compact(_ value: Value) -> String {
        var out = ""
        write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// serde_json's `to_string_pretty`: two-space indent, no trailing newline.
    public static func pretty(_ value: Value) -> String {
        var out = ""
        write(value, into: &out, indent: "  ", level: 0)
        return out
    }

    static func write(_ value: Value, into out: inout String, indent: String?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .unsigned(let u): out += String(u)
        case .float(let d): out += NumberFormat.json(d)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                newline(&out, indent, level + 1)
                write(item, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (k, v) in o {
                if !first { out += "," }
                first = false
                newline(&out, indent, level + 1)
                quote(k, into: &out)
                out += indent == nil ? ":" : ": "
                write(v, into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "}"
        }
    }

    static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    /// serde_json string escaping: `"` `\` and control characters; `/` and
    /// non-ASCII as they are.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// A recursive-descent JSON reader over UTF-8 bytes.
struct JSONReader {
    let bytes: [UInt8]
    var i = 0
    var depth = 0
    /// Objects and arrays, the outermost counted: the module's one bound.
    static let maxDepth = Nesting.maxDepth

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String, at: Int? = nil) -> JSONParseError {
        var line = 1
        var column = 1
        var k = 0
        let end = min(at ?? i, bytes.count)
        while k < end {
            if bytes[k] == 0x0A { line += 1; column = 1 } else if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return JSONParseError(line: line, column: column, message: message)
    }

    func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpace() {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
    }

    func found() -> String {
        guard let b = peek() else { return "end of input" }
        if b >= 0x21 && b <= 0x7E { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    mutating func document() throws(JSONParseError) -> Value {
        skipSpace()
        let v = try value()
        skipSpace()
        guard i == bytes.count else { throw error("unexpected \(found()) after the JSON value") }
        return v
    }

    mutating func value() throws(JSONParseError) -> Value {
        guard let b = peek() else { throw error("expected a JSON value, found end of input") }
        switch b {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("expected a JSON value, found \(found())")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard i + w.count <= bytes.count, bytes[i..<i + w.count].elementsEqual(w) else {
            throw error("expected a JSON value, found \(found())")
        }
        i += w.count
    }

    mutating func nest() throws(JSONParseError) {
        depth += 1
        if depth > JSONReader.maxDepth {
            var e = error("nested more than \(JSONReader.maxDepth) levels deep")
            e.isTooDeep = true
            throw e
        }
    }

    mutating func object() throws(JSONParseError) -> Value {
        try nest()
        defer { depth -= 1 }
        i += 1
        var o = Object()
        skipSpace()
        if peek() == UInt8(ascii: "}") { i += 1; return .object(o) }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key, found \(found())") }
            let key = try string()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after the object key, found \(found())") }
            i += 1
            skipSpace()
            o[key] = try value()
            skipSpace()
            guard let b = peek() else { throw error("expected ',' or '}' after object member, found end of input") }
            i += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { return .object(o) }
            i -= 1
            throw error("expected ',' or '}' after object member, found \(found())")
        }
    }

    mutating func array() throws(JSONParseError) -> Value {
        try nest()
        defer { depth -= 1 }
        i += 1
        var items: [Value] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard let b = peek() else { throw error("expected ',' or ']' after array element, found end of input") }
            i += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return .array(items) }
            i -= 1
            throw error("expected ',' or ']' after array element, found \(found())")
        }
    }

    mutating func string() throws(JSONParseError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while let b = peek(), b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b >= 0x20 { i += 1 }
        if peek() == UInt8(ascii: "\"") {
            guard let s = String(validating: bytes[start..<i], as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
            i += 1
            return s
        }
        var buffer = Array(bytes[start..<i])
        while true {
            guard let b = peek() else { throw error("unterminated string", at: start - 1) }
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw error("control character in string (escape it)") }
            if b != UInt8(ascii: "\\") { buffer.append(b); i += 1; continue }
            i += 1
            guard let e = peek() else { throw error("unterminated escape") }
            i += 1
            switch e {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard peek() == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw error("unpaired surrogate in \\u escape")
                }
                buffer += Array(String(Character(Unicode.Scalar(code)!)).utf8)
            default:
                throw error("invalid escape in string", at: i - 2)
            }
        }
        guard let s = String(validating: buffer, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: start) }
        return s
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    mutating func number() throws(JSONParseError) -> Value {
        let start = i
        if peek() == UInt8(ascii: "-") { i += 1 }
        guard let first = peek(), first >= 0x30 && first <= 0x39 else { throw error("invalid number") }
        if first == 0x30 {
            i += 1
        } else {
            while let b = peek(), b >= 0x30 && b <= 0x39 { i += 1 }
        }
        var isFloat = false
        if peek() == UInt8(ascii: ".") {
            isFloat = true
            i += 1
            guard let b = peek(), b >= 0x30 && b <= 0x39 else { throw error("expected digits after '.'") }
            while let b = peek(), b >= 0x30 && b <= 0x39 { i += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isFloat = true
            i += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { i += 1 }
            guard let b = peek(), b >= 0x30 && b <= 0x39 else { throw error("expected digits in the exponent") }
            while let b = peek(), b >= 0x30 && b <= 0x39 { i += 1 }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isFloat {
            if let v = Int64(text) { return .integer(v) }
            if let u = UInt64(text) { return .unsigned(u) }
        }
        guard let d = Double(text), d.isFinite else { throw error("number out of range", at: start) }
        return .float(d)
    }
}
