/// A position in a template: 1-based line and column (in characters).
public struct SourcePosition: Sendable, Equatable {
    public var line: Int
    public var column: Int
}

/// A path such as `cfg.port`, `../name`, `this`, `@index`, `@root.pkg`,
/// `members.[0]`.
struct PathExpr: Sendable {
    /// Starts with `@`: a data variable (`@index`) or `@root`.
    var isData = false
    /// `@root…`.
    var isRoot = false
    /// Number of leading `../`.
    var up = 0
    /// Written with `this` or `.` first: never a helper, never a block param.
    var explicitThis = false
    var segments: [String] = []
    /// The text as written, for messages.
    var original = ""

    /// A bare identifier that could name a helper (`foo`, not `foo.bar`).
    var helperName: String? {
        (!isData && up == 0 && !explicitThis && segments.count == 1) ? segments[0] : nil
    }
}

/// An expression inside a tag.
indirect enum Expr: Sendable {
    case path(PathExpr)
    case literal(Value)
    /// `(helper params hash)`.
    case subexpression(Call)
}

/// A helper or path with its arguments: `name p1 p2 key=value`.
struct Call: Sendable {
    var head: Expr
    var params: [Expr] = []
    var hash: [(String, Expr)] = []
    var position: SourcePosition

    var isBare: Bool { params.isEmpty && hash.isEmpty }
}

/// One node of a parsed template.
indirect enum Node: Sendable {
    case text(String)
    /// `{{expr}}` (escaped: the registry's escaping applies) or `{{{expr}}}`
    /// and `{{&expr}}` (not escaped).
    case mustache(Call, escaped: Bool)
    /// `{{#name …}}…{{else}}…{{/name}}`.
    case block(Block)
    /// `{{> name context key=value}}`, with the indentation of a standalone
    /// partial; `{{#> name}}fallback{{/name}}` renders `fallback` when there is
    /// no such partial.
    case partial(name: Expr, context: Expr?, hash: [(String, Expr)], indent: String, position: SourcePosition, fallback: [Node]?)
    /// `{{#*inline "name"}}…{{/inline}}`.
    case inlinePartial(name: String, body: [Node])
    /// `{{{{raw}}}}…{{{{/raw}}}}`: the body is literal text.
    case rawBlock(Call, body: String)
}

struct Block: Sendable {
    var call: Call
    var blockParams: [String]
    var program: [Node]
    /// The `{{else}}` part; an `{{else if …}}` chain is a nested block here.
    var inverse: [Node]?
}
