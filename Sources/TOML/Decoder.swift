/// TOML decoding: TOML 1.1 by default (what Habitat's parser, toml 1.1.4,
/// reads), TOML 1.0 on request.
public enum TOML {
    /// Which edition of the language to read. 1.1 adds `\xHH` and `\e`
    /// escapes, newlines, comments and a trailing comma in inline tables, and
    /// times without seconds; everything 1.0 accepts, 1.1 reads the same way.
    public enum Version: Sendable {
        case v1_0
        case v1_1
    }

    /// The deepest nesting a document may have: the number of tables and
    /// arrays on the longest path from the root table (counted) down, through
    /// headers, dotted keys, inline tables and arrays. A bound on the
    /// decoder's recursion, and on anything that walks a decoded value.
    public static let maxDepth = 128

    /// Decodes a whole document; keys keep their source order.
    public static func decode(_ text: String, version: Version = .v1_1) throws(TOMLError) -> TOMLTable {
        var parser = Parser(Array(text.utf8), version: version)
        return try parser.parseDocument()
    }

    /// Decodes raw bytes; bytes that are not UTF-8 are an error naming the
    /// line and column of the first bad byte.
    public static func decode(bytes: [UInt8], version: Version = .v1_1) throws(TOMLError) -> TOMLTable {
        var parser = Parser(bytes, version: version)
        return try parser.parseDocument()
    }
}

/// A table while the document is being read: it remembers how it was created,
/// because TOML's redefinition rules depend on it.
final class TableNode {
    enum Origin {
        /// Created as the parent of a `[a.b]` header; may be defined later.
        case implicit
        /// Defined by a `[header]` (or `[[header]]` element).
        case header
        /// Created by a dotted key `a.b = 1`.
        case dotted
        /// An inline table `{ … }`: closed for good.
        case inline
    }

    enum Entry {
        case value(TOMLValue)
        case table(TableNode)
        case tables(TableArray)
    }

    /// The elements of an array of tables, in a box: each `[[key]]` appends
    /// in place. (Kept in the enum as a plain array, every append copied it:
    /// 100,000 headers took 75 s.)
    final class TableArray {
        var elements: [TableNode]
        init(_ first: TableNode) { elements = [first] }
    }

    var origin: Origin
    /// How many tables and arrays lead to this table, itself included (the
    /// root table is 1).
    let depth: Int
    var keys: [String] = []
    var entries: [String: Entry] = [:]

    init(_ origin: Origin, depth: Int) {
        self.origin = origin
        self.depth = depth
    }

    subscript(key: String) -> Entry? {
        get { entries[key] }
        set {
            if entries.updateValue(newValue!, forKey: key) == nil { keys.append(key) }
        }
    }

    var table: TOMLTable {
        var t = TOMLTable()
        for k in keys {
            switch entries[k]! {
            case .value(let v): t[k] = v
            case .table(let n): t[k] = .table(n.table)
            case .tables(let ns): t[k] = .array(ns.elements.map { .table($0.table) })
            }
        }
        return t
    }
}

struct Parser {
    let bytes: [UInt8]
    let v11: Bool
    var i = 0
    let root = TableNode(.header, depth: 1)
    var current: TableNode

    init(_ bytes: [UInt8], version: TOML.Version) {
        self.bytes = bytes
        v11 = version == .v1_1
        current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    // MARK: Positions and errors

    /// Line and column (in characters) of byte offset `at`.
    func position(_ at: Int) -> (Int, Int) {
        var line = 1
        var column = 1
        var k = 0
        let end = min(at, bytes.count)
        while k < end {
            if bytes[k] == 0x0A {
                line += 1
                column = 1
            } else if bytes[k] & 0xC0 != 0x80 {
                column += 1
            }
            k += 1
        }
        return (line, column)
    }

    func error(_ message: String, at: Int? = nil) -> TOMLError {
        let (l, c) = position(at ?? i)
        return TOMLError(line: l, column: c, message: message)
    }

    var atEnd: Bool { i >= bytes.count }
    func peek(_ k: Int = 0) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    func describe(_ b: UInt8?) -> String {
        guard let b else { return "end of input" }
        switch b {
        case 0x0A: return "a newline"
        case 0x0D: return "a carriage return"
        case 0x09: return "a tab"
        case 0x20: return "a space"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(b)))'"
        default: return "byte 0x\(String(b, radix: 16))"
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        while true {
            skipWhitespace()
            guard let b = peek() else { break }
            switch b {
            case UInt8(ascii: "#"): try skipComment()
            case 0x0A: i += 1
            case 0x0D:
                guard peek(1) == 0x0A else { throw error("carriage return not followed by a newline") }
                i += 2
            case UInt8(ascii: "["):
                try parseHeader()
                try expectLineEnd()
            default:
                try parseKeyValue(into: current)
                try expectLineEnd()
            }
        }
        return root.table
    }

    mutating func skipWhitespace() {
        while let b = peek(), b == 0x20 || b == 0x09 { i += 1 }
    }

    /// Skips `# …` up to (not including) the newline; control characters other
    /// than tab are not allowed in comments.
    mutating func skipComment() throws(TOMLError) {
        i += 1
        while let b = peek(), b != 0x0A {
            if b == 0x0D {
                if peek(1) == 0x0A { return }
                throw error("carriage return in a comment")
            }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw error("control character in a comment") }
            if b >= 0x80 { try skipUTF8() } else { i += 1 }
        }
    }

    /// After a key/value or header: spaces, an optional comment, then a newline or the end.
    mutating func expectLineEnd() throws(TOMLError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let b = peek() else { return }
        if b == 0x0A { i += 1; return }
        if b == 0x0D && peek(1) == 0x0A { i += 2; return }
        throw error("expected the end of the line, found \(describe(b))")
    }

    /// Validates one UTF-8 sequence at `i` and steps over it.
    mutating func skipUTF8() throws(TOMLError) {
        _ = try decodeUTF8()
    }

    mutating func decodeUTF8() throws(TOMLError) -> Unicode.Scalar {
        let b0 = bytes[i]
        var n = 0
        var value: UInt32 = 0
        switch b0 {
        case 0x00...0x7F: i += 1; return Unicode.Scalar(b0)
        case 0xC2...0xDF: n = 1; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: n = 2; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: n = 3; value = UInt32(b0 & 0x07)
        default: throw error("invalid UTF-8")
        }
        guard i + n < bytes.count else { throw error("invalid UTF-8") }
        for k in 1...n {
            let b = bytes[i + k]
            guard b & 0xC0 == 0x80 else { throw error("invalid UTF-8") }
            value = value << 6 | UInt32(b & 0x3F)
        }
        let minimum: UInt32 = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw error("invalid UTF-8") }
        i += n + 1
        return scalar
    }

    // MARK: Keys

    /// A dotted key: one or more simple keys separated by `.`.
    mutating func parseKey() throws(TOMLError) -> [(String, Int)] {
        var parts: [(String, Int)] = []
        while true {
            skipWhitespace()
            let start = i
            parts.append((try parseSimpleKey(), start))
            skipWhitespace()
            if peek() == UInt8(ascii: ".") { i += 1 } else { return parts }
        }
    }

    mutating func parseSimpleKey() throws(TOMLError) -> String {
        guard let b = peek() else { throw error("expected a key, found end of input") }
        if b == UInt8(ascii: "\"") {
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { throw error("multi-line strings cannot be keys") }
            return try parseBasicString()
        }
        if b == UInt8(ascii: "'") {
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { throw error("multi-line strings cannot be keys") }
            return try parseLiteralString()
        }
        let start = i
        while let c = peek(), isBareKeyByte(c) { i += 1 }
        guard i > start else { throw error("expected a key, found \(describe(b))") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    // MARK: Tables

    mutating func parseHeader() throws(TOMLError) {
        let start = i
        let isArray = peek(1) == UInt8(ascii: "[")
        i += isArray ? 2 : 1
        let key = try parseKey()
        skipWhitespace()
        guard peek() == UInt8(ascii: "]") else { throw error("expected ']' to close the table header, found \(describe(peek()))") }
        i += 1
        if isArray {
            guard peek() == UInt8(ascii: "]") else { throw error("expected ']]' to close the array-of-tables header") }
            i += 1
        }
        var node = root
        for (name, at) in key.dropLast() {
            if node.depth >= TOML.maxDepth { throw tooDeep(at: at) }
            switch node[name] {
            case nil:
                let child = TableNode(.implicit, depth: node.depth + 1)
                node[name] = .table(child)
                node = child
            case .table(let child)?:
                if child.origin == .inline { throw error("cannot extend inline table '\(name)'", at: at) }
                node = child
            case .tables(let list)?:
                node = list.elements.last!
            case .value?:
                throw error("key '\(name)' is already a value, not a table", at: at)
            }
        }
        let (name, at) = key.last!
        // An array of tables is a level of its own above each element.
        let childDepth = node.depth + (isArray ? 2 : 1)
        if childDepth > TOML.maxDepth { throw tooDeep(at: at) }
        if isArray {
            switch node[name] {
            case nil:
                let child = TableNode(.header, depth: childDepth)
                node[name] = .tables(TableNode.TableArray(child))
                current = child
            case .tables(let list)?:
                let child = TableNode(.header, depth: childDepth)
                list.elements.append(child)
                current = child
            default:
                throw error("'\(name)' is already defined and is not an array of tables", at: at)
            }
        } else {
            switch node[name] {
            case nil:
                let child = TableNode(.header, depth: node.depth + 1)
                node[name] = .table(child)
                current = child
            case .table(let child)?:
                guard child.origin == .implicit else {
                    throw error("table '\(key.map(\.0).joined(separator: "."))' is defined twice", at: start)
                }
                child.origin = .header
                current = child
            default:
                throw error("'\(name)' is already defined and is not a table", at: at)
            }
        }
    }

    mutating func parseKeyValue(into table: TableNode) throws(TOMLError) {
        let key = try parseKey()
        skipWhitespace()
        guard peek() == UInt8(ascii: "=") else { throw error("expected '=' after the key, found \(describe(peek()))") }
        i += 1
        skipWhitespace()
        // The value's table is `key.count - 1` dotted levels below `table`.
        let parentDepth = table.depth + key.count - 1
        if parentDepth > TOML.maxDepth { throw tooDeep(at: key[TOML.maxDepth - table.depth].1) }
        let value = try parseValue(depth: parentDepth)
        var node = table
        for (name, at) in key.dropLast() {
            switch node[name] {
            case nil:
                let child = TableNode(.dotted, depth: node.depth + 1)
                node[name] = .table(child)
                node = child
            case .table(let child)? where child.origin == .dotted:
                node = child
            default:
                throw error("cannot add keys to '\(name)': it is already defined", at: at)
            }
        }
        let (name, at) = key.last!
        guard node[name] == nil else {
            throw error("duplicate key '\(key.map(\.0).joined(separator: "."))'", at: at)
        }
        switch value {
        case .table(let t): node[name] = .table(t)
        case .plain(let v): node[name] = .value(v)
        }
    }

    // MARK: Values

    enum Parsed {
        case plain(TOMLValue)
        case table(TableNode)
    }

    /// A nesting error at byte offset `at`.
    func tooDeep(at: Int? = nil) -> TOMLError {
        var e = error("nested more than \(TOML.maxDepth) levels deep (tables and arrays)", at: at)
        e.isTooDeep = true
        return e
    }

    /// A value held by a table or array at `depth`; an array or inline table
    /// here is one level deeper.
    mutating func parseValue(depth: Int) throws(TOMLError) -> Parsed {
        guard let b = peek() else { throw error("expected a value, found end of input") }
        switch b {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { return .plain(.string(try parseMultilineBasicString())) }
            return .plain(.string(try parseBasicString()))
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { return .plain(.string(try parseMultilineLiteralString())) }
            return .plain(.string(try parseLiteralString()))
        case UInt8(ascii: "["):
            return .plain(try parseArray(depth: depth))
        case UInt8(ascii: "{"):
            return .table(try parseInlineTable(depth: depth))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matches("true") { i += 4; return .plain(.bool(true)) }
            if matches("false") { i += 5; return .plain(.bool(false)) }
            throw error("expected a value, found \(describe(b))")
        default:
            return .plain(try parseNumberOrDate())
        }
    }

    func matches(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { return false }
        if let next = peek(w.count), isBareKeyByte(next) { return false }
        return true
    }

    mutating func parseArray(depth: Int) throws(TOMLError) -> TOMLValue {
        if depth + 1 > TOML.maxDepth { throw tooDeep() }
        i += 1
        var items: [TOMLValue] = []
        while true {
            try skipArrayFiller()
            guard let b = peek() else { throw error("unterminated array: expected ']'") }
            if b == UInt8(ascii: "]") { i += 1; return .array(items) }
            switch try parseValue(depth: depth + 1) {
            case .plain(let v): items.append(v)
            case .table(let t): items.append(.table(t.table))
            }
            try skipArrayFiller()
            guard let c = peek() else { throw error("unterminated array: expected ']'") }
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']' in the array, found \(describe(c))")
        }
    }

    /// Whitespace, newlines and comments allowed between array items (and,
    /// in TOML 1.1, between the parts of an inline table).
    mutating func skipArrayFiller() throws(TOMLError) {
        while let b = peek() {
            if b == 0x20 || b == 0x09 || b == 0x0A { i += 1 } else if b == 0x0D {
                guard peek(1) == 0x0A else { throw error("carriage return not followed by a newline") }
                i += 2
            } else if b == UInt8(ascii: "#") {
                try skipComment()
            } else {
                return
            }
        }
    }

    /// Spaces inside an inline table: TOML 1.1 also allows newlines and
    /// comments there; 1.0 only spaces and tabs.
    mutating func skipInlineFiller() throws(TOMLError) {
        if v11 { try skipArrayFiller() } else { skipWhitespace() }
    }

    mutating func parseInlineTable(depth: Int) throws(TOMLError) -> TableNode {
        i += 1
        if depth + 1 > TOML.maxDepth { throw tooDeep() }
        let table = TableNode(.inline, depth: depth + 1)
        try skipInlineFiller()
        if peek() == UInt8(ascii: "}") { i += 1; return table }
        while true {
            try skipInlineFiller()
            guard let b = peek(), b != 0x0A, b != 0x0D else { throw error("inline tables must be on one line in TOML 1.0: expected a key") }
            if b == UInt8(ascii: "}") {
                guard v11 else { throw error("trailing comma in an inline table") }
                i += 1
                break
            }
            try parseKeyValue(into: table)
            try skipInlineFiller()
            guard let c = peek() else { throw error("unterminated inline table: expected '}'") }
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "}") { i += 1; break }
            throw error("expected ',' or '}' in the inline table, found \(describe(c))")
        }
        freeze(table)
        return table
    }

    /// Inline tables and the tables inside them can never be extended.
    func freeze(_ table: TableNode) {
        table.origin = .inline
        for k in table.keys {
            // An inline table inside is frozen already, with all it holds.
            if case .table(let child)? = table[k], child.origin != .inline { freeze(child) }
        }
    }

    // MARK: Strings

    mutating func parseBasicString() throws(TOMLError) -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let b = peek() else { throw error("unterminated string: expected '\"'") }
            switch b {
            case UInt8(ascii: "\""): i += 1; return String(out)
            case UInt8(ascii: "\\"): out.append(try parseEscape())
            case 0x0A, 0x0D: throw error("newline in a single-line string")
            default:
                if (b < 0x20 && b != 0x09) || b == 0x7F { throw error("control character in a string; escape it") }
                out.append(try decodeUTF8())
            }
        }
    }

    mutating func parseEscape() throws(TOMLError) -> Unicode.Scalar {
        let start = i
        i += 1
        guard let e = peek() else { throw error("unterminated escape") }
        i += 1
        switch e {
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "e") where v11: return "\u{1B}"
        case UInt8(ascii: "x") where v11:
            guard i + 2 <= bytes.count, let hi = hexValue(bytes[i]), let lo = hexValue(bytes[i + 1]) else {
                throw error("invalid \\x escape: two hex digits expected", at: start)
            }
            i += 2
            return Unicode.Scalar(hi * 16 + lo)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= bytes.count else { throw error("incomplete unicode escape", at: start) }
            var value: UInt32 = 0
            for k in 0..<n {
                guard let d = hexValue(bytes[i + k]) else { throw error("invalid unicode escape", at: start) }
                value = value * 16 + UInt32(d)
            }
            i += n
            guard let scalar = Unicode.Scalar(value) else {
                throw error("\\\(Character(Unicode.Scalar(e)))… is not a Unicode scalar value", at: start)
            }
            return scalar
        default:
            throw error("invalid escape \\\(describe(e).trimmingQuotes())", at: start)
        }
    }

    func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        i += 1
        let start = i
        while true {
            guard let b = peek() else { throw error("unterminated string: expected \"'\"") }
            if b == UInt8(ascii: "'") { break }
            if b == 0x0A || b == 0x0D { throw error("newline in a single-line string") }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw error("control character in a literal string") }
            try skipUTF8()
        }
        let s = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return s
    }

    /// Newline right after the opening delimiter is dropped.
    mutating func skipFirstNewline() {
        if peek() == 0x0A { i += 1 } else if peek() == 0x0D, peek(1) == 0x0A { i += 2 }
    }

    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        i += 3
        skipFirstNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let b = peek() else { throw error("unterminated multi-line string: expected '\"\"\"'") }
            if b == UInt8(ascii: "\""), peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                // Up to two quotes may sit right before the closing delimiter.
                var extra = 0
                while extra < 2, peek(3 + extra) == UInt8(ascii: "\"") { extra += 1 }
                for _ in 0..<extra { out.append("\"") }
                i += 3 + extra
                return String(out)
            }
            switch b {
            case UInt8(ascii: "\\"):
                // Line-ending backslash: skip whitespace and newlines that follow.
                var k = i + 1
                while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x09 { k += 1 }
                if k < bytes.count, bytes[k] == 0x0A || (bytes[k] == 0x0D && k + 1 < bytes.count && bytes[k + 1] == 0x0A) {
                    i = k
                    while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || (c == 0x0D && peek(1) == 0x0A) {
                        i += c == 0x0D ? 2 : 1
                    }
                } else {
                    out.append(try parseEscape())
                }
            case 0x0A:
                out.append("\n")
                i += 1
            case 0x0D:
                guard peek(1) == 0x0A else { throw error("carriage return not followed by a newline") }
                out.append("\r")
                out.append("\n")
                i += 2
            default:
                if (b < 0x20 && b != 0x09) || b == 0x7F { throw error("control character in a string; escape it") }
                out.append(try decodeUTF8())
            }
        }
    }

    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        i += 3
        skipFirstNewline()
        let start = i
        while true {
            guard let b = peek() else { throw error("unterminated multi-line string: expected \"'''\"") }
            if b == UInt8(ascii: "'"), peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                var extra = 0
                while extra < 2, peek(3 + extra) == UInt8(ascii: "'") { extra += 1 }
                let s = String(decoding: bytes[start..<i + extra], as: UTF8.self)
                i += 3 + extra
                return s
            }
            if b == 0x0D {
                guard peek(1) == 0x0A else { throw error("carriage return not followed by a newline") }
                i += 2
                continue
            }
            if b == 0x0A { i += 1; continue }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw error("control character in a literal string") }
            try skipUTF8()
        }
    }

    // MARK: Numbers and dates

    /// Reads the characters a number or date can contain, then decides.
    mutating func parseNumberOrDate() throws(TOMLError) -> TOMLValue {
        let start = i
        if isDateStart() { return .datetime(try parseDateTime()) }
        if isTimeStart() { return .datetime(try parseDateTime()) }
        while let c = peek(), isBareKeyByte(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") { i += 1 }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !token.isEmpty else { throw error("expected a value, found \(describe(peek()))") }
        if let v = NumberParser.integer(token) { return .integer(v) }
        if let v = NumberParser.float(token) { return .float(v) }
        if NumberParser.looksIntegral(token) { throw error("integer '\(token)' is out of range or malformed", at: start) }
        throw error("'\(token)' is not a valid value (strings need quotes)", at: start)
    }

    func digit(_ k: Int) -> Bool { peek(k).map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    func isDateStart() -> Bool {
        digit(0) && digit(1) && digit(2) && digit(3) && peek(4) == UInt8(ascii: "-")
    }

    func isTimeStart() -> Bool {
        digit(0) && digit(1) && peek(2) == UInt8(ascii: ":")
    }

    mutating func readDigits(_ n: Int, _ what: String) throws(TOMLError) -> Int {
        var v = 0
        for _ in 0..<n {
            guard digit(0) else { throw error("malformed \(what)") }
            v = v * 10 + Int(bytes[i] - 0x30)
            i += 1
        }
        return v
    }

    mutating func expect(_ c: Character, _ what: String) throws(TOMLError) {
        guard peek() == c.asciiValue else { throw error("malformed \(what): expected '\(c)'") }
        i += 1
    }

    mutating func parseDateTime() throws(TOMLError) -> TOMLDateTime {
        let start = i
        var dt = TOMLDateTime(kind: .localTime)
        var hasDate = false
        if isDateStart() {
            hasDate = true
            dt.year = try readDigits(4, "date")
            try expect("-", "date")
            dt.month = try readDigits(2, "date")
            try expect("-", "date")
            dt.day = try readDigits(2, "date")
            guard (1...12).contains(dt.month), dt.day >= 1, dt.day <= daysIn(month: dt.month, year: dt.year) else {
                throw error("invalid date", at: start)
            }
            dt.kind = .localDate
            // A time follows after T, t, or a space followed by a digit.
            if let sep = peek(), sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || (sep == 0x20 && digit(1) && digit(2) && peek(3) == UInt8(ascii: ":")) {
                i += 1
            } else {
                return dt
            }
        }
        dt.hour = try readDigits(2, "time")
        try expect(":", "time")
        dt.minute = try readDigits(2, "time")
        // TOML 1.1 makes the seconds optional (`07:32` is `07:32:00`).
        if v11 && peek() != UInt8(ascii: ":") {
            dt.second = 0
            guard peek() != UInt8(ascii: ".") else { throw error("malformed time: a fraction needs seconds") }
        } else {
            try expect(":", "time (seconds are required in TOML 1.0)")
            dt.second = try readDigits(2, "time")
        }
        guard dt.hour <= 23, dt.minute <= 59, dt.second <= 60 else { throw error("invalid time", at: start) }
        if peek() == UInt8(ascii: ".") {
            i += 1
            let f = i
            while digit(0) { i += 1 }
            guard i > f else { throw error("malformed time: digits expected after '.'") }
            dt.fraction = String(decoding: bytes[f..<min(i, f + 9)], as: UTF8.self)
        }
        dt.kind = hasDate ? .localDateTime : .localTime
        guard hasDate else { return dt }
        if let z = peek(), z == UInt8(ascii: "Z") || z == UInt8(ascii: "z") {
            i += 1
            dt.kind = .offsetDateTime
            dt.offsetMinutes = 0
            dt.isZulu = true
        } else if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            i += 1
            let h = try readDigits(2, "offset")
            try expect(":", "offset")
            let m = try readDigits(2, "offset")
            guard h <= 23, m <= 59 else { throw error("invalid offset", at: start) }
            dt.kind = .offsetDateTime
            dt.offsetMinutes = (s == UInt8(ascii: "-") ? -1 : 1) * (h * 60 + m)
        }
        return dt
    }

    func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// TOML integer and float syntax.
enum NumberParser {
    static func looksIntegral(_ t: String) -> Bool {
        let s = t.hasPrefix("+") || t.hasPrefix("-") ? t.dropFirst() : Substring(t)
        return !s.isEmpty && s.allSatisfy { $0.isHexDigit || $0 == "_" || $0 == "x" || $0 == "o" || $0 == "b" }
            && !s.contains("e") && !s.contains("E")
    }

    /// Underscores only between digits.
    static func stripUnderscores(_ s: Substring, isDigit: (Character) -> Bool) -> String? {
        var out = ""
        var previous: Character?
        for c in s {
            if c == "_" {
                guard let p = previous, isDigit(p) else { return nil }
            } else {
                if previous == "_" && !isDigit(c) { return nil }
                out.append(c)
            }
            previous = c
        }
        if previous == "_" { return nil }
        return out
    }

    static func integer(_ token: String) -> Int64? {
        var s = Substring(token)
        if s.hasPrefix("0x") || s.hasPrefix("0o") || s.hasPrefix("0b") {
            let radix = s.hasPrefix("0x") ? 16 : s.hasPrefix("0o") ? 8 : 2
            s = s.dropFirst(2)
            let isDigit: (Character) -> Bool = { c in
                guard let v = c.hexDigitValue else { return false }
                return v < radix
            }
            guard !s.isEmpty, let digits = stripUnderscores(s, isDigit: isDigit), !digits.isEmpty,
                  digits.allSatisfy(isDigit) else { return nil }
            guard let v = UInt64(digits, radix: radix), v <= UInt64(Int64.max) else { return nil }
            return Int64(v)
        }
        var negative = false
        if s.hasPrefix("+") || s.hasPrefix("-") {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        guard !s.isEmpty, let digits = stripUnderscores(s, isDigit: isDigit), !digits.isEmpty,
              digits.allSatisfy(isDigit) else { return nil }
        if digits.count > 1 && digits.hasPrefix("0") { return nil }
        return Int64(negative ? "-" + digits : digits)
    }

    static func float(_ token: String) -> Double? {
        var s = Substring(token)
        var sign = ""
        if s.hasPrefix("+") || s.hasPrefix("-") {
            sign = s.first == "-" ? "-" : ""
            s = s.dropFirst()
        }
        if s == "inf" { return sign == "-" ? -.infinity : .infinity }
        if s == "nan" { return sign == "-" ? -.nan : .nan }
        // int-part [. frac] [e [sign] digits], with at least frac or exponent.
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        var mantissa = s
        var exponent: Substring?
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[..<e]
            exponent = s[s.index(after: e)...]
        }
        var intPart = mantissa
        var fracPart: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        guard fracPart != nil || exponent != nil else { return nil }
        guard !intPart.isEmpty, let intDigits = stripUnderscores(intPart, isDigit: isDigit),
              !intDigits.isEmpty, intDigits.allSatisfy(isDigit) else { return nil }
        if intDigits.count > 1 && intDigits.hasPrefix("0") { return nil }
        var text = sign + intDigits
        if let fracPart {
            guard !fracPart.isEmpty, let f = stripUnderscores(fracPart, isDigit: isDigit), !f.isEmpty,
                  f.allSatisfy(isDigit) else { return nil }
            text += "." + f
        }
        if var exponent {
            var expSign = ""
            if exponent.hasPrefix("+") || exponent.hasPrefix("-") {
                expSign = exponent.first == "-" ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard !exponent.isEmpty, let e = stripUnderscores(exponent, isDigit: isDigit), !e.isEmpty,
                  e.allSatisfy(isDigit) else { return nil }
            text += "e" + expSign + e
        }
        return Double(text)
    }
}

extension String {
    func trimmingQuotes() -> String {
        hasPrefix("'") && hasSuffix("'") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}
