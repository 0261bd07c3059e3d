/// The values of one parsed command line, read back by option and argument
/// name. An option that was not given reads as its declared default.
///
/// Reading a name the command does not declare is a programming error and
/// stops the program: a misspelt name would otherwise read as "not given".
public struct ParsedArguments: Sendable {
    /// The command that was parsed.
    public let command: Command
    /// Given values of each option (by its index in `command.options`), in
    /// command-line order; a flag holds "" per occurrence. Arrays, not
    /// dictionaries: no hashing, and no generic metadata to instantiate at start.
    var values: [[String]]
    /// Given positional arguments, in order.
    var positionals: [String] = []

    init(command: Command) {
        self.command = command
        values = Array(repeating: [], count: command.options.count)
    }

    /// Whether the flag (or option) was given.
    public func flag(_ long: String) -> Bool {
        !values[index(long)].isEmpty
    }

    /// The option's last value, or its default; nil when neither exists.
    public func optionalString(_ long: String) -> String? {
        let i = index(long)
        return values[i].last ?? command.options[i].defaultValue
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
        values[index(long)]
    }

    /// The positional argument `name`, or its default.
    public func argument(_ name: String) -> String? {
        guard let i = command.arguments.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("'\(command.name)' declares no argument <\(name)>")
        }
        return i < positionals.count ? positionals[i] : command.arguments[i].defaultValue
    }

    private func index(_ long: String) -> Int {
        guard let i = command.options.firstIndex(where: { $0.long == long }) else {
            preconditionFailure("'\(command.name)' declares no option --\(long)")
        }
        return i
    }
}
