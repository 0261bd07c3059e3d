import Handlebars

extension HabitatError {
    /// A template that does not parse: file:line:column, the line and a caret.
    public init(templateError error: TemplateError, source: String, text: String) {
        self.init(.template, source: source, line: error.line, column: error.column, error.message,
                  detail: HabitatError.excerpt(text, line: error.line, column: error.column))
    }

    /// A template that failed to render.
    public init(renderError error: Error, source: String) {
        if let e = error as? RenderError {
            self.init(.template, source: source, line: e.line, column: e.column, e.message)
        } else {
            self.init(.template, source: source, "\(error)")
        }
    }
}
