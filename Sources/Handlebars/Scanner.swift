/// Splits a template into text and tags, and applies whitespace control
/// (`~` and standalone lines, handlebars.js rules, which handlebars-rust
/// follows).
struct Scanner {
    /// What a tag is, from its sigil.
    enum TagKind: Equatable {
        case mustache
        case blockOpen
        case inverseOpen      // {{^name}}
        case close            // {{/name}}
        case elseTag          // {{else}}, {{^}}, {{else if …}}
        case comment
        case partial          // {{> name}}
        case inlineOpen       // {{#*inline "x"}}
        case partialBlockOpen // {{#> name}}fallback{{/name}}
        case rawBlock         // {{{{name}}}}…{{{{/name}}}}
    }

    struct Tag {
        var kind: TagKind
        /// The tag's inside, after the sigil and without the `~` marks.
        var content: [UInt8]
        /// Byte offset of `content` in the source, for positions.
        var contentOffset: Int
        var offset: Int
        var stripLeft = false
        var stripRight = false
        /// For raw blocks: the literal body.
        var rawBody = ""
        /// For standalone partials: the indentation removed before them.
        var indent = ""
        /// For raw blocks: the open tag is followed by the end of its line,
        /// and the close tag preceded by the start of its line.
        var rawOpenEndsLine = false
        var rawCloseStartsLine = false
        /// `{{{x}}}` or `{{&x}}`: the value is written without escaping.
        var unescaped = false
        /// `{{&x}}`.
        var ampersand = false
    }

    enum Token {
        case text(original: [UInt8], value: [UInt8])
        case tag(Tag)
    }

    let source: [UInt8]
    let lineStarts: [Int]
    /// The last position computed: tags are numbered in source order, so
    /// the next column is counted on from there instead of from the start of
    /// its line (a one-line template of 100,000 tags took 20 s).
    private let last = LastPosition()

    private final class LastPosition {
        var line = -1
        var offset = 0
        var column = 1
    }

    init(_ source: [UInt8]) {
        self.source = source
        var starts = [0]
        for (k, b) in source.enumerated() where b == 0x0A { starts.append(k + 1) }
        lineStarts = starts
    }

    func position(_ offset: Int) -> SourcePosition {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let end = min(offset, source.count)
        var column = 1
        var k = lineStarts[lo]
        if last.line == lo && last.offset <= end {
            column = last.column
            k = last.offset
        }
        while k < end {
            if source[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        last.line = lo
        last.offset = k
        last.column = column
        return SourcePosition(line: lo + 1, column: column)
    }

    func error(_ message: String, at offset: Int) -> TemplateError {
        let p = position(offset)
        return TemplateError(message: message, line: p.line, column: p.column)
    }

    /// Whether `text` is at byte offset `k`.
    func starts(_ text: String, at k: Int) -> Bool {
        k <= source.count && source[k...].starts(with: text.utf8)
    }

    /// The first byte offset at or after `k` where `text` occurs.
    func find(_ text: String, from k: Int) -> Int? {
        k <= source.count ? source[k...].firstRange(of: Array(text.utf8))?.lowerBound : nil
    }

    // MARK: Splitting

    func tokens() throws(TemplateError) -> [Token] {
        var out: [Token] = []
        var text: [UInt8] = []
        var i = 0
        func flushText() {
            if !text.isEmpty { out.append(.text(original: text, value: text)); text = [] }
        }
        while i < source.count {
            guard source[i] == UInt8(ascii: "{"), i + 1 < source.count, source[i + 1] == UInt8(ascii: "{") else {
                text.append(source[i])
                i += 1
                continue
            }
            // `\{{` is a literal `{{`; `\\{{` is a backslash and a real tag.
            if let last = text.last, last == UInt8(ascii: "\\") {
                let escapedBackslash = text.count >= 2 && text[text.count - 2] == UInt8(ascii: "\\")
                text.removeLast()
                if !escapedBackslash {
                    text += [UInt8(ascii: "{"), UInt8(ascii: "{")]
                    i += 2
                    continue
                }
            }
            flushText()
            let (tag, next) = try scanTag(at: i)
            out.append(.tag(tag))
            i = next
        }
        flushText()
        applyWhitespaceControl(&out)
        return out
    }

    /// Reads one tag starting at `{{`; returns it and the offset after it.
    func scanTag(at start: Int) throws(TemplateError) -> (Tag, Int) {
        if starts("{{{{", at: start) { return try scanRawBlock(at: start) }
        var i = start + 2
        var tag = Tag(kind: .mustache, content: [], contentOffset: i, offset: start)
        // handlebars-rust allows spaces around `~` and the sigil.
        func skipSpaces() { while i < source.count, isSpace(source[i]) { i += 1 } }
        skipSpaces()
        if i < source.count, source[i] == UInt8(ascii: "~") {
            tag.stripLeft = true
            i += 1
            skipSpaces()
        }
        // `{{{x}}}`, `{{{~x~}}}` and `{{~{x}~}}`: an unescaped value, closed
        // by `}`, an optional `~`, then `}}`.
        let braced = i < source.count && source[i] == UInt8(ascii: "{")
        if braced {
            tag.unescaped = true
            i += 1
            skipSpaces()
            if !tag.stripLeft, i < source.count, source[i] == UInt8(ascii: "~") {
                tag.stripLeft = true
                i += 1
            }
        }
        // Comments, as handlebars-rust's grammar reads them: `{{!--` up to the
        // first `--}}` anywhere after it, else `{{!` up to the first `}}`. A
        // `~` in a comment is text (no whitespace control).
        if !braced, i < source.count, source[i] == UInt8(ascii: "!") {
            if tag.stripLeft {
                throw error("'~' cannot be used on a comment ({{~! …}}): handlebars-rust's grammar has no such tag", at: start)
            }
            guard i == start + 2 else { throw error("a comment starts with '{{!', with no space before the '!'", at: start) }
            tag.kind = .comment
            if starts("!--", at: i), let end = find("--}}", from: i + 3) { return (tag, end + 4) }
            guard let end = find("}}", from: i + 1) else { throw error("unclosed comment", at: start) }
            return (tag, end + 2)
        }
        var sigil: UInt8?
        if !braced, i < source.count, "#/^>&".utf8.contains(source[i]) {
            sigil = source[i]
            i += 1
            if sigil == UInt8(ascii: "#"), i < source.count, source[i] == UInt8(ascii: ">") {
                i += 1
                tag.kind = .partialBlockOpen
            }
            if sigil == UInt8(ascii: "#"), i < source.count, source[i] == UInt8(ascii: "*") {
                i += 1
                tag.kind = .inlineOpen
            }
        }
        // Find the closing `}}` (or `}` … `}}`), skipping quoted strings.
        var j = i
        var quote: UInt8?
        var after = 0
        var tildeAfterBrace = false
        // Braces of object literals (`{{eq x {"a": 1}}}`) do not close the tag.
        var literalBraces = 0
        while true {
            guard j < source.count else { throw error("unclosed tag: expected '\(braced ? "}}}" : "}}")'", at: start) }
            let b = source[j]
            if let q = quote {
                if b == UInt8(ascii: "\\") { j += 2; continue }
                if b == q { quote = nil }
                j += 1
                continue
            }
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { quote = b; j += 1; continue }
            if b == UInt8(ascii: "{") {
                literalBraces += 1
            } else if b == UInt8(ascii: "}") && literalBraces > 0 {
                literalBraces -= 1
            } else if braced {
                if b == UInt8(ascii: "}"), let (end, tilde) = closeAfterBrace(j + 1) {
                    after = end
                    tildeAfterBrace = tilde
                    break
                }
            } else if starts("}}", at: j) {
                after = j + 2
                break
            }
            j += 1
        }
        var contentEnd = j
        while contentEnd > i, isSpace(source[contentEnd - 1]) { contentEnd -= 1 }
        if contentEnd > i, source[contentEnd - 1] == UInt8(ascii: "~") {
            tag.stripRight = true
            contentEnd -= 1
        }
        var contentStart = i
        while contentStart < contentEnd, isSpace(source[contentStart]) { contentStart += 1 }
        while contentEnd > contentStart, isSpace(source[contentEnd - 1]) { contentEnd -= 1 }
        if tildeAfterBrace { tag.stripRight = true }
        tag.content = Array(source[contentStart..<contentEnd])
        tag.contentOffset = contentStart
        if tag.kind == .inlineOpen || tag.kind == .partialBlockOpen { return (tag, after) }
        switch sigil {
        case UInt8(ascii: "#")?: tag.kind = .blockOpen
        case UInt8(ascii: "^")?: tag.kind = tag.content.isEmpty ? .elseTag : .inverseOpen
        case UInt8(ascii: "/")?: tag.kind = .close
        case UInt8(ascii: ">")?: tag.kind = .partial
        case UInt8(ascii: "&")?:
            tag.kind = .mustache
            tag.unescaped = true
            tag.ampersand = true
        default:
            if !braced, tag.content == Array("else".utf8) || (tag.content.starts(with: Array("else".utf8))
                && tag.content.count > 4 && isSpace(tag.content[4])) {
                tag.kind = .elseTag
                // Skip by index: removeFirst on an array is linear, and a
                // tag padded with a huge run of spaces must not go quadratic.
                var skipped = 4
                while skipped < tag.content.count, isSpace(tag.content[skipped]) { skipped += 1 }
                tag.content = Array(tag.content[skipped...])
                tag.contentOffset += skipped
            }
        }
        if tag.kind == .mustache && tag.content.isEmpty {
            throw error("empty tag", at: start)
        }
        return (tag, after)
    }

    /// After the `}` of a braced tag: optional spaces, an optional `~`,
    /// optional spaces and `}}`. Returns the offset after `}}` and whether
    /// there was a `~`, or nil when the tag does not close here.
    func closeAfterBrace(_ start: Int) -> (Int, Bool)? {
        var k = start
        while k < source.count, isSpace(source[k]) { k += 1 }
        var tilde = false
        if k < source.count, source[k] == UInt8(ascii: "~") {
            tilde = true
            k += 1
            while k < source.count, isSpace(source[k]) { k += 1 }
        }
        return starts("}}", at: k) ? (k + 2, tilde) : nil
    }

    func scanRawBlock(at start: Int) throws(TemplateError) -> (Tag, Int) {
        guard let openEnd = find("}}}}", from: start + 4) else { throw error("unclosed raw block tag", at: start) }
        var tag = Tag(kind: .rawBlock, content: [], contentOffset: start + 4, offset: start)
        var lower = start + 4, upper = openEnd
        while lower < upper, isSpace(source[lower]) { lower += 1 }
        while upper > lower, isSpace(source[upper - 1]) { upper -= 1 }
        tag.contentOffset = lower
        let c = Array(source[lower..<upper])
        tag.content = c
        let name = String(decoding: c.prefix { !isSpace($0) }, as: UTF8.self)
        // handlebars-rust's grammar skips the whitespace between the open
        // tag and the body, and ends the body at the first `{{{{`, which must
        // be the close tag (spaces allowed inside it).
        var bodyStart = openEnd + 4
        var k = bodyStart
        while k < source.count, source[k] == 0x20 || source[k] == 0x09 || source[k] == 0x0D { k += 1 }
        tag.rawOpenEndsLine = k < source.count && source[k] == 0x0A
        while bodyStart < source.count, isSpace(source[bodyStart]) { bodyStart += 1 }
        guard let close = find("{{{{", from: bodyStart), let after = rawCloseEnd(at: close, name: Array(name.utf8)) else {
            throw error("unclosed raw block '\(name)': expected '{{{{/\(name)}}}}'", at: start)
        }
        k = close
        while k > openEnd + 4, source[k - 1] == 0x20 || source[k - 1] == 0x09 { k -= 1 }
        tag.rawCloseStartsLine = k > openEnd + 4 && source[k - 1] == 0x0A || k == openEnd + 4 && tag.rawOpenEndsLine
        tag.rawBody = String(decoding: source[bodyStart..<close], as: UTF8.self)
        return (tag, after)
    }

    /// The offset after `{{{{/name}}}}` (with optional spaces and `~`) at
    /// `at`, or nil when no such close tag is there.
    func rawCloseEnd(at: Int, name: [UInt8]) -> Int? {
        var k = at + 4
        func skip() { while k < source.count, isSpace(source[k]) { k += 1 } }
        func take(_ b: UInt8) -> Bool {
            guard k < source.count, source[k] == b else { return false }
            k += 1
            return true
        }
        skip()
        if take(UInt8(ascii: "~")) { skip() }
        guard take(UInt8(ascii: "/")) else { return nil }
        skip()
        guard k + name.count <= source.count, source[k..<k + name.count].elementsEqual(name) else { return nil }
        k += name.count
        skip()
        if take(UInt8(ascii: "~")) { skip() }
        return starts("}}}}", at: k) ? k + 4 : nil
    }

    // MARK: Whitespace control

    /// Tags that are removed with their line when they stand alone on it.
    static func canStandAlone(_ kind: TagKind) -> Bool {
        switch kind {
        case .mustache, .rawBlock: return false
        default: return true
        }
    }

    func applyWhitespaceControl(_ tokens: inout [Token]) {
        func text(_ k: Int) -> (original: [UInt8], value: [UInt8])? {
            guard k >= 0, k < tokens.count, case .text(let o, let v) = tokens[k] else { return nil }
            return (o, v)
        }
        func setValue(_ k: Int, _ v: [UInt8]) {
            if case .text(let o, _) = tokens[k] { tokens[k] = .text(original: o, value: v) }
        }
        /// Start of template, or text whose last line is blank, before token `k`.
        func prevOK(_ k: Int) -> Bool {
            if k == 0 { return true }
            guard let prev = text(k - 1) else { return false }
            if let nl = prev.original.lastIndex(of: 0x0A) { return prev.original[(nl + 1)...].allSatisfy(isSpace) }
            return k - 1 == 0 && prev.original.allSatisfy(isSpace)
        }
        /// End of template, or text that after spaces and tabs breaks the
        /// line, after token `k` (handlebars-rust's rule: spaces before the
        /// end of the template do not count as a line break).
        func nextOK(_ k: Int) -> Bool {
            if k == tokens.count - 1 { return true }
            guard let next = text(k + 1) else { return false }
            guard let first = next.original.first(where: { $0 != 0x20 && $0 != 0x09 }) else { return false }
            return first == 0x0A || first == 0x0D
        }
        /// Removes the indentation before token `k`; returns it.
        func trimPrev(_ k: Int) -> [UInt8] {
            guard let prev = text(k - 1) else { return [] }
            var v = prev.value
            var end = v.count
            while end > 0, v[end - 1] == 0x20 || v[end - 1] == 0x09 { end -= 1 }
            let removed = Array(v[end...])
            v.removeSubrange(end...)
            setValue(k - 1, v)
            return removed
        }
        /// Removes the rest of the line (and its newline) after token `k`.
        func trimNext(_ k: Int) {
            guard let next = text(k + 1) else { return }
            var v = next.value[...]
            while let f = v.first, f == 0x20 || f == 0x09 { v = v.dropFirst() }
            if v.first == 0x0D, v.dropFirst().first == 0x0A { v = v.dropFirst(2) } else if v.first == 0x0A { v = v.dropFirst() }
            setValue(k + 1, Array(v))
        }
        // Walked in order, as handlebars-rust's template compiler does, with
        // its two pieces of state:
        // - `omitNext`: the last tag other than a comment had `~` on its
        //   right, so the next text loses its leading whitespace (comments
        //   are transparent: `{{x~}} {{!c}} \n y` gives `Xy`), and text of
        //   whitespace only before a tag is dropped;
        // - `trimLine`: the last tag that can stand alone did, so the next
        //   text loses the rest of its first line. Text of whitespace only
        //   dropped by `omitNext` does not use it up: it then applies to the
        //   next text (`{{#if t~}}\n{{v}}\nX` loses the newline after `{{v}}`).
        var omitNext = false
        var trimLine = false
        for k in tokens.indices {
            guard case .tag(var tag) = tokens[k] else {
                guard let t = text(k) else { continue }
                let whitespaceOnly = t.original.allSatisfy(isSpace)
                if omitNext {
                    setValue(k, Array(t.value.drop(while: isWhitespace)))
                    if !whitespaceOnly { trimLine = false }
                } else if trimLine {
                    trimNext(k - 1)
                    trimLine = false
                }
                continue
            }
            if tag.kind != .comment { omitNext = tag.stripRight }
            if Scanner.canStandAlone(tag.kind) || tag.kind == .rawBlock { trimLine = false }
            if Scanner.canStandAlone(tag.kind), prevOK(k), nextOK(k) {
                _ = trimPrev(k)
                if tag.kind == .partial, let prev = text(k - 1) {
                    // Indented as the source line is, even when a `~` before
                    // already removed those spaces from the text.
                    let indent = prev.original.reversed().prefix { $0 == 0x20 || $0 == 0x09 }.reversed()
                    tag.indent = String(decoding: Array(indent), as: UTF8.self)
                }
                trimLine = true
                tokens[k] = .tag(tag)
            } else if tag.kind == .rawBlock {
                // A raw block's open and close tags each go with their line
                // when they stand alone on it, as block tags do.
                if tag.rawOpenEndsLine && prevOK(k) { _ = trimPrev(k) }
                if tag.rawCloseStartsLine && nextOK(k) {
                    var body = Array(tag.rawBody.utf8)
                    while let l = body.last, l == 0x20 || l == 0x09 { body.removeLast() }
                    tag.rawBody = String(decoding: body, as: UTF8.self)
                    trimLine = true
                    tokens[k] = .tag(tag)
                }
            }
            if tag.stripLeft, let prev = text(k - 1) {
                var v = prev.value
                while let l = v.last, isWhitespace(l) { v.removeLast() }
                setValue(k - 1, v)
            }
        }
    }
}

func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == 0x0B }
