/// A parsed template, ready to render any number of times.
public struct Template: Sendable {
    /// The name used in messages (usually the file path).
    public let name: String
    let nodes: [Node]

    /// Parses `source`. The error gives line, column and a reason.
    public init(source: String, name: String = "") throws(TemplateError) {
        self.name = name
        nodes = try Parser(source).parse()
    }
}

/// A helper: receives its evaluated arguments (and, for block helpers, the
/// means to render its block) and returns a value. A block helper returns
/// the text it rendered as a `.string`.
public typealias HelperFunction = (HelperCall) throws -> Value

/// How the value of a `{{expr}}` is escaped before it is written.
/// `{{{expr}}}`, `{{&expr}}`, block helpers, partials and raw blocks are
/// never escaped (as in handlebars-rust, where this is the registry's
/// escape function).
public enum Escaping: Sendable {
    /// handlebars' HTML escaping: `&`, `<`, `>`, `"`, `'`, the backtick and
    /// `=` become entities.
    case html
    /// Values are written as they are.
    case none
    /// Any other escape function.
    case custom(@Sendable (String) -> String)

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// `text` escaped this way.
    public func apply(_ text: String) -> String {
        switch self {
        case .none: return text
        case .custom(let f): return f(text)
        case .html:
            var out = ""
            out.reserveCapacity(text.utf8.count)
            for ch in text.unicodeScalars {
                switch ch {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#x27;"
                case "`": out += "&#x60;"
                case "=": out += "&#x3D;"
                default: out.unicodeScalars.append(ch)
                }
            }
            return out
        }
    }
}

/// The set of helpers and partials templates render with, and how values
/// are escaped. `Handlebars()` has handlebars-rust's built-ins (`if unless
/// each with lookup raw log eq ne gt gte lt lte and or not len`) and escapes
/// HTML as handlebars does.
public struct Handlebars {
    var helpers: [String: HelperFunction] = [:]
    var partials: [String: Template] = [:]
    /// How `{{expr}}` output is escaped; `.html` unless set otherwise.
    public var escaping: Escaping = .html
    /// Most tags one render evaluates before it stops with an error: loops
    /// nested over lists and partials that call themselves twice fan out
    /// (9 nested `each` over 10 items is 10^9 renders), and PID 1 must not
    /// spend hours before it starts the service. A million is a list of
    /// 100,000 entries with 10 tags each, about a second.
    public var maximumSteps = 1_000_000

    public init() {
        // Room for the 16 built-ins and a host's own (Habitat adds 10), so
        // registering them never rehashes the table.
        helpers.reserveCapacity(48)
        BuiltinHelpers.register(into: &self)
    }

    public mutating func registerHelper(_ name: String, _ helper: @escaping HelperFunction) {
        helpers[name] = helper
    }

    /// Makes `template` available as `{{> name}}`.
    public mutating func registerPartial(_ name: String, _ template: Template) {
        partials[name] = template
    }

    public func hasHelper(_ name: String) -> Bool { helpers[name] != nil }

    /// Renders `template` with `data` as its context.
    public func render(_ template: Template, _ data: Value) throws(RenderError) -> String {
        let state = RenderState(registry: self, root: data)
        var out = ""
        out.reserveCapacity(4096)
        try state.render(template.nodes, into: &out)
        return out
    }
}

/// What a helper sees of its call.
public struct HelperCall {
    public let name: String
    /// Evaluated positional arguments; a missing path is `.null`.
    public let params: [Value]
    /// Evaluated `key=value` arguments, in order.
    public let hash: Object
    /// Names given with `as |a b|`.
    public let blockParamNames: [String]
    let block: Block?
    let state: RenderState
    let position: SourcePosition

    /// True when called as `{{#name}}…{{/name}}`.
    public var isBlock: Bool { block != nil }
    public var hasInverse: Bool { block?.inverse != nil }

    /// The root of the render data (`@root`).
    public var root: Value { state.root }

    /// The current context (`this`).
    public var context: Value { state.frames[state.frames.count - 1].this }

    /// Argument `index`, or nil when the call has fewer arguments (a path
    /// that finds nothing is an argument: `.null`).
    public func param(_ index: Int) -> Value? {
        // Spelled out: `Value` is ExpressibleByNilLiteral, so a bare `nil` in
        // a conditional expression would become `.null`, not "absent".
        guard params.indices.contains(index) else { return Optional.none }
        return params[index]
    }

    /// Renders the block. With `context`, the block runs in a new scope whose
    /// `this` is `context`, with `data` as its `@` variables and `blockParams`
    /// bound to the `as |…|` names; without, it runs in the current scope.
    public func renderBlock(context: Value? = nil, data: [String: Value] = [:], blockParams: [Value] = []) throws -> String {
        guard let block else { return "" }
        return try state.renderScoped(block.program, context: context, data: data,
                                      blockParamNames: blockParamNames, blockParams: blockParams)
    }

    /// Renders the `{{else}}` part (empty when there is none).
    public func renderInverse() throws -> String {
        guard let inverse = block?.inverse else { return "" }
        var out = ""
        try state.render(inverse, into: &out)
        return out
    }

    /// The data variables of the current scope (`@index`, `@key`, …).
    public var data: [String: Value] { state.frames[state.frames.count - 1].data }
}
