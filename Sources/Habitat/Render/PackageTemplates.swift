import Handlebars

/// A rendered file, relative to the output root: `config/nginx.conf`,
/// `hooks/run`, `config_install/app.ini`.
public struct RenderedFile: Sendable, Equatable {
    public enum Kind: String, Sendable { case config, configInstall = "config_install", hook = "hooks" }
    public var kind: Kind
    /// Path below its kind's directory (`nginx.conf`, `conf.d/app.conf`, `run`).
    public var path: String
    public var content: String

    /// `config/nginx.conf`, `hooks/run`.
    public var relativePath: String { kind.rawValue + "/" + path }
}

/// Every template of a package, parsed once: `config/`, `config_install/` and
/// `hooks/`. Rendering is all or nothing: either every file renders, or an
/// error names the template (file, line, column) and nothing is returned.
public struct PackageTemplates: Sendable {
    struct Loaded: Sendable {
        var kind: RenderedFile.Kind
        var path: String
        var template: Template
    }

    var files: [Loaded]
    public let package: ServicePackage

    /// Hook names the Supervisor runs (spec 4.1). Other files in `hooks/` are
    /// still rendered (`roost render` shows them) but never run.
    public static let runtimeHooks = ["init", "run", "post-run", "health-check", "reconfigure",
                                      "file-updated", "suitability", "post-stop"]
    /// Hooks rendered with the install context `{pkg, cfg}`.
    public static let installHooks = ["install", "uninstall"]

    /// Parses every template. A syntax error in any of them is an error that
    /// names the file (Habitat silently drops a hook that does not parse;
    /// roost refuses, so the mistake is seen).
    public static func load(_ package: ServicePackage) throws(HabitatError) -> PackageTemplates {
        var files: [Loaded] = []
        let roots: [(RenderedFile.Kind, String)] = [
            (.config, package.configDirectory), (.configInstall, package.configInstallDirectory),
            (.hook, package.hooksDirectory),
        ]
        for (kind, dir) in roots where FileSystem.isDirectory(dir) {
            var skipped: [String] = []
            let paths = FileSystem.walkFiles(dir, skipped: &skipped)
            // Every entry is rendered or refused: a template silently left
            // out would be a partial result.
            if let odd = skipped.first(where: { !isExcluded($0) }) {
                let full = FileSystem.join(dir, odd)
                let reason = FileSystem.whyNotAFile(full)
                throw HabitatError(.template, source: full,
                                   FileSystem.isDirectory(full) ? reason : reason + "; a template must be a regular file")
            }
            for path in paths where !isExcluded(path) {
                let full = FileSystem.join(dir, path)
                let text: String
                switch FileSystem.readText(full) {
                case .text(let t): text = t
                case .missing: throw HabitatError(.missingInput, source: full, "cannot read the template")
                case .unreadable(let reason): throw HabitatError(.missingInput, source: full, reason)
                case .notText: throw HabitatError(.template, source: full, "not UTF-8 text")
                }
                do {
                    files.append(Loaded(kind: kind, path: path, template: try Template(source: text, name: full)))
                } catch {
                    throw HabitatError(templateError: error, source: full, text: text)
                }
            }
        }
        return PackageTemplates(files: files, package: package)
    }

    /// Editor leftovers plan-build excludes from `config/` (`*.sw?`, `*~`, `*.bak`).
    static func isExcluded(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix("~") || name.hasSuffix(".bak") { return true }
        if let dot = name.lastIndex(of: ".") {
            let ext = name[name.index(after: dot)...]
            if ext.count == 3 && ext.hasPrefix("sw") { return true }
        }
        return false
    }

    /// Whether the package has a hook template of that name.
    public func hasHook(_ name: String) -> Bool { files.contains { $0.kind == .hook && $0.path == name } }

    /// Renders every template with `context`. Config templates share one
    /// registry (so `{{> other.conf}}` works); hooks share one without
    /// partials (rendering never changes a registry).
    public func render(_ context: RenderContext, helpers: HabitatHelpers = HabitatHelpers(strictPkgPathFor: true)) throws(HabitatError) -> [RenderedFile] {
        let supervisor = context.supervisorValue
        // Only config_install/ and the install hooks use it: built on demand.
        var installContext: Value?
        func install() -> Value {
            if let installContext { return installContext }
            let value = context.installValue
            installContext = value
            return value
        }
        var out: [RenderedFile] = []
        var configRenderer = HabitatHelpers.makeRenderer(helpers)
        var hookRenderer: Handlebars?
        for f in files where f.kind == .config {
            configRenderer.registerPartial(f.path, f.template)
        }
        for f in files {
            let data: Value
            switch f.kind {
            case .config: data = supervisor
            case .configInstall: data = install()
            case .hook: data = PackageTemplates.installHooks.contains(f.path) ? install() : supervisor
            }
            do {
                let text: String
                if f.kind == .config {
                    text = try configRenderer.render(f.template, data)
                } else {
                    if hookRenderer == nil { hookRenderer = HabitatHelpers.makeRenderer(helpers) }
                    text = try hookRenderer!.render(f.template, data)
                }
                out.append(RenderedFile(kind: f.kind, path: f.path, content: text))
            } catch {
                throw HabitatError(renderError: error, source: FileSystem.join(directory(of: f.kind), f.path))
            }
        }
        return out
    }

    func directory(of kind: RenderedFile.Kind) -> String {
        switch kind {
        case .config: package.configDirectory
        case .configInstall: package.configInstallDirectory
        case .hook: package.hooksDirectory
        }
    }
}
