import Arguments
import Habitat
import Handlebars
import Runtime

/// `roost config show`: the merged cfg, and where each key came from.
enum ConfigCommand {
    static let command = Command(
        name: "config",
        abstract: "Inspect the service's layered configuration.",
        subcommands: [Show.command]
    )

    struct Show {
        static let command = Command(
            name: "show",
            abstract: "Print the merged cfg (default.toml < HAB_<PKG> < user.toml), secrets redacted.",
            discussion: """
            Keys whose names contain password, secret, token or key, and values read from \
            HAB_<PKG>__…_FILE files, are shown as <redacted> unless --show-secrets is given. \
            --explain names the layer (file or variable) that set every key.
            """,
            arguments: ServiceOptions.arguments,
            options: ServiceOptions.options + [
                .flag("explain", help: "Name the file or variable that set each key."),
                .string("format", default: "toml", choices: ["toml", "json"], help: "Output format: toml or json."),
                .flag("show-secrets", help: "Print secret values instead of <redacted>."),
            ]
        ) { try Show($0).run() }

        let service: ServiceOptions
        let explain: Bool
        let format: String
        let showSecrets: Bool

        init(_ arguments: ParsedArguments) {
            service = ServiceOptions(arguments)
            explain = arguments.flag("explain")
            format = arguments.string("format")
            showSecrets = arguments.flag("show-secrets")
        }

        func run() throws {
            let loaded: LoadedService
            do {
                loaded = try LoadedService.load(try service.settings())
            } catch let error as HabitatError {
                fail(error)
            }
            for note in loaded.notes { writeStderr("roost: note: \(note)\n") }
            var cfg = Value.object(loaded.config.merged)
            if !showSecrets { cfg = Secrets.redact(cfg, alsoAt: Secrets.pathsFromSecretFiles(loaded.config.provenance)) }
            if explain {
                writeStdout(ConfigExplanation.render(cfg, provenance: loaded.config.provenance))
                return
            }
            if format == "json" {
                writeStdout(JSONCodec.pretty(cfg) + "\n")
            } else {
                // TOML prints inf and nan (JSON and templates see null).
                var exact = Value.object(loaded.config.mergedForDisplay)
                if !showSecrets { exact = Secrets.redact(exact, alsoAt: Secrets.pathsFromSecretFiles(loaded.config.provenance)) }
                do {
                    writeStdout(try TOMLWriter.render(exact))
                } catch {
                    writeStderr("roost: cannot print this config as TOML (\(error)); use --format json\n")
                    throw ExitCode(70)
                }
            }
        }
    }
}

/// `key.path = value    # source` lines for `config show --explain`.
enum ConfigExplanation {
    static func render(_ cfg: Value, provenance: [[String]: String]) -> String {
        var lines: [(String, String)] = []
        func walk(_ v: Value, _ path: [String]) {
            if case .object(let o) = v, !o.isEmpty {
                for (k, child) in o { walk(child, path + [k]) }
                return
            }
            let key = path.map { k in k.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? k : "\"\(k)\"" }
                .joined(separator: ".")
            lines.append(("\(key) = \(JSONCodec.compact(v))", provenance[path] ?? "?"))
        }
        walk(cfg, [])
        let width = min(60, lines.map(\.0.count).max() ?? 0)
        return lines.map { line, source in
            line + String(repeating: " ", count: max(1, width - line.count + 2)) + "# " + source
        }.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }
}
