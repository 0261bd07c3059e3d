import ArgumentParser
import Glibc
import Runtime

/// `roost render`: the dry run. Renders config/, config_install/ and hooks/
/// with the same context `roost start` would use; starts nothing.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        _superCommandName: "roost",   // named "roost render" in help when parsed as the root (see Roost.main)
        abstract: "Render the package's config files and hooks without starting anything.",
        discussion: """
        Writes into the service directory (<svc-root>/<pkg>/config and hooks) unless --out \
        is given, atomically, and only files whose content changed. Nothing is written \
        unless every template renders.
        """,
        version: roostVersion
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: ArgumentHelp("Write into DIR/config, DIR/config_install and DIR/hooks instead.", valueName: "DIR"))
    var out: String?

    @Flag(help: "Render and validate only; write nothing.")
    var check = false

    @Flag(help: "Show a unified diff against the files already there (writes nothing; secret values masked).")
    var diff = false

    @Option(name: .customLong("context-out"), help: ArgumentHelp("Also write the render context as JSON to FILE.", valueName: "FILE"))
    var contextOut: String?

    @Option(name: .customLong("context-override"), help: ArgumentHelp("JSON object whose top-level keys (sys, pkg, svc, bind, cfg) replace the computed ones.", valueName: "FILE.json"))
    var contextOverride: String?

    func run() throws {
        let render = RenderRun(settings: try service.settings(), bindOptions: service.binds, bindsFile: service.effectiveBindsFile,
                               out: out, check: check, diff: diff, contextOut: contextOut, contextOverride: contextOverride)
        do {
            try render.run(output: writeStdout, notes: writeStderr)
        } catch {
            writeStderr("roost: \(error)\n")
            Glibc.exit(error.exitCode)
        }
    }
}
