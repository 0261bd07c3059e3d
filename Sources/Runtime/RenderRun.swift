import Habitat
import Handlebars

/// `roost render`: the dry run. Renders config/, config_install/ and hooks/
/// with the context `roost start` would use (binds probed in this process),
/// then writes what changed (to the service directory or `out`), checks, or
/// shows a diff. Starts nothing; nothing is written unless every template
/// renders.
public struct RenderRun {
    public var settings: ServiceSettings
    /// `--bind` values, as typed.
    public var bindOptions: [String]
    public var bindsFile: String?
    /// Write into `DIR/config`, `DIR/config_install` and `DIR/hooks` instead.
    public var out: String?
    /// Render and validate only; write nothing.
    public var check: Bool
    /// Show a unified diff against the files already there; write nothing.
    public var diff: Bool
    /// Also write the render context as JSON here.
    public var contextOut: String?
    /// A JSON object whose top-level keys replace the computed context's.
    public var contextOverride: String?

    public init(settings: ServiceSettings, bindOptions: [String], bindsFile: String?, out: String? = nil,
                check: Bool = false, diff: Bool = false, contextOut: String? = nil, contextOverride: String? = nil) {
        self.settings = settings
        self.bindOptions = bindOptions
        self.bindsFile = bindsFile
        self.out = out
        self.check = check
        self.diff = diff
        self.contextOut = contextOut
        self.contextOverride = contextOverride
    }

    /// Runs the dry run: the report goes to `output`, notes and unreachable
    /// binds to `notes`.
    public func run(output: (String) -> Void, notes: (String) -> Void) throws(RuntimeError) {
        let rendered: Rendered
        do {
            rendered = try render(notes: notes)
        } catch {
            throw .input(error)
        }
        let (loaded, pipeline, files) = (rendered.service, rendered.pipeline, rendered.files)
        if let contextOut {
            try AtomicWrite.write(Array((JSONCodec.pretty(loaded.context.supervisorValue) + "\n").utf8), to: contextOut, mode: 0o600)
        }
        let destination = out.map { RenderedOutput.Destination(root: $0) } ?? RenderedOutput.Destination(layout: loaded.layout)
        let results = pipeline.plan(files, to: destination)
        if diff {
            do {
                for d in try pipeline.diffs(results, of: loaded, names: .paths) { output(d) }
            } catch {
                throw .input(error)
            }
            return
        }
        if check {
            let changed = results.filter { $0.change != .unchanged }.count
            output("ok: \(files.count) templates render (\(changed) would change)\n")
            return
        }
        try RenderedOutput.write(results)
        for r in results where r.change != .unchanged {
            output("\(r.change.rawValue) \(r.path)\n")
        }
        let counts = Dictionary(grouping: results, by: \.change).mapValues(\.count)
        output("rendered \(files.count) files: \(counts[.created] ?? 0) created, \(counts[.updated] ?? 0) updated, \(counts[.unchanged] ?? 0) unchanged\n")
    }

    struct Rendered {
        var service: LoadedService
        var pipeline: RenderPipeline
        var files: [RenderedFile]
    }

    /// Everything up to the rendered files: the package, its binds probed
    /// here and now, its layered config. Nothing is written.
    func render(notes: (String) -> Void) throws(HabitatError) -> Rendered {
        var settings = settings
        if let contextOverride { settings.contextOverride = try Self.readOverride(contextOverride) }
        let package = try PackageLocator.load(settings.packageArgument, roots: .init(pkgs: settings.pkgsRoot, svc: settings.svcRoot))
        // A context override that pins `bind` replaces bind configuration entirely.
        let binds = settings.contextOverride["bind"] != nil ? BindSet(entries: [])
            : try BindSet.configure(package: package, options: bindOptions, environment: settings.environment, bindsFile: bindsFile)
        let probe = BindResolution.probe(binds)
        for p in probe.problems { notes("roost: bind \(p.bind): not reachable: \(p.detail)\n") }
        let loaded = try LoadedService.load(settings, binds: probe.groups, package: package)
        for note in loaded.notes { notes("roost: note: \(note)\n") }
        let pipeline = RenderPipeline(templates: try PackageTemplates.load(loaded.package), settings: settings)
        return Rendered(service: loaded, pipeline: pipeline, files: try pipeline.render(loaded.context))
    }

    /// The `--context-override` file: a JSON object.
    static func readOverride(_ path: String) throws(HabitatError) -> Object {
        guard let text = FileSystem.readString(path) else {
            throw HabitatError(.missingInput, source: path, "cannot read the context override")
        }
        let value: Value
        do {
            value = try JSONCodec.parse(text)
        } catch {
            throw HabitatError(.data, source: path, line: error.line, column: error.column, "invalid JSON: \(error.message)")
        }
        guard case .object(let o) = value else {
            throw HabitatError(.data, source: path, "must be a JSON object such as {\"sys\": {…}}")
        }
        return o
    }
}
