import ArgumentParser

/// The command-line entry point. Every subcommand lives in a file of its own
/// and calls a library target; this file only lists them.
@main
struct Roost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Run one Habitat service in a container, without the Supervisor.",
        version: "0.1.0",
        subcommands: [StartCommand.self, DevCommand.self, RenderCommand.self, ConfigCommand.self, TemplateCommand.self, HealthCommand.self, CertCommand.self, ProbeBindsCommand.self, HTTPGatewayCommand.self]
    )
}
