/// Literal arguments as handlebars-rust's grammar reads them: JSON strings
/// (double or single quoted, with JSON escapes), `true`, `false`, `null`,
/// arrays `[1, "a"]` and objects `{"k": 1}` (numbers are in Parser.swift).
extension ExpressionParser {
    /// Deepest nesting of array and object literals accepted.
    static let maximumLiteralDepth = 100

    /// A quoted string at the current position; an error names what is wrong.
    mutating func stringLiteral() throws(TemplateError) -> String {
        let start = i
        guard let s = scanString() else {
            let at = i
            i = start
            let reason = at >= bytes.count ? "unterminated string literal"
                : bytes[at] < 0x20 ? "a control character (newline, tab…) in a string literal: write it as \\n, \\t…"
                : "invalid escape in string literal"
            throw scanner.error(reason, at: base + at)
        }
        return s
    }

    /// `true`, `false`, `null` (and handlebars.js's `undefined`) when not
    /// followed by a name character.
    mutating func wordLiteral(allowUndefined: Bool) -> Value? {
        let words: [(String, Value)] = [("true", .bool(true)), ("false", .bool(false)), ("null", .null)]
            + (allowUndefined ? [("undefined", .null)] : [])
        for (word, value) in words {
            let w = word.utf8
            let end = i + w.count
            guard end <= bytes.count, bytes[i..<end].elementsEqual(w) else { continue }
            if end < bytes.count, ExpressionParser.isIdentifierByte(bytes[end]) || bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "/") {
                continue
            }
            i = end
            return value
        }
        return nil
    }

    /// An array or object literal, or nil with the position unchanged.
    /// handlebars-rust reads the literal's text as JSON, so a single-quoted
    /// string inside one is an error.
    mutating func compoundLiteral() throws(TemplateError) -> Value? {
        let start = i
        singleQuoteAt = nil
        if let v = compound(depth: 0) {
            if let at = singleQuoteAt {
                throw scanner.error("strings inside array or object literals need double quotes", at: base + at)
            }
            return v
        }
        i = start
        return nil
    }

    private mutating func compound(depth: Int) -> Value? {
        guard depth < ExpressionParser.maximumLiteralDepth, let open = peek() else { return nil }
        let close = open == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        guard open == UInt8(ascii: "[") || open == UInt8(ascii: "{") else { return nil }
        i += 1
        var items: [Value] = []
        var object = Object()
        skipSpaces()
        if peek() == close {
            i += 1
            return open == UInt8(ascii: "[") ? .array([]) : .object(object)
        }
        while true {
            skipSpaces()
            if open == UInt8(ascii: "[") {
                guard let v = element(depth: depth) else { return nil }
                items.append(v)
            } else {
                guard peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "'") else { return nil }
                if peek() == UInt8(ascii: "'") { singleQuoteAt = singleQuoteAt ?? i }
                guard let key = scanString() else { return nil }
                skipSpaces()
                guard peek() == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpaces()
                guard let v = element(depth: depth) else { return nil }
                object[key] = v
            }
            skipSpaces()
            guard let b = peek() else { return nil }
            i += 1
            if b == close { break }
            guard b == UInt8(ascii: ",") else { return nil }
        }
        return open == UInt8(ascii: "[") ? .array(items) : .object(object)
    }

    /// One literal inside an array or object.
    private mutating func element(depth: Int) -> Value? {
        guard let b = peek() else { return nil }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            if b == UInt8(ascii: "'") { singleQuoteAt = singleQuoteAt ?? i }
            return scanString().map(Value.string)
        }
        if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { return compound(depth: depth + 1) }
        return numberLiteral() ?? wordLiteral(allowUndefined: false)
    }

    /// A quoted string with JSON escapes (`\\"` or `\\'` for the quote used),
    /// or nil, with `i` at the offending byte, when it is unterminated, holds
    /// a control character (a raw newline or tab) or an escape JSON does not
    /// know: handlebars-rust reads it as a JSON string.
    mutating func scanString() -> String? {
        let quote = bytes[i]
        i += 1
        var out: [UInt8] = []
        var pendingHighSurrogate: UInt32?
        while let b = peek() {
            if b == quote {
                guard pendingHighSurrogate == nil else { return nil }
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            guard b == UInt8(ascii: "\\") else {
                guard pendingHighSurrogate == nil, b >= 0x20 else { return nil }
                out.append(b)
                i += 1
                continue
            }
            guard let e = peek(1) else { i += 1; return nil }
            var scalar: UInt32
            switch e {
            case quote, UInt8(ascii: "\\"), UInt8(ascii: "/"): scalar = UInt32(e)
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "u"):
                guard i + 6 <= bytes.count, let v = UInt32(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16) else {
                    return nil
                }
                scalar = v
                i += 4
            default:
                return nil
            }
            i += 2
            if let high = pendingHighSurrogate {
                // The second half of a UTF-16 surrogate pair.
                guard (0xDC00...0xDFFF).contains(scalar) else { return nil }
                scalar = 0x10000 + ((high - 0xD800) << 10) + (scalar - 0xDC00)
                pendingHighSurrogate = nil
            } else if (0xD800...0xDBFF).contains(scalar) {
                pendingHighSurrogate = scalar
                continue
            }
            guard let u = Unicode.Scalar(scalar) else { return nil }
            out.append(contentsOf: String(Character(u)).utf8)
        }
        return nil
    }
}
