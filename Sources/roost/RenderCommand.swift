import Arguments
import Glibc
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
        // `--out ""` wrote into /config and /hooks when run from /.
        try ServiceOptions.refuseEmpty([("out", out), ("context-out", contextOut), ("context-override", contextOverride)])
        let settings = try service.settings()
        let render = RenderRun(settings: settings, bindOptions: service.binds, bindsFile: service.effectiveBindsFile(settings.environment),
                               out: out, check: check, diff: diff, contextOut: contextOut, contextOverride: contextOverride)
        do {
            try render.run(output: writeStdout, notes: writeStderr)
        } catch {
            writeStderr("roost: \(error)\n")
            Glibc.exit(error.exitCode)
        }
    }
}
