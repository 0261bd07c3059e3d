/// The values of one parsed command line, read back by option and argument
/// name. An option that was not given reads as its declared default.
///
/// Reading a name the command does not declare is a programming error and
/// stops the program: a misspelt name would otherwise read as "not given".
public struct ParsedArguments: Sendable {
    /// The command that was parsed.
    public let command: Command
    /// Given values by long option name, in command-line order (flags hold "").
    var values: [String: [String]] = [:]
    /// Given positional arguments by name.
    var positionals: [String: String] = [:]

    init(command: Command) { self.command = command }

    /// Whether the flag (or option) was given.
    public func flag(_ long: String) -> Bool {
        _ = declared(long)
        return values[long] != nil
    }

    /// The option's last value, or its default; nil when neither exists.
    public func optionalString(_ long: String) -> String? {
        values[long]?.last ?? declared(long).defaultValue
    }

    /// The value of an option declared with a default or as required.
    public func string(_ long: String) -> String {
        guard let value = optionalString(long) else { preconditionFailure("--\(long) has neither a value nor a default") }
        return value
    }

    /// The option's number (checked while parsing), or its default.
    public func optionalInt(_ long: String) -> Int? {
        optionalString(long).flatMap { Int($0) }
    }

    /// The number of an option declared with a default or as required.
    public func int(_ long: String) -> Int {
        guard let value = optionalInt(long) else { preconditionFailure("--\(long) has neither a number nor a default") }
        return value
    }

    /// Every value of a repeatable option, in command-line order.
    public func strings(_ long: String) -> [String] {
        _ = declared(long)
        return values[long] ?? []
    }

    /// The positional argument `name`, or its default.
    public func argument(_ name: String) -> String? {
        guard let spec = command.arguments.first(where: { $0.name == name }) else {
            preconditionFailure("'\(command.name)' declares no argument <\(name)>")
        }
        return positionals[name] ?? spec.defaultValue
    }

    private func declared(_ long: String) -> Option {
        guard let option = command.option(long) else { preconditionFailure("'\(command.name)' declares no option --\(long)") }
        return option
    }
}
