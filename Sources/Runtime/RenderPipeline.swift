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

    /// How a diff names the files.
    public enum DiffNames: Sendable {
        /// `a/config/x` and `b/config/x` (`roost dev`).
        case relative
        /// The paths written to, `/dev/null` for a new file (`roost render --diff`).
        case paths
    }

    /// A unified diff per file the plan changes, from what is on disk to the
    /// new rendering, with every secret masked (`Secrets.maskDiff`: the file
    /// rendered with secrets redacted shows where they go; current secret
    /// values are masked wherever they appear). Diffs reach logs and reviews.
    public func diffs(_ results: [RenderedOutput.Result], of service: LoadedService, names: DiffNames,
                      contextLines: Int = 3) throws(HabitatError) -> [String] {
        let changed = results.filter { $0.change != .unchanged }
        guard !changed.isEmpty else { return [] }
        let secrets = Secrets.values(in: .object(service.config.merged), alsoAt: Secrets.pathsFromSecretFiles(service.config.provenance))
        let redactedByPath = try renderRedacted(service.context)
        return changed.map { r in
            let (old, new) = switch names {
            case .relative: ("a/" + r.file.relativePath, "b/" + r.file.relativePath)
            case .paths: (r.change == .created ? "/dev/null" : r.path, r.path)
            }
            let diff = LineDiff.unified(old: r.previous ?? "", new: r.file.content, oldName: old, newName: new, context: contextLines)
            return Secrets.maskDiff(diff, real: r.file.content, redacted: redactedByPath[r.file.relativePath] ?? "", values: secrets)
        }
    }
}
