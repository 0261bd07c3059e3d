import Habitat

/// Render → plan, shared by `start`/`dev` (`ServiceRunner`) and
/// `roost render`: the same helpers (strict `pkgPathFor`: a dependency that
/// is not installed is an error), and the same redacted rendering that
/// diffs are made of, so a diff never shows a secret.
public struct RenderPipeline {
    public let templates: PackageTemplates
    let helpers: HabitatHelpers

    public init(templates: PackageTemplates, settings: ServiceSettings) {
        self.templates = templates
        helpers = HabitatHelpers(pkgPaths: settings.pkgPaths, pkgsRoot: settings.pkgsRoot, strictPkgPathFor: true)
    }

    /// Every template rendered with `context`; nothing is written.
    public func render(_ context: RenderContext) throws(HabitatError) -> [RenderedFile] {
        try templates.render(context, helpers: helpers)
    }

    /// The same files rendered with every secret redacted, by relative path
    /// (`config/x`, `hooks/run`).
    public func renderRedacted(_ context: RenderContext) throws(HabitatError) -> [String: String] {
        let files = try templates.render(context.redacted, helpers: helpers)
        return Dictionary(files.map { ($0.relativePath, $0.content) }, uniquingKeysWith: { first, _ in first })
    }

    /// What writing `files` to `destination` would change.
    public func plan(_ files: [RenderedFile], to destination: RenderedOutput.Destination) -> [RenderedOutput.Result] {
        RenderedOutput.plan(files, to: destination)
    }
}
