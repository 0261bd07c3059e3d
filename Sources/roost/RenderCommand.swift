import Arguments
import Habitat
import Handlebars
import Runtime

/// `roost render`: the dry run. Renders config/, config_install/ and hooks/
/// with the same context `roost start` would use; starts nothing.
struct RenderCommand {
    static let command = Command(
        name: "render",
        abstract: "Render the package's config files and hooks without starting anything.",
        discussion: """
        Writes into the service directory (<svc-root>/<pkg>/config and hooks) unless --out \
        is given, atomically, and only files whose content changed. Nothing is written \
        unless every template renders.
        """,
        arguments: ServiceOptions.arguments,
        options: ServiceOptions.options + [
            .string("out", valueName: "DIR", help: "Write into DIR/config, DIR/config_install and DIR/hooks instead."),
            .flag("check", help: "Render and validate only; write nothing."),
            .flag("diff", help: "Show a unified diff against the files already there (writes nothing; secret values masked)."),
            .string("context-out", valueName: "FILE", help: "Also write the render context as JSON to FILE."),
            .string("context-override", valueName: "FILE.json", help: "JSON object whose top-level keys (sys, pkg, svc, bind, cfg) replace the computed ones."),
        ]
    ) { try RenderCommand($0).run() }

    let service: ServiceOptions
    let out: String?
    let check: Bool
    let diff: Bool
    let contextOut: String?
    let contextOverride: String?

    init(_ arguments: ParsedArguments) {
        service = ServiceOptions(arguments)
        out = arguments.optionalString("out")
        check = arguments.flag("check")
        diff = arguments.flag("diff")
        contextOut = arguments.optionalString("context-out")
        contextOverride = arguments.optionalString("context-override")
    }

    func run() throws {
        do {
            try render()
        } catch let error as HabitatError {
            fail(error)
        }
    }

    func render() throws {
        var settings = try service.settings()
        if let contextOverride {
            guard let text = FileSystem.readString(contextOverride) else {
                throw HabitatError(.missingInput, source: contextOverride, "cannot read the context override")
            }
            do {
                guard case .object(let o) = try JSONCodec.parse(text) else {
                    throw HabitatError(.data, source: contextOverride, "must be a JSON object such as {\"sys\": {…}}")
                }
                settings.contextOverride = o
            } catch let e as JSONParseError {
                throw HabitatError(.data, source: contextOverride, line: e.line, column: e.column, "invalid JSON: \(e.message)")
            }
        }
        let package = try PackageLocator.load(settings.packageArgument,
                                              roots: .init(pkgs: settings.pkgsRoot, svc: settings.svcRoot))
        // A context override that pins `bind` replaces bind configuration entirely.
        let binds = settings.contextOverride["bind"] != nil ? BindSet(entries: [])
            : try BindSet.configure(package: package, options: service.binds,
                                    environment: settings.environment, bindsFile: service.effectiveBindsFile(settings.environment))
        var groups: [BoundGroup] = []
        if !binds.entries.isEmpty {
            let statuses = BindProbe.probe(binds)
            for p in BindResolution.problems(binds, statuses: statuses) {
                writeStderr("roost: bind \(p.bind): not reachable: \(p.detail)\n")
            }
            groups = BindResolution.groups(binds, statuses: statuses)
        }
        let loaded = try LoadedService.load(settings, binds: groups, package: package)
        for note in loaded.notes { writeStderr("roost: note: \(note)\n") }
        let pipeline = RenderPipeline(templates: try PackageTemplates.load(loaded.package), settings: settings)
        let files = try pipeline.render(loaded.context)

        if let contextOut {
            try AtomicWrite.write(Array((JSONCodec.pretty(loaded.context.supervisorValue) + "\n").utf8), to: contextOut, mode: 0o600)
        }
        let destination = out.map { RenderedOutput.Destination(root: $0) } ?? RenderedOutput.Destination(layout: loaded.layout)
        let results = pipeline.plan(files, to: destination)
        if diff {
            // Diffs end up in CI logs and reviews: secret values are masked.
            let secrets = Secrets.values(in: .object(loaded.config.merged), alsoAt: Secrets.pathsFromSecretFiles(loaded.config.provenance))
            let redactedByPath = try pipeline.renderRedacted(loaded.context)
            for r in results where r.change != .unchanged {
                let diff = LineDiff.unified(old: r.previous ?? "", new: r.file.content,
                                            oldName: r.change == .created ? "/dev/null" : r.path, newName: r.path)
                writeStdout(Secrets.maskDiff(diff, real: r.file.content, redacted: redactedByPath[r.file.relativePath] ?? "", values: secrets))
            }
            return
        }
        if check {
            let changed = results.filter { $0.change != .unchanged }.count
            writeStdout("ok: \(files.count) templates render (\(changed) would change)\n")
            return
        }
        try RenderedOutput.write(results)
        for r in results where r.change != .unchanged {
            writeStdout("\(r.change.rawValue) \(r.path)\n")
        }
        let counts = Dictionary(grouping: results, by: \.change).mapValues(\.count)
        writeStdout("rendered \(files.count) files: \(counts[.created] ?? 0) created, \(counts[.updated] ?? 0) updated, \(counts[.unchanged] ?? 0) unchanged\n")
    }
}
