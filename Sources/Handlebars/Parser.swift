/// Builds the node tree from the scanner's tokens and parses each tag's
/// expression.
struct Parser {
    /// Deepest block nesting accepted (`{{#if}}` inside `{{#each}}` …).
    static let maximumBlockDepth = 200
    /// Deepest subexpression nesting accepted (`(a (b (c)))`).
    static let maximumSubexpressionDepth = 100

    let scanner: Scanner

    init(_ source: String) {
        scanner = Scanner(Array(source.utf8))
    }

    /// A block still waiting for its `{{/name}}`.
    private struct Open {
        var block: Block
        var name: String
        var offset: Int
        var inInverse = false
        /// Opened by `{{else if …}}`: closed by its parent's close tag.
        var chained = false
        var isInline = false
        var inlineName = ""
        /// For `{{#> name}}`: the partial's name, context, hash and indentation.
        var partial: (Expr, Expr?, [(String, Expr)], String)?
    }

    func parse() throws(TemplateError) -> [Node] {
        let tokens = try scanner.tokens()
        var stack: [Open] = []
        var root: [Node] = []

        func append(_ node: Node) {
            if stack.isEmpty {
                root.append(node)
            } else if stack[stack.count - 1].inInverse {
                stack[stack.count - 1].block.inverse!.append(node)
            } else {
                stack[stack.count - 1].block.program.append(node)
            }
        }
        func close(_ open: Open) -> Node {
            if open.isInline { return .inlinePartial(name: open.inlineName, body: open.block.program) }
            if let (name, context, hash, indent) = open.partial {
                return .partial(name: name, context: context, hash: hash, indent: indent,
                                position: open.block.call.position, fallback: open.block.program)
            }
            return .block(open.block)
        }

        for token in tokens {
            switch token {
            case .text(_, let value):
                if !value.isEmpty { append(.text(String(decoding: value, as: UTF8.self))) }
            case .tag(let tag):
                switch tag.kind {
                case .comment:
                    break
                case .mustache:
                    append(.mustache(try parseCall(tag), escaped: !tag.unescaped))
                case .rawBlock:
                    append(.rawBlock(try parseCall(tag), body: tag.rawBody))
                case .partial:
                    let (name, context, hash) = try parsePartial(tag)
                    append(.partial(name: name, context: context, hash: hash, indent: tag.indent,
                                    position: scanner.position(tag.offset), fallback: nil))
                case .partialBlockOpen:
                    let (name, context, hash) = try parsePartial(tag)
                    var open = Open(block: Block(call: Call(head: name, position: scanner.position(tag.offset)),
                                                 blockParams: [], program: [], inverse: nil),
                                    name: "", offset: tag.offset)
                    if case .literal(.string(let n)) = name { open.name = n }
                    open.partial = (name, context, hash, tag.indent)
                    stack.append(open)
                case .inverseOpen:
                    throw scanner.error("inverse sections ({{^name}}) are not supported (handlebars-rust has none); use {{#unless name}}", at: tag.offset)
                case .blockOpen:
                    var p = ExpressionParser(scanner: scanner, bytes: tag.content, base: tag.contentOffset)
                    let (call, params) = try p.blockCall(position: scanner.position(tag.offset))
                    stack.append(Open(block: Block(call: call, blockParams: params, program: [], inverse: nil),
                                      name: call.headName, offset: tag.offset))
                case .inlineOpen:
                    var p = ExpressionParser(scanner: scanner, bytes: tag.content, base: tag.contentOffset)
                    let call = try p.call(position: scanner.position(tag.offset))
                    guard call.headName == "inline", call.params.count == 1, case .literal(.string(let name)) = call.params[0] else {
                        throw scanner.error("expected {{#*inline \"name\"}}", at: tag.offset)
                    }
                    var open = Open(block: Block(call: call, blockParams: [], program: [], inverse: nil),
                                    name: "inline", offset: tag.offset)
                    open.isInline = true
                    open.inlineName = name
                    stack.append(open)
                case .elseTag:
                    guard !stack.isEmpty, !stack[stack.count - 1].isInline else {
                        throw scanner.error("{{else}} outside of a block", at: tag.offset)
                    }
                    guard !stack[stack.count - 1].inInverse else {
                        throw scanner.error("a second {{else}} in the block '\(stack[stack.count - 1].name)'", at: tag.offset)
                    }
                    stack[stack.count - 1].inInverse = true
                    stack[stack.count - 1].block.inverse = []
                    if !tag.content.isEmpty {
                        // `{{else if x}}`: a block nested in the inverse, closed by the outer close tag.
                        var p = ExpressionParser(scanner: scanner, bytes: tag.content, base: tag.contentOffset)
                        let (call, params) = try p.blockCall(position: scanner.position(tag.offset))
                        var open = Open(block: Block(call: call, blockParams: params, program: [], inverse: nil),
                                        name: call.headName, offset: tag.offset)
                        open.chained = true
                        stack.append(open)
                    }
                case .close:
                    let name = String(decoding: tag.content, as: UTF8.self)
                    while let top = stack.last, top.chained {
                        stack.removeLast()
                        append(close(top))
                    }
                    guard let top = stack.popLast() else {
                        throw scanner.error("{{/\(name)}} closes a block that was never opened", at: tag.offset)
                    }
                    guard top.name == name else {
                        let p = scanner.position(top.offset)
                        throw scanner.error("{{/\(name)}} does not match the open block '\(top.name)' (line \(p.line), column \(p.column))", at: tag.offset)
                    }
                    append(close(top))
                }
            }
            // Rendering recurses once per level: a bound keeps absurd input
            // an error instead of a stack overflow (real templates nest < 10).
            if stack.count > Parser.maximumBlockDepth, let top = stack.last {
                throw scanner.error("blocks nested more than \(Parser.maximumBlockDepth) levels deep", at: top.offset)
            }
        }
        if let open = stack.last(where: { !$0.chained }) ?? stack.last {
            throw scanner.error("unclosed block '\(open.name)': expected {{/\(open.name)}}", at: open.offset)
        }
        return root
    }

    func parseCall(_ tag: Scanner.Tag) throws(TemplateError) -> Call {
        var p = ExpressionParser(scanner: scanner, bytes: tag.content, base: tag.contentOffset)
        let call = try p.call(position: scanner.position(tag.offset))
        if p.skipSpaces() { throw p.error("unexpected text in tag") }
        if tag.ampersand && !call.isBare {
            // handlebars-rust's grammar: `{{&name}}` holds a name or path only.
            throw scanner.error("{{&…}} takes a name or path only; write {{{\(call.headName) …}}} to call a helper without escaping", at: tag.contentOffset)
        }
        return call
    }

    func parsePartial(_ tag: Scanner.Tag) throws(TemplateError) -> (Expr, Expr?, [(String, Expr)]) {
        var p = ExpressionParser(scanner: scanner, bytes: tag.content, base: tag.contentOffset)
        let name = try p.partialName()
        var context: Expr?
        var hash: [(String, Expr)] = []
        while p.skipSpaces() {
            // Only the first argument counts (handlebars-rust ignores the rest).
            if let pair = try p.hashPair() { hash.append(pair) } else if context == nil { context = try p.param() } else { _ = try p.param() }
        }
        return (name, context, hash)
    }
}

extension Call {
    /// The head as a helper name: a plain identifier (`if`, `foo`), or nil.
    var helperName: String? {
        if case .path(let p) = head { return p.helperName }
        return nil
    }

    /// The helper or path name as written (`if`, `cfg.port`).
    var headName: String {
        switch head {
        case .path(let p): return p.original
        case .literal(let v): return "\(v)"
        case .subexpression: return "(…)"
        }
    }
}

/// Parses the inside of one tag: paths, literals, subexpressions, hash pairs
/// and block parameters.
struct ExpressionParser {
    let scanner: Scanner
    let bytes: [UInt8]
    /// Offset of `bytes` in the template, for error positions.
    let base: Int
    var i = 0
    /// Current subexpression nesting, bounded like block nesting.
    var depth = 0
    /// Where the first single-quoted string inside an array or object literal
    /// began (Literals.swift).
    var singleQuoteAt: Int?

    init(scanner: Scanner, bytes: [UInt8], base: Int) {
        self.scanner = scanner
        self.bytes = bytes
        self.base = base
    }

    func error(_ message: String) -> TemplateError { scanner.error(message, at: base + i) }

    var atEnd: Bool { i >= bytes.count }
    func peek(_ k: Int = 0) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    /// Skips spaces; true when something follows.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        while let b = peek(), isSpace(b) { i += 1 }
        return !atEnd
    }

    static func isIdentifierByte(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        if isSpace(b) { return false }
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "\""), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ";"), UInt8(ascii: "<"),
             UInt8(ascii: "="), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "\\"),
             UInt8(ascii: "]"), UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"),
             UInt8(ascii: "}"), UInt8(ascii: "~"):
            return false
        default:
            return b >= 0x20 && b != 0x7F
        }
    }

    /// `head params… key=value…`.
    mutating func call(position: SourcePosition) throws(TemplateError) -> Call {
        skipSpaces()
        guard !atEnd else { throw error("expected an expression") }
        let headStart = i
        var c = Call(head: try head(), position: position)
        while skipSpaces() {
            if peek() == UInt8(ascii: "a"), peek(1) == UInt8(ascii: "s"), let n = peek(2), isSpace(n) || n == UInt8(ascii: "|") {
                var look = i + 2
                while look < bytes.count, isSpace(bytes[look]) { look += 1 }
                if look < bytes.count, bytes[look] == UInt8(ascii: "|") { break }
            }
            if peek() == UInt8(ascii: ")") { break }
            // handlebars-rust takes arguments and key=value pairs in any order.
            if let pair = try hashPair() {
                c.hash.append(pair)
            } else {
                c.params.append(try param())
            }
        }
        // handlebars-rust's grammar: arguments follow a helper's name (an
        // identifier), never a path such as `a.b` or `@index`.
        if !c.isBare && c.helperName == nil {
            throw scanner.error("'\(c.headName)' is not a helper name: only a helper's name can take arguments", at: base + headStart)
        }
        return c
    }

    /// A block's call and its `as |a b|` parameters.
    mutating func blockCall(position: SourcePosition) throws(TemplateError) -> (Call, [String]) {
        skipSpaces()
        let headStart = i
        let c = try call(position: position)
        // A block opens with a helper's name, as in handlebars-rust's grammar.
        guard c.helperName != nil else {
            throw scanner.error("a block must start with a helper's name, not '\(c.headName)'", at: base + headStart)
        }
        var names: [String] = []
        if skipSpaces() {
            guard peek() == UInt8(ascii: "a"), peek(1) == UInt8(ascii: "s") else { throw error("unexpected text in tag") }
            i += 2
            skipSpaces()
            guard peek() == UInt8(ascii: "|") else { throw error("expected '|' after 'as'") }
            i += 1
            while true {
                skipSpaces()
                guard let b = peek() else { throw error("expected '|' to close the block parameters") }
                if b == UInt8(ascii: "|") { i += 1; break }
                let start = i
                while let c = peek(), ExpressionParser.isIdentifierByte(c) { i += 1 }
                guard i > start else { throw error("expected a block parameter name") }
                guard names.count < 2 else { throw error("a block takes at most two block parameters (as |item index|)") }
                names.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            if skipSpaces() { throw error("unexpected text after the block parameters") }
        }
        return (c, names)
    }

    /// `key=value`, or nil (position unchanged) when the next item is not one.
    mutating func hashPair() throws(TemplateError) -> (String, Expr)? {
        let start = i
        while let b = peek(), ExpressionParser.isIdentifierByte(b) { i += 1 }
        guard i > start, peek() == UInt8(ascii: "=") else {
            i = start
            return nil
        }
        let key = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        guard !atEnd, let b = peek(), !isSpace(b) else { throw error("expected a value after '\(key)='") }
        return (key, try param())
    }

    /// What a call starts with: a name or path, or a subexpression, never a
    /// literal. As in handlebars-rust's grammar, a word that would be a
    /// number, `true`, `false` or `null` as an argument is a path here:
    /// `{{12}}` looks up the key `12`, `{{true}}` the key `true`.
    mutating func head() throws(TemplateError) -> Expr {
        guard let b = peek() else { throw error("expected an expression") }
        if b == UInt8(ascii: "(") { return try param() }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            throw error("expected a name or path, not a string literal, at the start of the tag")
        }
        return .path(try path())
    }

    /// A literal, a subexpression or a path.
    mutating func param() throws(TemplateError) -> Expr {
        guard let b = peek() else { throw error("expected an expression") }
        if b == UInt8(ascii: "(") {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Parser.maximumSubexpressionDepth else {
                throw error("subexpressions nested more than \(Parser.maximumSubexpressionDepth) levels deep")
            }
            i += 1
            let c = try call(position: scanner.position(base + i))
            skipSpaces()
            guard peek() == UInt8(ascii: ")") else { throw error("expected ')' to close the subexpression") }
            i += 1
            return .subexpression(c)
        }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { return .literal(.string(try stringLiteral())) }
        if let number = numberLiteral() { return .literal(number) }
        if let word = wordLiteral(allowUndefined: true) { return .literal(word) }
        // `[1, 2]` and `{"k": 1}` are literals; `[key]` stays a path segment.
        if let compound = try compoundLiteral() { return .literal(compound) }
        return .path(try path())
    }

    mutating func numberLiteral() -> Value? {
        var j = i
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
        let digitsStart = j
        while j < bytes.count, bytes[j] >= 0x30 && bytes[j] <= 0x39 { j += 1 }
        guard j > digitsStart else { return nil }
        var isFloat = false
        if j + 1 < bytes.count, bytes[j] == UInt8(ascii: "."), bytes[j + 1] >= 0x30 && bytes[j + 1] <= 0x39 {
            isFloat = true
            j += 1
            while j < bytes.count, bytes[j] >= 0x30 && bytes[j] <= 0x39 { j += 1 }
        }
        // An exponent, written with a capital `E` only (handlebars-rust's grammar).
        if j < bytes.count, bytes[j] == UInt8(ascii: "E") {
            var k = j + 1
            if k < bytes.count, bytes[k] == UInt8(ascii: "-") { k += 1 }
            let exponentStart = k
            while k < bytes.count, bytes[k] >= 0x30 && bytes[k] <= 0x39 { k += 1 }
            if k > exponentStart {
                isFloat = true
                j = k
            }
        }
        if j < bytes.count, ExpressionParser.isIdentifierByte(bytes[j]) || bytes[j] == UInt8(ascii: ".") || bytes[j] == UInt8(ascii: "/") {
            return nil
        }
        let text = String(decoding: bytes[i..<j], as: UTF8.self)
        i = j
        // As serde_json reads it: an integer when it fits in 64 bits (signed,
        // or unsigned when positive), else a float; `-0` is the float -0.0.
        let negativeZero = text.hasPrefix("-") && text.utf8.dropFirst().allSatisfy { $0 == UInt8(ascii: "0") }
        if !isFloat && !negativeZero {
            if let v = Int64(text) { return .integer(v) }
            if let v = UInt64(text) { return .unsigned(v) }
        }
        return Double(text).map(Value.float)
    }

    /// `this`, `.`, `../x`, `@index`, `@root.a`, `a.b`, `a/b`, `a.[b c]`, `a.0`.
    mutating func path() throws(TemplateError) -> PathExpr {
        let start = i
        var p = PathExpr()
        if peek() == UInt8(ascii: "@") {
            p.isData = true
            i += 1
        }
        while peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: "/") {
            p.up += 1
            i += 3
        }
        var first = true
        while true {
            var segment: String
            var literal = false
            if peek() == UInt8(ascii: "[") {
                i += 1
                let s = i
                while let b = peek(), b != UInt8(ascii: "]") { i += 1 }
                guard peek() == UInt8(ascii: "]") else { throw error("unclosed '[' in path") }
                segment = String(decoding: bytes[s..<i], as: UTF8.self)
                i += 1
                literal = true
            } else if first, peek() == UInt8(ascii: "."),
                      peek(1).map({ !ExpressionParser.isIdentifierByte($0) }) ?? true {
                // `./x`: this. (`.` alone is not a path in handlebars-rust's grammar.)
                i += 1
                p.explicitThis = true
                first = false
                if peek() == UInt8(ascii: "/"), let n = peek(1), ExpressionParser.isIdentifierByte(n) || n == UInt8(ascii: "[") {
                    i += 1
                    continue
                }
                throw error("'.' alone is not a path here: write this")
            } else {
                let s = i
                while let b = peek(), ExpressionParser.isIdentifierByte(b) { i += 1 }
                guard i > s else {
                    if first { throw error(atEnd ? "expected a path" : "unexpected character in expression") }
                    throw error("expected a name after the separator")
                }
                segment = String(decoding: bytes[s..<i], as: UTF8.self)
            }
            if first && !literal && p.isData && segment == "root" && p.up == 0 {
                p.isRoot = true
            } else if first && !literal && !p.isData && segment == "this" {
                p.explicitThis = true
            } else if !p.isData && segment == "this" {
                // A later `this` (or `[this]`) segment means the value so far,
                // as handlebars-rust reads paths: `a.this.b` is `a.b`.
            } else {
                p.segments.append(segment)
            }
            first = false
            if !separator() { break }
        }
        if p.isRoot && p.segments.isEmpty {
            // `@root` alone is the data variable `root` in handlebars-rust's
            // grammar (`@root` must be followed by a segment to mean the root).
            p.isRoot = false
            p.segments = ["root"]
        }
        p.original = String(decoding: bytes[start..<i], as: UTF8.self)
        return p
    }

    /// Steps over a `.` or `/` between path segments.
    mutating func separator() -> Bool {
        if let b = peek(), b == UInt8(ascii: ".") || b == UInt8(ascii: "/"),
           let n = peek(1), ExpressionParser.isIdentifierByte(n) || n == UInt8(ascii: "[") {
            i += 1
            return true
        }
        return false
    }

    /// A partial's name: a path-like word (may hold `/` and `.`), a string, or a subexpression.
    mutating func partialName() throws(TemplateError) -> Expr {
        skipSpaces()
        guard let b = peek() else { throw error("expected a partial name") }
        // handlebars-rust's grammar: no double-quoted partial names, and a
        // single-quoted one keeps its quotes as part of the name.
        if b == UInt8(ascii: "\"") { throw error("a partial name cannot be double-quoted: write {{> name}}") }
        if b == UInt8(ascii: "'") {
            let s = i
            i += 1
            while let c = peek(), c != UInt8(ascii: "'") { i += c == UInt8(ascii: "\\") ? 2 : 1 }
            guard peek() == UInt8(ascii: "'") else { throw error("unterminated partial name") }
            i += 1
            return .literal(.string(String(decoding: bytes[s..<i], as: UTF8.self)))
        }
        if b == UInt8(ascii: "(") { return try param() }
        let s = i
        while let c = peek(), !isSpace(c) { i += 1 }
        return .literal(.string(String(decoding: bytes[s..<i], as: UTF8.self)))
    }
}
