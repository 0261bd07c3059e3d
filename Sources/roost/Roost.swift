import Arguments

/// roost's version, shown by `--version` of every command.
let roostVersion = "0.1.0"

/// The command-line entry point. Every command is declared in a file of its
/// own (`StartCommand.command`, …) and calls a library target; this file
/// only lists them. The declarations are plain values read by the
/// `Arguments` target: no reflection at start (BENCHMARKS.md, "Start").
@main
enum Roost {
    static let command = Command(
        name: "roost",
        abstract: "Run one Habitat service in a container, without the Supervisor.",
        version: roostVersion,
        // Built when named: `roost start` builds only its own option table.
        subcommands: [
            Subcommand("start") { StartCommand.command }, Subcommand("dev") { DevCommand.command },
            Subcommand("render") { RenderCommand.command }, Subcommand("config") { ConfigCommand.command },
            Subcommand("template") { TemplateCommand.command }, Subcommand("health") { HealthCommand.command },
            Subcommand("cert") { CertCommand.command },
            Subcommand("__probe-binds") { ProbeBindsCommand.command }, Subcommand("__http-gateway") { HTTPGatewayCommand.command },
        ]
    )

    static func main() {
        CommandLineTool.main(command, Array(CommandLine.arguments.dropFirst()))
    }
}
