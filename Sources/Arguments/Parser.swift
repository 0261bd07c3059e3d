/// A command line that does not fit the command's declaration: the message,
/// and the option or argument it is about (shown as a "Help:" line).
public struct UsageError: Error, Equatable, Sendable {
    public var message: String
    /// "--days <days>  Validity in days.", when the error is about one option or argument.
    public var about: String?

    public init(_ message: String, about: String? = nil) {
        self.message = message
        self.about = about
    }
}

/// What a command line asks for.
public enum Invocation: Sendable {
    /// Run the last command of `path` (root first) with these values.
    case run(path: [Command], ParsedArguments)
    /// Print this help to standard output and exit 0.
    case help(String)
    /// Print this version to standard output and exit 0.
    case version(String)
    /// The command line is wrong: `path` is as far as it got.
    case failure(path: [Command], UsageError)
}

/// Turns words into an `Invocation`: finds the command (`roost cert ensure`),
/// answers `--help`, `--version` and `roost help <command>`, then parses the
/// command's own options and arguments.
public enum Parser {
    public static func resolve(_ root: Command, _ arguments: [String]) -> Invocation {
        var path = [root]
        var rest = arguments[...]
        while let word = rest.first, let sub = path[path.count - 1].subcommand(word) {
            path.append(sub)
            rest = rest.dropFirst()
        }
        // `roost help [<command> [<subcommand>]]`: the same text as `--help`.
        if path.count == 1, rest.first == "help", root.subcommand("help") == nil {
            for word in rest.dropFirst() {
                guard let sub = path[path.count - 1].subcommand(word) else {
                    return .failure(path: path, UsageError("Unknown command '\(word)'"))
                }
                path.append(sub)
            }
            return .help(Help.text(path))
        }
        let command = path[path.count - 1]
        // Help and version win over any other word before `--`, as a user
        // adding --help to a failing line expects.
        for word in rest {
            if word == "--" { break }
            if word == "--help" || word == "-h" { return .help(Help.text(path)) }
            if word == "--version", let version = path.reversed().lazy.compactMap(\.version).first {
                return .version(version)
            }
        }
        if command.run == nil {
            guard let word = rest.first else { return .help(Help.text(path)) }
            if !word.hasPrefix("-") {
                return .failure(path: path, UsageError("Unknown command '\(word)'"))
            }
        }
        do {
            return .run(path: path, try parse(command, rest))
        } catch {
            return .failure(path: path, error)
        }
    }

    /// Parses one command's options and positional arguments. Values given
    /// twice to a single-value option: the last one wins.
    public static func parse(_ command: Command, _ words: ArraySlice<String>) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments(command: command)
        var positionals: [String] = []
        var index = words.startIndex
        var optionsEnded = false
        while index < words.endIndex {
            let word = words[index]
            index += 1
            if optionsEnded || word == "-" || !word.hasPrefix("-") {
                positionals.append(word)
            } else if word == "--" {
                optionsEnded = true
            } else if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let equals = body.firstIndex(of: "=")
                let name = equals.map { String(body[..<$0]) } ?? String(body)
                let inline = equals.map { String(body[body.index(after: $0)...]) }
                guard let i = command.options.firstIndex(where: { $0.long == name }) else {
                    throw UsageError("Unknown option '--\(name)'")
                }
                try take(i, inline: inline, words, &index, into: &parsed)
            } else {
                // One or more short options: `-q`, `-qq`; a value for the last one follows it.
                let letters = Array(word.dropFirst())
                for (position, letter) in letters.enumerated() {
                    guard let i = command.options.firstIndex(where: { $0.short == letter }) else {
                        throw UsageError("Unknown option '-\(letter)'")
                    }
                    let option = command.options[i]
                    if option.kind != .flag && position != letters.count - 1 {
                        throw UsageError("Missing value for '-\(letter) <\(option.valueName)>'", about: describe(option))
                    }
                    try take(i, inline: nil, words, &index, into: &parsed)
                }
            }
        }
        for (i, option) in command.options.enumerated() where option.isRequired && parsed.values[i].isEmpty {
            throw UsageError("Missing expected argument '\(option.label)'", about: describe(option))
        }
        if positionals.count > command.arguments.count {
            throw UsageError("Unexpected argument '\(positionals[command.arguments.count])'")
        }
        if let missing = command.arguments.dropFirst(positionals.count).first(where: \.isRequired) {
            throw UsageError("Missing expected argument '\(missing.label)'", about: describe(missing))
        }
        parsed.positionals = positionals
        return parsed
    }

    /// Records one occurrence of the option at `optionIndex`, taking its
    /// value from `inline` (`--name=value`) or the next word.
    private static func take(_ optionIndex: Int, inline: String?, _ words: ArraySlice<String>, _ index: inout Int,
                             into parsed: inout ParsedArguments) throws(UsageError) {
        let option = parsed.command.options[optionIndex]
        if option.kind == .flag {
            if let inline {
                throw UsageError("The option '--\(option.long)' does not take any value, but '\(inline)' was specified.")
            }
            parsed.values[optionIndex].append("")
            return
        }
        let value: String
        if let inline {
            value = inline
        } else if index < words.endIndex, option.allowsLeadingDash || words[index] == "-" || !words[index].hasPrefix("-") {
            value = words[index]
            index += 1
        } else {
            throw UsageError("Missing value for '\(option.label)'", about: describe(option))
        }
        if option.kind == .int, Int(value) == nil {
            throw UsageError("The value '\(value)' is invalid for '\(option.label)': expected a whole number", about: describe(option))
        }
        if !option.choices.isEmpty, !option.choices.contains(value) {
            throw UsageError("The value '\(value)' is invalid for '\(option.label)': expected \(Help.alternatives(option.choices))",
                             about: describe(option))
        }
        if option.kind == .strings {
            parsed.values[optionIndex].append(value)
        } else {
            parsed.values[optionIndex] = [value]
        }
    }

    private static func describe(_ option: Option) -> String { "\(option.label)  \(option.help)" }
    private static func describe(_ argument: Positional) -> String {
        argument.help.isEmpty ? argument.label : "\(argument.label)  \(argument.help)"
    }
}
