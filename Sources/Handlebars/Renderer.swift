/// One render: the scope stack and the registry. Scopes are pushed by blocks
/// that change the context (`each`, `with`) and by every partial; `if` and
/// `unless` render in the scope they are in (handlebars-rust's block stack).
final class RenderState {
    struct Frame {
        var this: Value
        /// `@index`, `@key`, `@first`, `@last` of this scope.
        var data: [String: Value]
        var blockParams: [String: Value]
        /// `{{#*inline}}` partials defined in this scope so far.
        var partials: [String: [Node]] = [:]
    }

    let registry: Handlebars
    let root: Value
    var frames: [Frame]
    var partialDepth = 0
    /// Tags evaluated so far, against `registry.maximumSteps`.
    var steps = 0
    /// The most text one render may produce (64 MiB): far beyond any config file.
    static let maximumOutput = 64 << 20

    init(registry: Handlebars, root: Value) {
        self.registry = registry
        self.root = root
        frames = [Frame(this: root, data: [:], blockParams: [:])]
    }

    // MARK: Nodes

    /// Counts one evaluated tag, and checks the budget and the output so far.
    private func step(_ out: String, _ position: SourcePosition) throws(RenderError) {
        steps += 1
        if steps > registry.maximumSteps {
            throw error("the render takes more than \(registry.maximumSteps) steps (loops nested over long lists, or partials that fan out?)", position)
        }
        if out.utf8.count > Self.maximumOutput {
            throw error("the rendered text passes \(Self.maximumOutput >> 20) MiB", position)
        }
    }

    func render(_ nodes: [Node], into out: inout String) throws(RenderError) {
        for node in nodes {
            switch node {
            case .text(let s):
                out += s
            case .mustache(let call, let escaped):
                try step(out, call.position)
                let value = try evaluate(call, asBlock: nil)
                if escaped && !registry.escaping.isNone {
                    out += registry.escaping.apply(value.renderedText)
                } else {
                    value.appendRendered(to: &out)
                }
            case .block(let block):
                try step(out, block.call.position)
                try evaluate(block.call, asBlock: block).appendRendered(to: &out)
            case .partial(let name, let context, let hash, let indent, let position, let fallback):
                try step(out, position)
                try renderPartial(name: name, context: context, hash: hash, indent: indent, position: position,
                                  fallback: fallback, into: &out)
            case .inlinePartial(let name, let body):
                // Defined where it stands, in the current scope, as
                // handlebars-rust does: usable after it, until the scope ends.
                frames[frames.count - 1].partials[name] = body
            case .rawBlock(_, let body):
                out += body
            }
        }
    }

    func renderScoped(_ nodes: [Node], context: Value?, data: [String: Value], blockParamNames: [String],
                      blockParams: [Value]) throws(RenderError) -> String {
        var out = ""
        if let context {
            var params: [String: Value] = [:]
            for (k, name) in blockParamNames.enumerated() where k < blockParams.count { params[name] = blockParams[k] }
            frames.append(Frame(this: context, data: data, blockParams: params))
            defer { frames.removeLast() }
            try render(nodes, into: &out)
        } else {
            try render(nodes, into: &out)
        }
        return out
    }

    // MARK: Expressions

    func error(_ message: String, _ position: SourcePosition) -> RenderError {
        RenderError(message, line: position.line, column: position.column)
    }

    /// A mustache, block or subexpression: a helper call, or a value.
    func evaluate(_ call: Call, asBlock block: Block?) throws(RenderError) -> Value {
        if case .path(let path) = call.head, let name = path.helperName, let helper = registry.helpers[name] {
            return try invoke(helper, name: name, call: call, block: block)
        }
        if block != nil || !call.isBare {
            throw error("Helper not found \(call.headName)", call.position)
        }
        return try value(of: call.head, at: call.position)
    }

    func invoke(_ helper: HelperFunction, name: String, call: Call, block: Block?) throws(RenderError) -> Value {
        var params: [Value] = []
        params.reserveCapacity(call.params.count)
        for p in call.params { params.append(try value(of: p, at: call.position)) }
        var hash = Object()
        for (k, v) in call.hash { hash[k] = try value(of: v, at: call.position) }
        let helperCall = HelperCall(name: name, params: params, hash: hash, blockParamNames: block?.blockParams ?? [],
                                    block: block, state: self, position: call.position)
        do {
            return try helper(helperCall)
        } catch let e as RenderError {
            if e.line == nil { throw error(e.message, call.position) }
            throw e
        } catch {
            throw self.error("\(name): \(error)", call.position)
        }
    }

    func value(of expr: Expr, at position: SourcePosition) throws(RenderError) -> Value {
        switch expr {
        case .literal(let v): return v
        case .subexpression(let call):
            // handlebars-rust calls a helper for every subexpression: `(name)`
            // with no such helper is an error, never a lookup of `name`.
            guard let name = call.helperName, let helper = registry.helpers[name] else {
                throw error("Helper not found \(call.headName)", call.position)
            }
            return try invoke(helper, name: name, call: call, block: nil)
        case .path(let path): return try resolve(path, at: position) ?? .null
        }
    }

    /// Looks a path up; nil when it is missing.
    func resolve(_ path: PathExpr, at position: SourcePosition) throws(RenderError) -> Value? {
        if path.isData {
            if path.isRoot { return try walk(root, path.segments[...], path, position) }
            guard let name = path.segments.first else { return nil }
            let level = frames.count - 1 - path.up
            guard level >= 0, let start = frames[level].data[name] else { return nil }
            return try walk(start, path.segments.dropFirst(), path, position)
        }
        if path.up == 0 && !path.explicitThis, let first = path.segments.first {
            for frame in frames.reversed() {
                if let bound = frame.blockParams[first] {
                    return try walk(bound, path.segments.dropFirst(), path, position)
                }
            }
        }
        // `../` above the outermost scope stays in the innermost one (handlebars-rust).
        let level = path.up < frames.count ? frames.count - 1 - path.up : frames.count - 1
        return try walk(frames[level].this, path.segments[...], path, position)
    }

    func walk(_ start: Value, _ segments: ArraySlice<String>, _ path: PathExpr, _ position: SourcePosition) throws(RenderError) -> Value? {
        var current = start
        for segment in segments {
            switch current {
            case .object(let o):
                guard let next = o[segment] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(segment), index >= 0 else {
                    throw error("Cannot access array/vector with string index, \(segment) (in \(path.original))", position)
                }
                guard index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    // MARK: Partials

    func renderPartial(name: Expr, context: Expr?, hash: [(String, Expr)], indent: String,
                       position: SourcePosition, fallback: [Node]?, into out: inout String) throws(RenderError) {
        let nameValue = try value(of: name, at: position)
        guard case .string(let partialName) = nameValue else {
            throw error("partial name must be a string", position)
        }
        var body: [Node]?
        for frame in frames.reversed() {
            if let b = frame.partials[partialName] { body = b; break }
        }
        if body == nil { body = registry.partials[partialName]?.nodes }
        guard let nodes = body ?? fallback else { throw error("Partial not found \(partialName)", position) }
        partialDepth += 1
        defer { partialDepth -= 1 }
        guard partialDepth < 64 else { throw error("partials nested too deep (recursive partial \(partialName)?)", position) }

        // Always a new scope (so `../` inside a partial reaches the scope it
        // was called from): its context is the argument or the current one,
        // merged with the key=value pairs, which are also block parameters.
        var newContext = frames[frames.count - 1].this
        if let context { newContext = try value(of: context, at: position) }
        var params: [String: Value] = [:]
        if !hash.isEmpty {
            var merged = Object()
            switch newContext {
            case .object(let o): merged = o
            case .array(let items): for (k, item) in items.enumerated() { merged[String(k)] = item }
            case .string(let s): for (k, ch) in s.enumerated() { merged[String(k)] = .string(String(ch)) }
            default: break
            }
            for (k, v) in hash {
                let value = try value(of: v, at: position)
                merged[k] = value
                params[k] = value
            }
            newContext = .object(merged)
        }
        var text = ""
        frames.append(Frame(this: newContext, data: frames[frames.count - 1].data, blockParams: params))
        defer { frames.removeLast() }
        try render(nodes, into: &text)
        if indent.isEmpty {
            out += text
        } else {
            // A standalone partial is indented like the line it stood on.
            var atLineStart = true
            for ch in text {
                if atLineStart { out += indent }
                out.append(ch)
                atLineStart = ch == "\n"
            }
        }
    }
}
