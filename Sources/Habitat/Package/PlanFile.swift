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

    public init(text: String, predefined: [String: String] = [:]) {
        scalars = predefined
        var scanner = ShellScanner(text)
        while let statement = scanner.nextStatement() {
            apply(statement)
        }
    }

    public func scalar(_ name: String) -> String? { scalars[name] }
    public func array(_ name: String) -> [String] { arrays[name] ?? scalars[name].map { [$0] } ?? [] }
    public func map(_ name: String) -> [(key: String, value: String)] { maps[name] ?? [] }

    private mutating func apply(_ st: ShellScanner.Assignment) {
        let known = scalars
        let expand = { (w: ShellScanner.Word) -> String in w.expanded(using: known) }
        switch st.value {
        case .scalar(let word):
            let v = expand(word)
            scalars[st.name] = st.append ? (scalars[st.name] ?? "") + v : v
        case .list(let items):
            var indexed: [String] = []
            var assoc: [(key: String, value: String)] = []
            for item in items {
                if let key = item.key {
                    assoc.append((key.expanded(using: scalars), expand(item.value)))
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
struct ShellScanner {
    /// One piece of a shell word: literal text, or a variable reference.
    enum Part { case text(String), variable(String, defaultValue: Word?) }
    struct Word {
        var parts: [Part] = []
        func expanded(using vars: [String: String]) -> String {
            var out = ""
            for p in parts {
                switch p {
                case .text(let t): out += t
                case .variable(let name, let def):
                    if let v = vars[name], !v.isEmpty { out += v } else if let def { out += def.expanded(using: vars) }
                }
            }
            return out
        }
    }
    struct ListItem { var key: Word?; var value: Word }
    enum AssignedValue { case scalar(Word), list([ListItem]) }
    struct Assignment { var name: String; var append: Bool; var value: AssignedValue }

    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    private var atEnd: Bool { i >= chars.count }
    private func peek(_ k: Int = 0) -> Character? { i + k < chars.count ? chars[i + k] : nil }

    /// The next top-level assignment, skipping everything else.
    mutating func nextStatement() -> Assignment? {
        while !atEnd {
            skipBlanks()
            guard let c = peek() else { return nil }
            if c == "\n" || c == ";" { i += 1; continue }
            if c == "#" { skipLine(); continue }
            let start = i
            let word = readBareName()
            if ["declare", "local", "export", "readonly", "typeset"].contains(word) {
                skipBlanks()
                while peek() == "-" { _ = readUntilBlank(); skipBlanks() }
                continue
            }
            if !word.isEmpty, isNameStart(word.first!) {
                if peek() == "=" || (peek() == "+" && peek(1) == "=") {
                    let append = peek() == "+"
                    i += append ? 2 : 1
                    if peek() == "(" {
                        i += 1
                        return Assignment(name: word, append: append, value: .list(readList()))
                    }
                    return Assignment(name: word, append: append, value: .scalar(readWord()))
                }
                skipBlanks()
                if peek() == "(" && peek(1) == ")" {  // function definition: skip its body
                    i += 2
                    skipFunctionBody()
                    continue
                }
            }
            if word == "function" { skipLine(); skipFunctionBody(); continue }
            i = max(i, start + 1)
            skipCommand()
        }
        return nil
    }

    private func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    private func isNameChar(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }

    private mutating func skipBlanks() { while let c = peek(), c == " " || c == "\t" { i += 1 } }
    private mutating func skipLine() { while let c = peek(), c != "\n" { i += 1 } }

    private mutating func readBareName() -> String {
        var s = ""
        while let c = peek(), isNameChar(c) { s.append(c); i += 1 }
        return s
    }

    private mutating func readUntilBlank() -> String {
        var s = ""
        while let c = peek(), !c.isWhitespace { s.append(c); i += 1 }
        return s
    }

    /// Skips a `{ … }` body, counting braces outside quotes and comments.
    private mutating func skipFunctionBody() {
        var depth = 0
        var started = false
        while let c = peek() {
            switch c {
            case "#": if i == 0 || chars[i - 1].isWhitespace { skipLine(); continue }
            case "'": skipSingleQuoted(); continue
            case "\"": _ = readDoubleQuoted(); continue
            case "\\": i += 2; continue
            case "{": depth += 1; started = true
            case "}": depth -= 1
            default: break
            }
            i += 1
            if started && depth == 0 { return }
        }
    }

    /// Skips the rest of a command, honouring quotes and line continuations.
    private mutating func skipCommand() {
        while let c = peek(), c != "\n", c != ";" {
            switch c {
            case "'": skipSingleQuoted()
            case "\"": _ = readDoubleQuoted()
            case "\\": i += 2
            case "#" where chars[i - 1].isWhitespace: skipLine()
            default: i += 1
            }
        }
    }

    private mutating func skipSingleQuoted() {
        i += 1
        while let c = peek(), c != "'" { i += 1 }
        i += 1
    }

    /// One shell word: concatenated unquoted, '…' and "…" pieces.
    private mutating func readWord(stopAt stops: Set<Character> = []) -> Word {
        var w = Word()
        var text = ""
        func flush() { if !text.isEmpty { w.parts.append(.text(text)); text = "" } }
        while let c = peek(), !c.isWhitespace, c != ";", !stops.contains(c) {
            switch c {
            case "'":
                i += 1
                while let q = peek(), q != "'" { text.append(q); i += 1 }
                i += 1
            case "\"":
                flush()
                w.parts += readDoubleQuoted().parts
            case "\\":
                if peek(1) == "\n" { i += 2 } else if let n = peek(1) { text.append(n); i += 2 } else { i += 1 }
            case "$":
                flush()
                if let v = readVariable() { w.parts.append(v) } else { text.append("$") }
            case "#" where text.isEmpty && w.parts.isEmpty:
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
        var text = ""
        i += 1
        while let c = peek(), c != "\"" {
            if c == "\\", let n = peek(1) {
                if n == "\n" { i += 2; continue }
                if "$`\"\\".contains(n) { text.append(n) } else { text.append(c); text.append(n) }
                i += 2
            } else if c == "$" {
                if !text.isEmpty { w.parts.append(.text(text)); text = "" }
                if let v = readVariable() { w.parts.append(v) } else { text.append("$") }
            } else {
                text.append(c)
                i += 1
            }
        }
        i += 1
        if !text.isEmpty { w.parts.append(.text(text)) }
        return w
    }

    /// `$name`, `${name}`, `${name:-default}`; `$(…)` is kept as literal text.
    private mutating func readVariable() -> Part? {
        guard peek() == "$" else { return nil }
        if peek(1) == "{" {
            i += 2
            let name = readBareName()
            var def: Word?
            if peek() == ":" && peek(1) == "-" {
                i += 2
                def = readWord(stopAt: ["}"])
            } else if peek() == "-" {
                i += 1
                def = readWord(stopAt: ["}"])
            }
            while let c = peek(), c != "}" { i += 1 }
            i += 1
            return .variable(name, defaultValue: def)
        }
        if let n = peek(1), isNameStart(n) {
            i += 1
            return .variable(readBareName(), defaultValue: nil)
        }
        if peek(1) == "(" {  // command substitution: keep the text, it cannot be evaluated
            var depth = 0
            var s = ""
            while let c = peek() {
                s.append(c)
                i += 1
                if c == "(" { depth += 1 }
                if c == ")" { depth -= 1; if depth == 0 { break } }
            }
            return .variable("\u{0}unevaluated", defaultValue: Word(parts: [.text(s)]))
        }
        return nil
    }

    /// Items of `( … )` up to the closing parenthesis, over several lines.
    private mutating func readList() -> [ListItem] {
        var items: [ListItem] = []
        while let c = peek() {
            if c.isWhitespace { i += 1; continue }
            if c == ")" { i += 1; break }
            if c == "#" { skipLine(); continue }
            if c == "[" {
                i += 1
                let key = readWord(stopAt: ["]"])
                i += 1  // ]
                if peek() == "=" { i += 1 }
                items.append(ListItem(key: key, value: readWord(stopAt: [")"])))
            } else {
                items.append(ListItem(key: nil, value: readWord(stopAt: [")"])))
            }
        }
        return items
    }
}
