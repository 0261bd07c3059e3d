import Foundation
import XCTest

/// The dry-run commands as a user types them: `roost template`, `roost
/// render` (--check, --diff, --out, --context-out, all-or-nothing writes) and
/// `roost config show` (--explain, --format, secrets), with their exit codes.
final class CommandLineTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    func roost(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try shell([roostBinary()] + arguments, environment: environment)
    }

    // MARK: help, version and usage errors of every command

    func testCommandsParsedDirectlyKeepTheirHelpAndErrors() throws {
        for command in ["start", "dev", "render", "health", "template"] {
            let help = try roost([command, "--help"])
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertTrue(help.stdout.contains("USAGE: roost \(command) "), help.stdout)
            let viaHelp = try roost(["help", command])
            XCTAssertEqual(viaHelp.stdout, help.stdout, "the same declarations either way")
            XCTAssertEqual(try roost([command, "--version"]).stdout, "0.1.0\n")

            let unknown = try roost([command] + (command == "template" ? ["t.hbs", "d.json"] : []) + ["--no-such-option"])
            XCTAssertEqual(unknown.status, 64, unknown.stderr)
            XCTAssertTrue(unknown.stderr.contains("Unknown option '--no-such-option'"), unknown.stderr)
            XCTAssertTrue(unknown.stderr.contains("Usage: roost \(command) "), unknown.stderr)
            XCTAssertTrue(unknown.stderr.contains("See 'roost \(command) --help'"), "a hint the user can type: \(unknown.stderr)")
        }
        for command in ["start", "dev"] {
            XCTAssertTrue(try roost([command, "--help"]).stdout.contains("--http-listen <ADDR:PORT>"))
            let invalid = try roost([command, "--restart", "sometimes"])
            XCTAssertEqual(invalid.status, 64, invalid.stderr)
            XCTAssertTrue(invalid.stderr.contains("--restart must be on-failure, always or never"), invalid.stderr)
        }
        XCTAssertTrue(try roost(["--help"]).stdout.contains("start"), "still listed under roost")
    }

    func testHelpOfNestedAndHiddenCommandsAndUsageErrors() throws {
        // `roost help <command> <sub>` is `--help` of that command; hidden helper commands are not listed.
        for path in [["config", "show"], ["cert", "ensure"], ["config"], ["cert"]] {
            let help = try roost(path + ["--help"])
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertEqual(try roost(["help"] + path).stdout, help.stdout)
            XCTAssertTrue(help.stdout.contains("USAGE: roost \(path.joined(separator: " "))"), help.stdout)
        }
        let root = try roost([])
        XCTAssertEqual(root.status, 0)
        XCTAssertEqual(root.stdout, try roost(["--help"]).stdout, "roost alone shows its help")
        XCTAssertFalse(root.stdout.contains("__probe-binds") || root.stdout.contains("__http-gateway"), root.stdout)
        XCTAssertTrue(try roost(["cert", "ensure", "--help"]).stdout.contains("--days <days>           Validity in days. (default: 3650)"))

        // Usage errors: stderr, 64, nothing on stdout; the option's help is repeated.
        let cases: [([String], String)] = [
            (["nosuch"], "Error: Unknown command 'nosuch'"),
            (["start", "--bind-timeout", "soon"], "Error: The value 'soon' is invalid for '--bind-timeout <SECONDS>': expected a whole number\nHelp:  --bind-timeout <SECONDS>"),
            (["start", "--group"], "Error: Missing value for '--group <group>'"),
            (["config", "show", "--format", "xml"], "Error: The value 'xml' is invalid for '--format <format>': expected toml or json"),
            (["config", "show", "--explain=yes"], "Error: The option '--explain' does not take any value, but 'yes' was specified."),
            (["cert", "ensure", "--key", "k.pem"], "Error: Missing expected argument '--cert <PATH>'"),
            (["template", "t.hbs"], "Error: Missing expected argument '<DATA.json>'"),
            (["health", "a", "b"], "Error: Unexpected argument 'b'"),
            (["start", "--max-restarts", "-1"], "Error: --max-restarts must be 0 or more"),
        ]
        for (arguments, expected) in cases {
            let r = try roost(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.hasPrefix(expected), "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\nUsage: roost "), r.stderr)
        }
    }

    // MARK: roost template

    func testTemplateRendersAndReportsEveryKindOfBadInput() throws {
        let template = dir.appendingPathComponent("t.hbs")
        let data = dir.appendingPathComponent("d.json")
        try write("port = {{cfg.port}}\n{{#each cfg.names as |n|}}{{n}} {{/each}}\n", to: template)
        try write("{\"cfg\": {\"port\": 8443, \"names\": [\"a\", \"b\"]}}", to: data)
        let ok = try roost(["template", template.path, data.path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "port = 8443\na b \n")

        // A template that does not parse: file:line:column, the line, a caret; 65.
        try write("line one\n  {{#if cfg.x}}\nno end\n", to: template)
        let bad = try roost(["template", template.path, data.path])
        XCTAssertEqual(bad.status, 65)
        XCTAssertEqual(bad.stdout, "", "no partial result")
        let lines = bad.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(lines[0].hasPrefix("roost: \(template.path):2:3: unclosed block 'if'"), bad.stderr)
        XCTAssertEqual(lines[1], "    {{#if cfg.x}}", bad.stderr)
        XCTAssertEqual(lines[2], "    ^", bad.stderr)

        // Data that cannot be read: 66; data that is not JSON: 65 with its position.
        let missing = try roost(["template", template.path, dir.appendingPathComponent("nope.json").path])
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("nope.json: cannot read the data file"), missing.stderr)
        try write("{\"cfg\": {\n  \"port\": 84 43}}", to: data)
        try write("{{cfg.port}}", to: template)
        let malformed = try roost(["template", template.path, data.path])
        XCTAssertEqual(malformed.status, 65)
        XCTAssertTrue(malformed.stderr.contains("d.json:2:14: invalid JSON"), malformed.stderr)
        XCTAssertEqual(malformed.stdout, "")
    }

    func testTemplateWithCRLFLinesPointsAtTheRightLine() throws {
        let template = dir.appendingPathComponent("crlf.hbs")
        let data = dir.appendingPathComponent("d.json")
        try write("a\r\nb\r\n{{#each x}}\r\n", to: template)
        try write("{}", to: data)
        let r = try roost(["template", template.path, data.path])
        XCTAssertEqual(r.status, 65)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(lines[0].contains("crlf.hbs:3:1:"), r.stderr)
        XCTAssertEqual(lines.count > 2 ? String(lines[1]) : "", "  {{#each x}}", r.stderr)
        XCTAssertEqual(lines.count > 2 ? String(lines[2]) : "", "  ^", r.stderr)
    }

    // MARK: roost render

    func package() throws -> TestPackage {
        try TestPackage(in: dir, defaultTOML: "port = 8080\ndb_password = \"s3cr3t-value\"\n",
                        config: ["app.conf": "port={{cfg.port}}\npassword={{cfg.db_password}}\n"],
                        hooks: ["run": "#!/bin/sh\nexec sleep {{cfg.port}}\n"])
    }

    func testRenderCheckDiffOutAndUnchangedFiles() throws {
        let pkg = try package()
        let out = dir.appendingPathComponent("out")

        // --check validates and writes nothing.
        let check = try roost(["render", pkg.dir.path, "--out", out.path, "--check"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "ok: 2 templates render (2 would change)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "--check wrote something")

        // --out writes config and hooks; hooks are executable.
        let first = try roost(["render", pkg.dir.path, "--out", out.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("rendered 2 files: 2 created, 0 updated, 0 unchanged"), first.stdout)
        let conf = out.appendingPathComponent("config/app.conf").path
        XCTAssertEqual(try String(contentsOfFile: conf, encoding: .utf8), "port=8080\npassword=s3cr3t-value\n")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("hooks/run").path))

        // The same render again leaves the files untouched (same inode and mtime).
        let before = try FileManager.default.attributesOfItem(atPath: conf)
        usleep(20_000)
        let second = try roost(["render", pkg.dir.path, "--out", out.path])
        XCTAssertTrue(second.stdout.contains("0 created, 0 updated, 2 unchanged"), second.stdout)
        let after = try FileManager.default.attributesOfItem(atPath: conf)
        XCTAssertEqual(before[.systemFileNumber] as? Int, after[.systemFileNumber] as? Int)
        XCTAssertEqual(before[.modificationDate] as? Date, after[.modificationDate] as? Date)

        // --diff shows what an environment change would do, masks secrets, writes nothing.
        let env = ["HAB_DEMO": "port = 9090\ndb_password = \"n3w-s3cr3t\""]
        let diff = try roost(["render", pkg.dir.path, "--out", out.path, "--diff"], environment: env)
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("-port=8080\n-password=<redacted>\n+port=9090\n+password=<redacted>\n"), diff.stdout)
        for secret in ["n3w-s3cr3t", "s3cr3t-value"] {
            XCTAssertFalse(diff.stdout.contains(secret), "a secret reached the diff:\n\(diff.stdout)")
        }
        XCTAssertTrue(diff.stdout.contains("-exec sleep 8080\n+exec sleep 9090\n"), diff.stdout)
        XCTAssertEqual(try String(contentsOfFile: conf, encoding: .utf8), "port=8080\npassword=s3cr3t-value\n", "--diff wrote")

        // --context-out: the render context as JSON, with Habitat's top-level keys.
        let contextFile = dir.appendingPathComponent("context.json")
        let ctx = try roost(["render", pkg.dir.path, "--out", out.path, "--check", "--context-out", contextFile.path,
                             "--sys-ip", "10.9.8.7", "--hostname", "front-1"])
        XCTAssertEqual(ctx.status, 0, ctx.stderr)
        let context = try JSONSerialization.jsonObject(with: Data(contentsOf: contextFile)) as? [String: Any]
        XCTAssertEqual(Set(context?.keys.map { $0 } ?? []), ["sys", "pkg", "cfg", "svc", "bind"])
        let sys = context?["sys"] as? [String: Any]
        XCTAssertEqual(sys?["ip"] as? String, "10.9.8.7")
        XCTAssertEqual(sys?["hostname"] as? String, "front-1")
        XCTAssertEqual((context?["pkg"] as? [String: Any])?["name"] as? String, "demo")
    }

    func testRenderWritesNothingUnlessEveryTemplateRenders() throws {
        let pkg = try package()
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try roost(["render", pkg.dir.path, "--out", out.path]).status, 0)
        // Change one template and break another: neither is written.
        try write("port={{cfg.port}} changed\n", to: pkg.dir.appendingPathComponent("config/app.conf"))
        try write("#!/bin/sh\nexec sleep {{cfg.port\n", to: pkg.dir.appendingPathComponent("hooks/run"))
        let r = try roost(["render", pkg.dir.path, "--out", out.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("hooks/run:2:"), r.stderr)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("config/app.conf"), encoding: .utf8),
                       "port=8080\npassword=s3cr3t-value\n", "a file was written although another template failed")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("config").path)
        XCTAssertEqual(leftovers, ["app.conf"], "no temporary files are left")
    }

    func testRenderRejectsABadSysIP() throws {
        let r = try roost(["render", try package().dir.path, "--check", "--sys-ip", "not-an-ip"])
        XCTAssertEqual(r.status, 64, "a usage error:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("--sys-ip 'not-an-ip' is not an IPv4 or IPv6 address"), r.stderr)
    }

    // MARK: roost config show

    func testConfigShowExplainsLayersAndHidesSecrets() throws {
        let pkg = try package()
        let userRoot = dir.appendingPathComponent("user")
        try write("port = 7070\n", to: userRoot.appendingPathComponent("demo/config/user.toml"))
        let secretFile = dir.appendingPathComponent("api")
        try write("file-secret-value\n", to: secretFile)
        let env = ["HAB_DEMO": "{\"db_password\": \"from-env-secret\", \"name\": \"front\"}",
                   "HAB_DEMO__upstream__credential_FILE": secretFile.path]
        let base = ["config", "show", pkg.dir.path, "--user-root", userRoot.path, "--svc-root", dir.appendingPathComponent("svc").path]

        let explain = try roost(base + ["--explain"], environment: env)
        XCTAssertEqual(explain.status, 0, explain.stderr)
        let lines = explain.stdout.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " = ") } ?? "(no \(key))" }
        XCTAssertTrue(line("port").hasPrefix("port = 7070"), explain.stdout)
        XCTAssertTrue(line("port").hasSuffix("# \(userRoot.path)/demo/config/user.toml"), explain.stdout)
        XCTAssertTrue(line("name").hasSuffix("# HAB_DEMO"), explain.stdout)
        XCTAssertTrue(line("db_password").hasPrefix("db_password = \"<redacted>\""), explain.stdout)
        XCTAssertTrue(line("upstream.credential").hasPrefix("upstream.credential = \"<redacted>\""), "values from _FILE are secrets:\n\(explain.stdout)")
        XCTAssertTrue(line("upstream.credential").hasSuffix("# HAB_DEMO__upstream__credential_FILE"), explain.stdout)
        for secret in ["from-env-secret", "file-secret-value", "s3cr3t-value"] {
            XCTAssertFalse(explain.stdout.contains(secret) || explain.stderr.contains(secret), "\(secret) was printed")
        }

        let json = try roost(base + ["--format", "json"], environment: env)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["port"] as? Int, 7070)
        XCTAssertEqual(object?["db_password"] as? String, "<redacted>")

        let shown = try roost(base + ["--show-secrets"], environment: env)
        XCTAssertTrue(shown.stdout.contains("db_password = \"from-env-secret\""), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("credential = \"file-secret-value\""), shown.stdout)
    }

    func testConfigErrorsNameTheLayerLineAndColumn() throws {
        let pkg = try package()
        let r = try roost(["config", "show", pkg.dir.path], environment: ["HAB_DEMO": "port = 1\nname = \"unterminated\n"])
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("roost: HAB_DEMO:2:"), r.stderr)
        XCTAssertEqual(r.stdout, "")
        try write("port = = 1\n", to: pkg.dir.appendingPathComponent("default.toml"))
        let d = try roost(["config", "show", pkg.dir.path])
        XCTAssertEqual(d.status, 78, d.stderr)
        XCTAssertTrue(d.stderr.contains("default.toml:1:"), d.stderr)
    }

    /// The environment is split at the first '=' byte: a value that starts
    /// with a combining mark (one `Character` with the '=') was dropped.
    func testAnEnvironmentValueStartingWithACombiningMarkIsRead() throws {
        let pkg = try package()
        let r = try roost(["config", "show", pkg.dir.path], environment: ["HAB_DEMO": "\u{301}port = 2"])
        XCTAssertEqual(r.status, 78, "HAB_DEMO was not read: \(r.stdout)")
        XCTAssertTrue(r.stderr.hasPrefix("roost: HAB_DEMO:1:1:"), r.stderr)
    }

    func testBindsFileFromTheEnvironmentUnlessTheOptionIsGiven() throws {
        let pkg = try package()
        let binds = dir.appendingPathComponent("binds.toml")
        try write("[nosuch]\nhosts = [\"127.0.0.1:1\"]\n", to: binds)
        let fromEnvironment = try roost(["render", pkg.dir.path, "--check"], environment: ["ROOST_BINDS_FILE": binds.path])
        XCTAssertEqual(fromEnvironment.status, 78, fromEnvironment.stderr)
        XCTAssertTrue(fromEnvironment.stderr.contains("binds.toml: bind 'nosuch' is not declared by demo"), fromEnvironment.stderr)
        let option = try roost(["render", pkg.dir.path, "--check", "--binds-file", dir.appendingPathComponent("none.toml").path],
                               environment: ["ROOST_BINDS_FILE": binds.path])
        XCTAssertEqual(option.status, 66, option.stderr)
        XCTAssertTrue(option.stderr.contains("none.toml: cannot read the binds file"), option.stderr)
    }

    // MARK: The bundled example (the repository root is its plan)

    func testTheBundledExampleRendersAndShowsItsConfig() throws {
        let out = dir.appendingPathComponent("front")
        let render = try roost(["render", repositoryRoot.path, "--out", out.path])
        XCTAssertEqual(render.status, 0, render.stderr)
        let nginx = try String(contentsOf: out.appendingPathComponent("config/nginx.conf"), encoding: .utf8)
        XCTAssertTrue(nginx.contains("listen 8443 ssl"), nginx)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("hooks/init").path))
        let show = try roost(["config", "show", repositoryRoot.path], environment: ["HAB_TLS_FRONT": "worker_processes = 4"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("worker_processes = 4"), show.stdout)
    }
}
