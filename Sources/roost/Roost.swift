import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// roost's version, shown by `--version` of the root and of the commands
/// parsed as roots (`Roost.parsedAsRoot`).
let roostVersion = "0.1.0"

/// The command-line entry point. Every subcommand lives in a file of its own
/// and calls a library target; this file only lists them.
@main
struct Roost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roost",
        abstract: "Run one Habitat service in a container, without the Supervisor.",
        version: roostVersion,
        subcommands: [StartCommand.self, DevCommand.self, RenderCommand.self, ConfigCommand.self, TemplateCommand.self, HealthCommand.self, CertCommand.self, ProbeBindsCommand.self, HTTPGatewayCommand.self]
    )

    /// Commands parsed as the root of their own command tree: the same
    /// declarations, validation, errors and help ("roost start …"), but
    /// swift-argument-parser then skips building, by reflection, the argument
    /// sets it needs only for the whole tree (the completion-script check and
    /// the matched subcommand's passthrough check): 22 % of the instructions
    /// of `roost start` (BENCHMARKS.md). `start` is every container's start,
    /// `health` runs at every Docker HEALTHCHECK, `render` and `template` in
    /// CI, and the `__` commands are processes roost itself spawns.
    static let parsedAsRoot: [String: ParsableCommand.Type] = [
        "start": StartCommand.self, "dev": DevCommand.self, "render": RenderCommand.self,
        "health": HealthCommand.self, "template": TemplateCommand.self,
        "__probe-binds": ProbeBindsCommand.self, "__http-gateway": HTTPGatewayCommand.self,
    ]

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let name = arguments.first, let command = parsedAsRoot[name] {
            runAsRoot(command, name: name, Array(arguments.dropFirst()))
        } else {
            main(nil)
        }
    }

    /// `command.main(arguments)`, except that the hint after an error names
    /// the whole command ("See 'roost start --help'"): as a root the parser
    /// knows only "start".
    private static func runAsRoot(_ command: ParsableCommand.Type, name: String, _ arguments: [String]) -> Never {
        do {
            var parsed = try command.parseAsRoot(arguments)
            try parsed.run()
            Glibc.exit(0)
        } catch {
            let code = command.exitCode(for: error)
            let message = command.fullMessage(for: error).replacing("See '\(name) --help'", with: "See 'roost \(name) --help'")
            if !message.isEmpty {
                if code == .success { print(message) } else { writeStderr(message + "\n") }
            }
            Glibc.exit(code.rawValue)
        }
    }
}
