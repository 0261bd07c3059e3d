/// A command as data: its name, help texts, arguments, options and
/// subcommands, and what it runs. Declaring a command is building one value;
/// nothing is discovered by reflection, so parsing costs a walk over the
/// declared options and no Swift runtime metadata lookups.
public struct Command: Sendable {
    /// The word that selects the command ("start", "show").
    public var name: String
    /// One line, shown after OVERVIEW: and in the parent's command list.
    public var abstract: String
    /// Paragraphs shown in the command's help after the abstract.
    public var discussion: String
    /// Left out of the parent's command list (helper processes roost spawns).
    public var isHidden: Bool
    /// Printed by `--version`; a command without one uses its parent's.
    public var version: String?
    /// Positional arguments, in order.
    public var arguments: [Positional]
    /// Options, in the order help lists them.
    public var options: [Option]
    /// Commands below this one (`roost config show`).
    public var subcommands: [Subcommand]
    /// What the command does with its parsed arguments; a command without it
    /// prints its help (a group such as `roost config`).
    public var run: (@Sendable (ParsedArguments) throws -> Void)?

    public init(name: String, abstract: String = "", discussion: String = "", isHidden: Bool = false,
                version: String? = nil, arguments: [Positional] = [], options: [Option] = [],
                subcommands: [Subcommand], run: (@Sendable (ParsedArguments) throws -> Void)? = nil) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.isHidden = isHidden
        self.version = version
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.run = run
    }

    /// The same with subcommands already built.
    public init(name: String, abstract: String = "", discussion: String = "", isHidden: Bool = false,
                version: String? = nil, arguments: [Positional] = [], options: [Option] = [],
                subcommands: [Command] = [], run: (@Sendable (ParsedArguments) throws -> Void)? = nil) {
        self.init(name: name, abstract: abstract, discussion: discussion, isHidden: isHidden, version: version,
                  arguments: arguments, options: options, subcommands: subcommands.map(Subcommand.init), run: run)
    }

    /// The subcommand called `name`.
    public func subcommand(_ name: String) -> Command? { subcommands.first { $0.name == name }?.command }
}

/// A subcommand by name, built when the command line names it or help
/// lists it: building every command's option table at each start touched
/// code and type metadata for commands that never run (7 page faults and
/// 43,000 instructions of `roost start`).
public struct Subcommand: Sendable {
    /// The word that selects it; the command built must have this name.
    public let name: String
    private let make: @Sendable () -> Command

    /// `make` runs each time the command is needed: return a stored value.
    public init(_ name: String, _ make: @escaping @Sendable () -> Command) {
        self.name = name
        self.make = make
    }

    /// An already built command.
    public init(_ command: Command) {
        name = command.name
        make = { command }
    }

    public var command: Command {
        let command = make()
        precondition(command.name == name, "subcommand '\(name)' builds a command named '\(command.name)'")
        return command
    }
}

/// One `--long` (and optionally `-s`) option.
public struct Option: Sendable {
    /// What an option holds.
    public enum Kind: Sendable, Equatable {
        /// Present or not; takes no value.
        case flag
        /// One text value; given twice, the last one wins.
        case string
        /// One whole number, checked while parsing; given twice, the last one wins.
        case int
        /// Any number of text values, one per occurrence, in order.
        case strings
    }

    /// The name after `--`.
    public var long: String
    /// The letter after `-`, if any.
    public var short: Character?
    /// Shown in `<…>` after the name in help and errors.
    public var valueName: String
    public var help: String
    public var kind: Kind
    /// The value when the option is not given; also shown as "(default: …)".
    public var defaultValue: String?
    /// Parsing fails when a required option is missing.
    public var isRequired: Bool
    /// The value may start with '-' (a negative number): the next word is
    /// taken as the value whatever it looks like.
    public var allowsLeadingDash: Bool
    /// When not empty, the only values accepted.
    public var choices: [String]

    public init(long: String, short: Character? = nil, valueName: String? = nil, help: String, kind: Kind,
                defaultValue: String? = nil, isRequired: Bool = false, allowsLeadingDash: Bool = false, choices: [String] = []) {
        self.long = long
        self.short = short
        self.valueName = valueName ?? long
        self.help = help
        self.kind = kind
        self.defaultValue = defaultValue
        self.isRequired = isRequired
        self.allowsLeadingDash = allowsLeadingDash
        self.choices = choices
    }

    /// A flag: `--long` or `-s`.
    public static func flag(_ long: String, short: Character? = nil, help: String) -> Option {
        Option(long: long, short: short, help: help, kind: .flag)
    }

    /// A text option; `required` when it has no default and must be given.
    public static func string(_ long: String, valueName: String? = nil, default value: String? = nil, required: Bool = false,
                              choices: [String] = [], help: String) -> Option {
        Option(long: long, valueName: valueName, help: help, kind: .string, defaultValue: value, isRequired: required, choices: choices)
    }

    /// A whole-number option. Its value may be negative (`--days -1` reaches
    /// the command, which says what range it accepts).
    public static func int(_ long: String, valueName: String? = nil, default value: Int? = nil, help: String) -> Option {
        Option(long: long, valueName: valueName, help: help, kind: .int, defaultValue: value.map { String($0) }, allowsLeadingDash: true)
    }

    /// A repeatable text option.
    public static func strings(_ long: String, valueName: String? = nil, help: String) -> Option {
        Option(long: long, valueName: valueName, help: help, kind: .strings)
    }

    /// `--long <VALUE>` (or `--long` for a flag), as help and errors name it.
    public var label: String {
        kind == .flag ? "--\(long)" : "--\(long) <\(valueName)>"
    }
}

/// One positional argument.
public struct Positional: Sendable {
    /// Shown in `<…>` in help and errors; also the key to read it back.
    public var name: String
    public var help: String
    /// The value when it is not given; also shown as "(default: …)".
    public var defaultValue: String?
    /// Parsing fails when a required argument is missing.
    public var isRequired: Bool

    public init(_ name: String, help: String = "", default value: String? = nil, required: Bool = true) {
        self.name = name
        self.help = help
        self.defaultValue = value
        self.isRequired = value == nil && required
    }

    public var label: String { "<\(name)>" }
}
