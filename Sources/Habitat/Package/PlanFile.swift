/// Reads the variables of a `plan.sh` statically: it is never executed.
///
/// Understood: top-level `name=value` and `name+=value` assignments with
/// single-, double- or unquoted values; indexed arrays `name=(a b c)` and
/// associative arrays `name=([k]=v [k2]="v w")`, over several lines;
/// `declare`/`local`/`export`/`readonly` prefixes; `$var`, `${var}` and
/// `${var:-default}` expansion of variables already known. Function bodies and
/// anything else are skipped.
public struct PlanFile: Sendable {
    /// Scalar variables in assignment order (later assignments win).
    public private(set) var scalars: [String: String] = [:]
    /// Indexed arrays.
    public private(set) var arrays: [String: [String]] = [:]
    /// Associative arrays, keys in assignment order.
    public private(set) var maps: [String: [(key: String, value: String)]] = [:]
    /// Why the plan cannot be read (a value expanding past
    /// `maximumValueBytes`); nil when it was read. Its variables are then
    /// incomplete and must not be used.
    public private(set) var problem: String?
    /// The longest value an assignment may expand to: `a=$a$a` repeated
    /// doubles a value each line, and 40 such lines would ask for terabytes.
    public static let maximumValueBytes = 1 << 20

    public init(text: String, predefined: [String: String] = [:]) {
        var scanner = ShellScanner(text)
        self.init(assignments: scanner.assignments(), predefined: predefined)
        if let stopped = scanner.problem { problem = "line \(stopped.line): \(stopped.message)" }
    }

    /// The variables of already scanned assignments (a plan scanned once can
    /// be evaluated with different predefined variables).
    init(assignments: [ShellScanner.Assignment], predefined: [String: String] = [:]) {
        scalars = predefined
        for statement in assignments where problem == nil { apply(statement) }
    }

    public func scalar(_ name: String) -> String? { scalars[name] }
    public func array(_ name: String) -> [String] { arrays[name] ?? scalars[name].map { [$0] } ?? [] }
    public func map(_ name: String) -> [(key: String, value: String)] { maps[name] ?? [] }

    private mutating func apply(_ st: ShellScanner.Assignment) {
        let known = scalars
        var tooLong = false
        let expand = { (w: ShellScanner.Word) -> String in
            var budget = Self.maximumValueBytes
            guard let value = w.expanded(using: known, budget: &budget) else { tooLong = true; return "" }
            return value
        }
        defer {
            if tooLong { problem = "\(st.name) expands to more than \(Self.maximumValueBytes) bytes" }
        }
        switch st.value {
        case .scalar(let word):
            let v = expand(word)
            if st.append, (scalars[st.name]?.utf8.count ?? 0) + v.utf8.count > Self.maximumValueBytes { tooLong = true; return }
            scalars[st.name] = st.append ? (scalars[st.name] ?? "") + v : v
        case .list(let items):
            var indexed: [String] = []
            var assoc: [(key: String, value: String)] = []
            for item in items {
                if let key = item.key {
                    assoc.append((expand(key), expand(item.value)))
                } else {
                    indexed.append(expand(item.value))
                }
            }
            if !assoc.isEmpty {
                var existing = st.append ? (maps[st.name] ?? []) : []
                for pair in assoc {
                    if let i = existing.firstIndex(where: { $0.key == pair.key }) { existing[i] = pair } else { existing.append(pair) }
                }
                maps[st.name] = existing
            } else {
                arrays[st.name] = (st.append ? (arrays[st.name] ?? []) : []) + indexed
                if !st.append && indexed.isEmpty { maps[st.name] = [] }
            }
        }
    }
}

/// A small shell lexer: just enough to find top-level variable assignments.
/// It walks the UTF-8 bytes (the shell's syntax is all ASCII, and a
/// multi-byte character never contains an ASCII byte, so text between
/// delimiters decodes back unchanged).
struct ShellScanner {
    /// One piece of a shell word: literal text, or a variable reference.
    enum Part { case text(String), variable(String, defaultValue: Word?) }
    struct Word {
        var parts: [Part] = []
        /// The expansion, or nil once it would pass `budget` bytes (what is
        /// left of the budget is passed down to nested defaults).
        func expanded(using vars: [String: String], budget: inout Int) -> String? {
            var out = ""
            for p in parts {
                let piece: String
                switch p {
                case .text(let t): piece = t
                case .variable(let name, let def):
                    if let v = vars[name], !v.isEmpty {
                        piece = v
                    } else if let def {
                        guard let d = def.expanded(using: vars, budget: &budget) else { return nil }
                        out += d
                        continue
                    } else {
                        continue
                    }
                }
                budget -= piece.utf8.count
                if budget < 0 { return nil }
                out += piece
            }
            return out
        }
    }
    struct ListItem { var key: Word?; var value: Word }
    enum AssignedValue { case scalar(Word), list([ListItem]) }
    struct Assignment { var name: String; var append: Bool; var value: AssignedValue }

    private let bytes: [UInt8]
    private var i = 0
    /// `${a:-${b:-…}}` levels open now; reading them recurses.
    private var nesting = 0
    /// How deep `${…:-…}` defaults may nest: deeper ones overflowed the
    /// stack (one plan line of 50,000 levels ended roost with SIGSEGV).
    static let maximumNesting = 64
    /// Where scanning stopped and why (nesting past `maximumNesting`); the
    /// assignments read are then incomplete and must not be used.
    private(set) var problem: (line: Int, message: String)?

    init(_ text: String) { bytes = Array(text.utf8) }

    private var atEnd: Bool { i >= bytes.count }
    private func peek(_ k: Int = 0) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    /// Every top-level assignment, in order.
    mutating func assignments() -> [Assignment] {
        var all: [Assignment] = []
        while let statement = nextStatement() { all.append(statement) }
        return all
    }

    /// The next top-level assignment, skipping everything else.
    mutating func nextStatement() -> Assignment? {
        while !atEnd {
            skipBlanks()
            guard let c = peek() else { return nil }
            if c == .newline || c == .semicolon { i += 1; continue }
            if c == .hash { skipLine(); continue }
            let start = i
            let word = readBareName()
            if Self.declarationWords.contains(where: { $0.elementsEqual(word) }) {
                skipBlanks()
                while peek() == .dash { skipUntilBlank(); skipBlanks() }
                continue
            }
            if let first = word.first, Self.isNameStart(first) {
                if peek() == .equals || (peek() == .plus && peek(1) == .equals) {
                    let append = peek() == .plus
                    i += append ? 2 : 1
                    let name = String(decoding: word, as: UTF8.self)
                    if peek() == .openParen {
                        i += 1
                        return Assignment(name: name, append: append, value: .list(readList()))
                    }
                    return Assignment(name: name, append: append, value: .scalar(readWord()))
                }
                skipBlanks()
                if peek() == .openParen && peek(1) == .closeParen {  // function definition: skip its body
                    i += 2
                    skipFunctionBody()
                    continue
                }
            }
            if word.elementsEqual("function".utf8) { skipLine(); skipFunctionBody(); continue }
            i = max(i, start + 1)
            skipCommand()
        }
        return nil
    }

    private static let declarationWords = ["declare", "local", "export", "readonly", "typeset"].map { Array($0.utf8) }

    private static func isNameStart(_ c: UInt8) -> Bool {
        c == .underscore || ((c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z"))
    }
    private static func isNameChar(_ c: UInt8) -> Bool {
        isNameStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }
    /// Space, tab, newline, vertical tab, form feed, carriage return.
    private static func isWhitespace(_ c: UInt8) -> Bool { c == .space || (c >= 0x09 && c <= 0x0D) }

    private mutating func skipBlanks() { while let c = peek(), c == .space || c == .tab { i += 1 } }
    private mutating func skipLine() { while let c = peek(), c != .newline { i += 1 } }

    private mutating func readBareName() -> ArraySlice<UInt8> {
        let start = i
        while let c = peek(), Self.isNameChar(c) { i += 1 }
        return bytes[start..<i]
    }

    private mutating func skipUntilBlank() {
        while let c = peek(), !Self.isWhitespace(c) { i += 1 }
    }

    /// Skips a `{ … }` body, counting braces outside quotes and comments.
    private mutating func skipFunctionBody() {
        var depth = 0
        var started = false
        while let c = peek() {
            switch c {
            case .hash: if i == 0 || Self.isWhitespace(bytes[i - 1]) { skipLine(); continue }
            case .singleQuote: skipSingleQuoted(); continue
            case .doubleQuote: _ = readDoubleQuoted(); continue
            case .backslash: i += 2; continue
            case .openBrace: depth += 1; started = true
            case .closeBrace: depth -= 1
            default: break
            }
            i += 1
            if started && depth == 0 { return }
        }
    }

    /// Skips the rest of a command, honouring quotes and line continuations.
    private mutating func skipCommand() {
        while let c = peek(), c != .newline, c != .semicolon {
            switch c {
            case .singleQuote: skipSingleQuoted()
            case .doubleQuote: _ = readDoubleQuoted()
            case .backslash: i += 2
            case .hash where Self.isWhitespace(bytes[i - 1]): skipLine()
            default: i += 1
            }
        }
    }

    private mutating func skipSingleQuoted() {
        i += 1
        while let c = peek(), c != .singleQuote { i += 1 }
        i += 1
    }

    /// One shell word: concatenated unquoted, '…' and "…" pieces; `stop`
    /// ends it too (`}` of `${x:-…}`, `]` of a key, `)` of a list).
    private mutating func readWord(stop: UInt8? = nil) -> Word {
        var w = Word()
        var text: [UInt8] = []
        func flush() { if !text.isEmpty { w.parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] } }
        while let c = peek(), !Self.isWhitespace(c), c != .semicolon, c != stop {
            switch c {
            case .singleQuote:
                let start = i + 1
                i = start
                while let q = peek(), q != .singleQuote { i += 1 }
                text += bytes[start..<i]
                i += 1
            case .doubleQuote:
                flush()
                w.parts += readDoubleQuoted().parts
            case .backslash:
                if peek(1) == .newline { i += 2 } else if let n = peek(1) { text.append(n); i += 2 } else { i += 1 }
            case .dollar:
                flush()
                if let v = readVariable() { w.parts.append(v) } else { text.append(.dollar); i += 1 }
            case .hash where text.isEmpty && w.parts.isEmpty:
                return w
            default:
                text.append(c)
                i += 1
            }
        }
        flush()
        return w
    }

    private mutating func readDoubleQuoted() -> Word {
        var w = Word()
        var text: [UInt8] = []
        i += 1
        while let c = peek(), c != .doubleQuote {
            if c == .backslash, let n = peek(1) {
                if n == .newline { i += 2; continue }
                if n == .dollar || n == .backtick || n == .doubleQuote || n == .backslash {
                    text.append(n)
                } else {
                    text.append(c)
                    text.append(n)
                }
                i += 2
            } else if c == .dollar {
                if !text.isEmpty { w.parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
                if let v = readVariable() { w.parts.append(v) } else { text.append(.dollar); i += 1 }
            } else {
                text.append(c)
                i += 1
            }
        }
        i += 1
        if !text.isEmpty { w.parts.append(.text(String(decoding: text, as: UTF8.self))) }
        return w
    }

    /// `$name`, `${name}`, `${name:-default}`; `$(…)` is kept as literal text.
    private mutating func readVariable() -> Part? {
        guard peek() == .dollar else { return nil }
        if peek(1) == .openBrace {
            i += 2
            let name = String(decoding: readBareName(), as: UTF8.self)
            var def: Word?
            // `:-` or `-` before a default value.
            let markerLength = peek() == .colon && peek(1) == .dash ? 2 : peek() == .dash ? 1 : 0
            if markerLength > 0 {
                guard nesting < Self.maximumNesting else {
                    let line = bytes[..<i].reduce(1) { $1 == .newline ? $0 + 1 : $0 }
                    problem = (line, "${…:-…} nested more than \(Self.maximumNesting) levels deep")
                    i = bytes.count
                    return nil
                }
                i += markerLength
                nesting += 1
                def = readWord(stop: .closeBrace)
                nesting -= 1
            }
            while let c = peek(), c != .closeBrace { i += 1 }
            i += 1
            return .variable(name, defaultValue: def)
        }
        if let n = peek(1), Self.isNameStart(n) {
            i += 1
            return .variable(String(decoding: readBareName(), as: UTF8.self), defaultValue: nil)
        }
        if peek(1) == .openParen {  // command substitution: keep the text, it cannot be evaluated
            var depth = 0
            let start = i
            while let c = peek() {
                i += 1
                if c == .openParen { depth += 1 }
                if c == .closeParen { depth -= 1; if depth == 0 { break } }
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            return .variable("\u{0}unevaluated", defaultValue: Word(parts: [.text(text)]))
        }
        return nil
    }

    /// Items of `( … )` up to the closing parenthesis, over several lines.
    private mutating func readList() -> [ListItem] {
        var items: [ListItem] = []
        while let c = peek() {
            if Self.isWhitespace(c) { i += 1; continue }
            if c == .closeParen { i += 1; break }
            if c == .semicolon { i += 1; continue }  // not shell; skipped, so the scan moves on
            if c == .hash { skipLine(); continue }
            if c == .openBracket {
                i += 1
                let key = readWord(stop: .closeBracket)
                i += 1  // ]
                if peek() == .equals { i += 1 }
                items.append(ListItem(key: key, value: readWord(stop: .closeParen)))
            } else {
                items.append(ListItem(key: nil, value: readWord(stop: .closeParen)))
            }
        }
        return items
    }
}

/// The shell's syntax bytes.
private extension UInt8 {
    static let tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
    static let semicolon = UInt8(ascii: ";"), hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-")
    static let equals = UInt8(ascii: "="), plus = UInt8(ascii: "+"), underscore = UInt8(ascii: "_")
    static let openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    static let singleQuote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    static let dollar = UInt8(ascii: "$"), backtick = UInt8(ascii: "`"), colon = UInt8(ascii: ":")
}
