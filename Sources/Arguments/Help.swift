/// Help and usage text: sections as swift-argument-parser laid them out
/// (OVERVIEW, USAGE, ARGUMENTS, OPTIONS, SUBCOMMANDS), wrapped to 80 columns
/// (every line shorter than 80 columns, so a terminal never folds it) with
/// the descriptions aligned in one column.
public enum Help {
    /// Lines are shorter than this.
    public static let width = 80
    /// Where descriptions start; a longer label puts its description on the next line.
    public static let descriptionColumn = 26

    /// The help of the last command of `path` (root first).
    public static func text(_ path: [Command]) -> String {
        let command = path[path.count - 1]
        var sections: [String] = []
        if !command.abstract.isEmpty { sections.append(wrap("OVERVIEW: " + command.abstract)) }
        if !command.discussion.isEmpty { sections.append(wrap(command.discussion)) }
        sections.append("USAGE: " + usage(path))
        if !command.arguments.isEmpty {
            sections.append("ARGUMENTS:\n" + command.arguments.map {
                row($0.label, withDefault($0.help, $0.defaultValue))
            }.joined())
        }
        var options = command.options.map { option in
            row((option.short.map { "-\($0), " } ?? "") + option.label,
                withDefault(option.help, option.defaultValue))
        }
        if path.contains(where: { $0.version != nil }) { options.append(row("--version", "Show the version.")) }
        options.append(row("-h, --help", "Show help information."))
        sections.append("OPTIONS:\n" + options.joined())
        let listed = command.subcommands.map(\.command).filter { !$0.isHidden }
        if !listed.isEmpty {
            sections.append("SUBCOMMANDS:\n" + listed.map { row($0.name, $0.abstract) }.joined())
            let name = (["help"] + path.dropFirst().map(\.name)).joined(separator: " ")
            sections.append("  See '\(path[0].name) \(name) <subcommand>' for detailed help.\n")
        }
        return sections.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "\n")
    }

    /// `roost start [<options>] [<PKG>]`: every option when the line fits in
    /// `width` after "USAGE: ", otherwise the required ones and `[<options>]`.
    public static func usage(_ path: [Command]) -> String {
        let command = path[path.count - 1]
        let name = path.map(\.name).joined(separator: " ")
        if command.run == nil, command.subcommands.contains(where: { !$0.command.isHidden }) { return name + " <subcommand>" }
        let required = command.options.filter(\.isRequired).map(\.label)
        let optional = command.options.filter { !$0.isRequired }.map { "[\($0.label)\($0.kind == .strings ? " ..." : "")]" }
        let arguments = command.arguments.map { $0.isRequired ? $0.label : "[\($0.label)]" }
        let full = ([name] + required + optional + arguments).joined(separator: " ")
        if optional.isEmpty || "USAGE: ".count + full.count < width { return full }
        return ([name] + required + ["[<options>]"] + arguments).joined(separator: " ")
    }

    /// "a", "a or b", "a, b or c".
    static func alternatives(_ values: [String]) -> String {
        values.count < 2 ? values.joined() : values.dropLast().joined(separator: ", ") + " or " + values[values.count - 1]
    }

    private static func withDefault(_ help: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return help }
        return help.isEmpty ? "(default: \(value))" : "\(help) (default: \(value))"
    }

    /// A label indented by two, its description from `descriptionColumn`, wrapped.
    static func row(_ label: String, _ description: String) -> String {
        let head = "  " + label
        if description.isEmpty { return head + "\n" }
        let indent = String(repeating: " ", count: descriptionColumn)
        let body = wrap(description, width: width - descriptionColumn).split(separator: "\n", omittingEmptySubsequences: false)
        var lines: [String]
        if head.count < descriptionColumn {
            lines = [head + String(repeating: " ", count: descriptionColumn - head.count) + body[0]]
            lines += body.dropFirst().map { indent + $0 }
        } else {
            lines = [head] + body.map { indent + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Greedy word wrap of each line of `text` into lines shorter than
    /// `width`; a longer word stands on a line of its own.
    static func wrap(_ text: String, width: Int = Help.width) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { paragraph in
            var lines: [String] = []
            var line = ""
            for word in paragraph.split(separator: " ") {
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count < width {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
