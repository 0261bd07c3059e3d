import Arguments
import Habitat
import Handlebars

#if canImport(Glibc)
import Glibc
#endif

/// `roost template FILE DATA.json`: render one template with given data.
struct TemplateCommand {
    static let command = Command(
        name: "template",
        abstract: "Render one Handlebars template with the JSON data in a file.",
        discussion: """
        Uses Habitat's dialect and helpers. Exit status: 0 ok; 65 the template does \
        not parse or does not render, or the data is not valid JSON; 66 a file \
        cannot be read.
        """,
        arguments: [
            Positional("FILE", help: "The template file."),
            Positional("DATA.json", help: "A JSON file whose value is the render context."),
        ]
    ) { try TemplateCommand($0).run() }

    let file: String
    let data: String

    init(_ arguments: ParsedArguments) {
        file = arguments.argument("FILE")!
        data = arguments.argument("DATA.json")!
    }

    func run() throws {
        let source: String
        switch FileSystem.readText(file) {
        case .text(let t): source = t
        case .missing: fail(HabitatError(.missingInput, source: file, "cannot read the template"))
        case .unreadable(let reason): fail(HabitatError(.missingInput, source: file, reason))
        case .notText: fail(HabitatError(.data, source: file, "the template is not UTF-8 text"))
        }
        let json: String
        switch FileSystem.readText(data) {
        case .text(let t): json = t
        case .missing: fail(HabitatError(.missingInput, source: data, "cannot read the data file"))
        case .unreadable(let reason): fail(HabitatError(.missingInput, source: data, reason))
        case .notText: fail(HabitatError(.data, source: data, "the data file is not UTF-8 text"))
        }
        let context: Value
        do {
            context = try JSONCodec.parse(json)
        } catch {
            fail(HabitatError(.data, source: data, line: error.line, column: error.column, "invalid JSON: \(error.message)"))
        }
        let template: Template
        do {
            template = try Template(source: source, name: file)
        } catch {
            fail(HabitatError(templateError: error, source: file, text: source))
        }
        do {
            writeStdout(try HabitatHelpers.makeRenderer().render(template, context))
        } catch {
            fail(HabitatError(renderError: error, source: file))
        }
    }
}
