import Handlebars

/// Habitat's `toYaml` output: serde_yaml 0.9 on the libyaml emitter (spec
/// 3.8): block style, no `---`, ends with a newline; strings that would read
/// back as something else are quoted.
public enum YAMLWriter {
    /// Values nested deeper than `Nesting.maxDepth` are refused (`Nesting.TooDeep`).
    public static func render(_ value: Value) throws -> String {
        try Nesting.check(value)
        var w = Writer()
        switch value {
        case .array(let a) where a.isEmpty: w.out = "[]\n"
        case .object(let o) where o.isEmpty: w.out = "{}\n"
        case .array(let a): w.sequence(a, indent: 0, firstInline: false)
        case .object(let o): w.mapping(o, indent: 0, firstInline: false)
        default:
            let s = scalar(value, simpleKey: false)
            if case .literal(let header, let body, _) = s { w.literal(header, body, indent: 2) } else { w.out = s.inlineText + "\n" }
        }
        if w.openEnded { w.out += "...\n" }
        return w.out
    }

    enum Scalar {
        case inline(String)
        case literal(header: String, body: String, openEnded: Bool)

        var inlineText: String {
            if case .inline(let t) = self { return t }
            return ""
        }
    }

    struct Writer {
        var out = ""
        var openEnded = false

        mutating func pad(_ n: Int) { out += String(repeating: " ", count: max(n, 0)) }

        mutating func literal(_ header: String, _ body: String, indent: Int) {
            out += header + "\n"
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                if !line.isEmpty { pad(indent); out += line }
                if i < lines.count - 1 { out += "\n" }
            }
            if !body.hasSuffix("\n") { out += "\n" }
        }

        /// A value after `key:` or `- ` on the current line.
        mutating func value(_ v: Value, indent: Int, afterDash: Bool) {
            switch v {
            case .array(let a):
                if a.isEmpty { out += (afterDash ? "" : " ") + "[]\n"; return }
                if afterDash { sequence(a, indent: indent + 2, firstInline: true) } else { out += "\n"; sequence(a, indent: indent, firstInline: false) }
            case .object(let o):
                if o.isEmpty { out += (afterDash ? "" : " ") + "{}\n"; return }
                if afterDash { mapping(o, indent: indent + 2, firstInline: true) } else { out += "\n"; mapping(o, indent: indent + 2, firstInline: false) }
            default:
                if !afterDash { out += " " }
                switch YAMLWriter.scalar(v, simpleKey: false) {
                case .inline(let t): out += t + "\n"
                case .literal(let header, let body, let openEnded):
                    literal(header, body, indent: indent + 2)
                    if openEnded { self.openEnded = true }
                }
            }
        }

        mutating func mapping(_ o: Object, indent: Int, firstInline: Bool) {
            var first = true
            for (k, v) in o {
                if !(first && firstInline) { pad(indent) }
                first = false
                let key = YAMLWriter.string(k, simpleKey: true)
                if case .inline(let t) = key, k.count <= 128 {
                    out += t + ":"
                } else {
                    out += "? " + YAMLWriter.doubleQuoted(k) + "\n"
                    pad(indent)
                    out += ":"
                }
                value(v, indent: indent, afterDash: false)
            }
        }

        mutating func sequence(_ a: [Value], indent: Int, firstInline: Bool) {
            for (i, item) in a.enumerated() {
                if !(i == 0 && firstInline) { pad(indent) }
                out += "- "
                value(item, indent: indent, afterDash: true)
            }
        }
    }

    static func scalar(_ v: Value, simpleKey: Bool) -> Scalar {
        switch v {
        case .null: return .inline("null")
        case .bool(let b): return .inline(b ? "true" : "false")
        case .integer(let i): return .inline(String(i))
        case .unsigned(let u): return .inline(String(u))
        case .float(let d):
            if d.isNaN { return .inline(".nan") }
            if d.isInfinite { return .inline(d > 0 ? ".inf" : "-.inf") }
            return .inline(NumberFormat.json(d))
        case .string(let s): return string(s, simpleKey: simpleKey)
        default: return .inline("")
        }
    }

    /// serde_yaml picks: literal block for multi-line strings, single quotes
    /// for strings that would read back as another type, else libyaml's choice.
    static func string(_ s: String, simpleKey: Bool) -> Scalar {
        let requested: Style = s.contains("\n") ? .literal : (readsAsNonString(s) ? .single : .plain)
        return emit(s, requested: requested, simpleKey: simpleKey)
    }

    enum Style { case plain, single, double, literal }

    /// Would this plain scalar resolve to null, bool, int or float (YAML 1.2
    /// core schema as serde_yaml reads it), or be digits that are not a number?
    static func readsAsNonString(_ s: String) -> Bool {
        if ["", "null", "Null", "NULL", "~"].contains(s) { return true }
        if ["true", "True", "TRUE", "false", "False", "FALSE"].contains(s) { return true }
        var unsigned = Substring(s)
        if unsigned.first == "-" || unsigned.first == "+" { unsigned = unsigned.dropFirst() }
        if unsigned.count > 1, unsigned.first == "0", unsigned.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        if isInteger(s) { return true }
        var u = Substring(s)
        if u.hasPrefix("+") {
            u = u.dropFirst()
            if u.hasPrefix("+") || u.hasPrefix("-") { return false }
        }
        if [".inf", ".Inf", ".INF"].contains(u) || ["-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"].contains(s) { return true }
        return isRustFloat(u)
    }

    static func isInteger(_ s: String) -> Bool {
        var t = Substring(s)
        if t.first == "+" || t.first == "-" { t = t.dropFirst() }
        func all(_ x: Substring, _ ok: (Character) -> Bool) -> Bool { !x.isEmpty && x.allSatisfy(ok) }
        if t.hasPrefix("0x") { return all(t.dropFirst(2)) { $0.isHexDigit } }
        if t.hasPrefix("0o") { return all(t.dropFirst(2)) { ("0"..."7").contains($0) } }
        if t.hasPrefix("0b") { return all(t.dropFirst(2)) { $0 == "0" || $0 == "1" } }
        return all(t) { $0.isASCII && $0.isNumber }
    }

    /// Rust's `f64::from_str` grammar for finite values.
    static func isRustFloat(_ s: Substring) -> Bool {
        var t = s
        if t.first == "+" || t.first == "-" { t = t.dropFirst() }
        var mantissa = t
        if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = t[..<e]
            var exp = t[t.index(after: e)...]
            if exp.first == "+" || exp.first == "-" { exp = exp.dropFirst() }
            guard !exp.isEmpty, exp.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let intPart = parts[0]
        let frac = parts.count > 1 ? parts[1] : ""
        guard intPart.allSatisfy({ $0.isASCII && $0.isNumber }), frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        guard !(intPart.isEmpty && frac.isEmpty) else { return false }
        if intPart.isEmpty && parts.count < 2 { return false }
        return Double(String(s)).map { $0.isFinite } ?? false
    }

    static func isBreak(_ c: Unicode.Scalar) -> Bool {
        c == "\n" || c == "\r" || c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029
    }

    static func isBlankOrEnd(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return true }
        return c == " " || c == "\t" || isBreak(c) || c.value == 0
    }

    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return v == 0x0A || (0x20...0x7E).contains(v) || v == 0x85 || (0xA0...0xD7FF).contains(v)
            || ((0xE000...0xFFFD).contains(v) && v != 0xFEFF) || (0x10000...0x10FFFF).contains(v)
    }

    struct Analysis {
        var multiline = false
        var blockPlain = true
        var single = true
        var block = true
    }

    /// libyaml's scalar analysis: which styles can show this string.
    static func analyze(_ s: String) -> Analysis {
        let chars = Array(s.unicodeScalars)
        guard !chars.isEmpty else { return Analysis(multiline: false, blockPlain: true, single: true, block: false) }
        var blockIndicators = s.hasPrefix("---") || s.hasPrefix("...")
        var lineBreaks = false, special = false
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false
        var precededByWhitespace = true
        var followedByWhitespace = isBlankOrEnd(chars.count > 1 ? chars[1] : nil)
        for (i, c) in chars.enumerated() {
            if i == 0 {
                if "#,[]{}&*!|>'\"%@`".unicodeScalars.contains(c) { blockIndicators = true }
                if (c == "?" || c == ":") && followedByWhitespace { blockIndicators = true }
                if c == "-" && followedByWhitespace { blockIndicators = true }
            } else {
                if c == ":" && followedByWhitespace { blockIndicators = true }
                if c == "#" && precededByWhitespace { blockIndicators = true }
            }
            if !isPrintable(c) { special = true }
            if isBreak(c) { lineBreaks = true }
            if c == " " {
                if i == 0 { leadingSpace = true }
                if i == chars.count - 1 { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true
                previousBreak = false
            } else if isBreak(c) {
                if i == 0 { leadingBreak = true }
                if i == chars.count - 1 { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false
                previousBreak = true
            } else {
                previousSpace = false
                previousBreak = false
            }
            precededByWhitespace = isBlankOrEnd(c)
            followedByWhitespace = isBlankOrEnd(i + 2 < chars.count ? chars[i + 2] : nil)
        }
        var a = Analysis(multiline: lineBreaks)
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak { a.blockPlain = false }
        if trailingSpace { a.block = false }
        if breakSpace { a.blockPlain = false; a.single = false }
        if spaceBreak || special { a.blockPlain = false; a.single = false; a.block = false }
        if lineBreaks { a.blockPlain = false }
        if blockIndicators { a.blockPlain = false }
        return a
    }

    static func emit(_ s: String, requested: Style, simpleKey: Bool) -> Scalar {
        let a = analyze(s)
        var style = requested
        if simpleKey && a.multiline { style = .double }
        if style == .plain && (!a.blockPlain || (s.isEmpty && simpleKey)) { style = .single }
        if style == .single && !a.single { style = .double }
        if style == .literal && (!a.block || simpleKey) { style = .double }
        switch style {
        case .plain: return .inline(s)
        case .single: return .inline("'" + s.replacing("'", with: "''") + "'")
        case .double: return .inline(doubleQuoted(s))
        case .literal:
            let chars = Array(s.unicodeScalars)
            var header = "|"
            if let f = chars.first, f == " " || isBreak(f) { header += "2" }
            var openEnded = false
            if let last = chars.last, !isBreak(last) {
                header += "-"
            } else if chars.count == 1 || isBreak(chars[chars.count - 2]) {
                header += "+"
                openEnded = true
            }
            return .literal(header: header, body: s, openEnded: openEnded)
        }
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            let v = c.value
            if !isPrintable(c) || c == "\"" || c == "\\" || v == 0xFEFF || isBreak(c) || c == "\t" {
                let escapes: [UInt32: String] = [0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
                                                 0x0D: "r", 0x1B: "e", 0x22: "\"", 0x5C: "\\", 0x85: "N", 0xA0: "_",
                                                 0x2028: "L", 0x2029: "P"]
                if let e = escapes[v] {
                    out += "\\" + e
                } else {
                    let h = String(v, radix: 16, uppercase: true)
                    let (prefix, width) = v <= 0xFF ? ("\\x", 2) : v <= 0xFFFF ? ("\\u", 4) : ("\\U", 8)
                    out += prefix + String(repeating: "0", count: width - h.count) + h
                }
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
