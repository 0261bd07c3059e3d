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
        subcommands: [StartCommand.command, DevCommand.command, RenderCommand.command, ConfigCommand.command,
                      TemplateCommand.command, HealthCommand.command, CertCommand.command,
                      ProbeBindsCommand.command, HTTPGatewayCommand.command]
    )

    static func main() {
        CommandLineTool.main(command, Array(CommandLine.arguments.dropFirst()))
    }
}
