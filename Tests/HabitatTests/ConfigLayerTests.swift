import Foundation
import XCTest
@testable import Habitat
import Handlebars

/// Config layering conformance cases 1–17 of spec section 10, roost's
/// additions (per-key overrides, _FILE secrets, quoting repairs) and errors.
final class ConfigLayerTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("roost-cfg")
    }

    func load(defaults: String = "", user: String? = nil, env: [String: String] = [:], package: String = "p") throws -> LayeredConfig {
        let d = dir.appendingPathComponent("default.toml")
        try defaults.write(to: d, atomically: true, encoding: .utf8)
        let u = dir.appendingPathComponent("user.toml")
        try? FileManager.default.removeItem(at: u)
        if let user { try user.write(to: u, atomically: true, encoding: .utf8) }
        return try LayeredConfig.load(.init(defaultTOML: d.path, userTOML: [u.path], environment: env, packageName: package))
    }

    func json(_ c: LayeredConfig) -> String { JSONCodec.compact(.object(c.merged)) }

    func testEnvironmentTableMergesDeeply() throws {                       // 1
        XCTAssertEqual(json(try load(defaults: "a=1\n[t]\nx=1\ny=2\n", env: ["HAB_P": "t = {y = 3}"])), #"{"a":1,"t":{"x":1,"y":3}}"#)
    }

    func testArraysAndTypesAreReplaced() throws {                          // 2, 3, 4
        XCTAssertEqual(json(try load(defaults: "arr=[1,2,3]", user: "arr=[9]")), #"{"arr":[9]}"#)
        XCTAssertEqual(json(try load(defaults: "[t]\nx=1", user: "t=\"s\"")), #"{"t":"s"}"#)
        XCTAssertEqual(json(try load(defaults: "t=\"s\"", user: "[t]\nx=1")), #"{"t":{"x":1}}"#)
    }

    func testPrecedenceDefaultEnvironmentUser() throws {                    // 5, 6
        XCTAssertEqual(json(try load(defaults: "port=1", user: "port=3", env: ["HAB_P": "port=2"])), #"{"port":3}"#)
        XCTAssertEqual(json(try load(defaults: "port=1", env: ["HAB_P": "port=2"])), #"{"port":2}"#)
    }

    func testKeyOrder() throws {                                             // 7
        let c = try load(defaults: "b=1\na=2", user: "c=3\na=9")
        XCTAssertEqual(c.merged.keys, ["b", "a", "c"])
        XCTAssertEqual(c.merged["a"], 9)
    }

    func testVariableNames() {                                               // 9
        XCTAssertEqual(EnvironmentLayer.variableName(forPackage: "my-app"), "HAB_MY_APP")
        XCTAssertEqual(EnvironmentLayer.variableName(forPackage: "redis_2"), "HAB_REDIS_2")
        XCTAssertEqual(EnvironmentLayer.variableName(forPackage: "Builder-API2"), "HAB_BUILDER_API2")
    }

    func testTomlAndJsonEnvironment() throws {                               // 10, 11, 12
        XCTAssertEqual(json(try load(env: ["HAB_P": "port = 1234"])), #"{"port":1234}"#)
        XCTAssertEqual(json(try load(env: ["HAB_P": #"{"port": 1234, "t": {"x": "y"}}"#])), #"{"port":1234,"t":{"x":"y"}}"#)
        XCTAssertEqual(json(try load(env: ["HAB_P": ""])), "{}")
        XCTAssertEqual(json(try load(env: ["HAB_P": "{}"])), "{}")
    }

    func testJsonKeyOrderFollowsTomlReserialization() throws {
        let c = try load(env: ["HAB_P": #"{"t": {"a": 1}, "list": [{"x": 1}], "z": 2, "f": 1.0}"#])
        XCTAssertEqual(c.merged.keys, ["z", "f", "t", "list"])
        XCTAssertEqual(c.merged["f"], .float(1.0))
    }

    func testMultiLineTomlAsEcsSendsIt() throws {
        // What CloudFormation's !Sub with a YAML block scalar delivers.
        let value = "server_name = \"front.example\"\nworker_processes = 2\n[tls]\nsubject = \"/C=US/CN=front.example\"\n"
        let c = try load(defaults: "worker_processes = 1\n[tls]\ndays = 3650\n", env: ["HAB_P": value])
        XCTAssertEqual(json(c), #"{"worker_processes":2,"tls":{"days":3650,"subject":"/C=US/CN=front.example"},"server_name":"front.example"}"#)
    }

    func testEnvironmentValuesAsManifestsWriteThem() throws {
        // A Kubernetes `value: |` block with a TOML multi-line string and CRLF line ends.
        let toml = "motd = \"\"\"\r\nline one\r\nline two\"\"\"\r\n[db]\r\nhosts = [\r\n  \"a\",\r\n  \"b\",\r\n]\r\n"
        XCTAssertEqual(json(try load(env: ["HAB_P": toml])), #"{"motd":"line one\r\nline two","db":{"hosts":["a","b"]}}"#)
        // Pretty-printed JSON over several lines, with an escaped newline inside a string.
        let pretty = "{\n  \"motd\": \"line one\\nline two\",\n  \"db\": {\n    \"port\": 5432\n  }\n}\n"
        XCTAssertEqual(json(try load(env: ["HAB_P": pretty])), #"{"motd":"line one\nline two","db":{"port":5432}}"#)
        // Leading whitespace and a trailing newline, as YAML folding leaves them.
        XCTAssertEqual(json(try load(env: ["HAB_P": "  \n  {\"a\": 1}\n"])), #"{"a":1}"#)
    }

    func testJsonErrorsNameLineAndColumn() throws {
        XCTAssertThrowsError(try load(env: ["HAB_P": "{\n  \"a\": 1,\n  \"b\": }"])) { error in
            let e = error as! HabitatError
            XCTAssertEqual(e.source, "HAB_P")
            XCTAssertEqual(e.line, 3, e.description)
            XCTAssertNotNil(e.column, e.description)
            XCTAssertTrue(e.description.hasPrefix("HAB_P:3:"), e.description)
        }
    }

    func testLegacyUserTomlLocationIsTheFallback() throws {
        // Habitat reads /hab/svc/<pkg>/user.toml only when /hab/user/<pkg>/config/user.toml is absent.
        let candidates = [dir.appendingPathComponent("user/p/config/user.toml").path, dir.appendingPathComponent("svc/p/user.toml").path]
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("svc/p"), withIntermediateDirectories: true)
        try "port = 2\n".write(toFile: candidates[1], atomically: true, encoding: .utf8)
        XCTAssertEqual(try LayeredConfig.loadUser(candidates: candidates).map { JSONCodec.compact(.object($0.values)) }, #"{"port":2}"#)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("user/p/config"), withIntermediateDirectories: true)
        try "port = 3\n".write(toFile: candidates[0], atomically: true, encoding: .utf8)
        XCTAssertEqual(try LayeredConfig.loadUser(candidates: candidates).map { JSONCodec.compact(.object($0.values)) }, #"{"port":3}"#)
    }

    func testBadEnvironmentValuesFail() throws {                             // 13, 14, 15
        for (value, fragment) in [("name=foo", "not valid TOML"), (#"{"a": null}"#, "JSON null at 'a'"),
                                  ("{'worker':'true'}", "double quotes"), ("5", "not an object")] {
            XCTAssertThrowsError(try load(env: ["HAB_P": value]), value) { error in
                let e = error as! HabitatError
                XCTAssertEqual(e.exitCode, 78)
                XCTAssertEqual(e.source, "HAB_P")
                XCTAssertTrue(e.description.contains(fragment), "\(value): \(e.description)")
            }
        }
        XCTAssertThrowsError(try load(env: ["HAB_P": "name=foo"])) { error in
            let e = error as! HabitatError
            XCTAssertEqual([e.line, e.column], [1, 6])
        }
    }

    func testQuotingRepairs() throws {
        // docker-compose list syntax keeps the quotes: `- HAB_P='{"a":1}'`, `- HAB_P=""`.
        let c = try load(env: ["HAB_P": #"'{"a": 1}'"#])
        XCTAssertEqual(json(c), #"{"a":1}"#)
        XCTAssertTrue(c.notes.contains { $0.contains("surrounding") })
        XCTAssertEqual(json(try load(env: ["HAB_P": #""""#])), "{}")
        XCTAssertEqual(json(try load(env: ["HAB_P": #"{\"a\": 2}"#])), #"{"a":2}"#)
    }

    func testPerKeyOverridesAndFileSecrets() throws {
        let secret = dir.appendingPathComponent("token")
        try "s3cr3t\n".write(to: secret, atomically: true, encoding: .utf8)
        let c = try load(defaults: "backlog-size = 1\n[db]\nport = 5432\nhost = \"x\"\n", user: "[db]\nhost = \"from-user\"\n", env: [
            "HAB_P": "[db]\nport = 5433\n",
            "HAB_P__db__PORT": "6000",
            "HAB_P__BACKLOG-SIZE": "20",
            "HAB_P__db__password_FILE": secret.path,
            "HAB_P__db__tags": "[\"a\", \"b\"]",
            "HAB_P__name": "plain words",
        ])
        XCTAssertEqual(c.merged["db"]?["port"], 6000)
        XCTAssertEqual(c.merged["db"]?["host"], "from-user")
        XCTAssertEqual(c.merged["db"]?["password"], "s3cr3t")
        XCTAssertEqual(c.merged["db"]?["tags"], ["a", "b"])
        XCTAssertEqual(c.merged["backlog-size"], 20)
        XCTAssertEqual(c.merged["name"], "plain words")
        XCTAssertEqual(c.provenance[["db", "port"]], "HAB_P__db__PORT")
        XCTAssertEqual(c.provenance[["db", "host"]], dir.appendingPathComponent("user.toml").path)
        XCTAssertThrowsError(try load(env: ["HAB_P__x_FILE": "/nonexistent/file"])) { error in
            XCTAssertEqual((error as! HabitatError).source, "HAB_P__x_FILE")
        }
    }

    func testWholeLayerFromFile() throws {
        let f = dir.appendingPathComponent("layer.toml")
        try "port = 7".write(to: f, atomically: true, encoding: .utf8)
        XCTAssertEqual(json(try load(env: ["HAB_P_FILE": f.path])), #"{"port":7}"#)
    }

    func testSyntaxErrorsNameFileLineAndColumn() throws {                    // 16, 17
        XCTAssertThrowsError(try load(defaults: "a = 1\nb = \n")) { error in
            let e = error as! HabitatError
            XCTAssertEqual(e.source, dir.appendingPathComponent("default.toml").path)
            XCTAssertEqual([e.line, e.column], [2, 5])
            XCTAssertTrue(e.description.contains("^"), e.description)
        }
        let good = try load(defaults: "a = 1", user: "a = 2")
        XCTAssertThrowsError(try LayeredConfig.loadUser(candidates: [try write("a = ", "bad.toml")]))
        // A bad user.toml at run time: the caller keeps the previous config.
        XCTAssertEqual(good.merged["a"], 2)
    }

    func testDeepMergeLimit() throws {
        let deep = (0..<32).map { "t\($0)" }.joined(separator: ".")
        XCTAssertThrowsError(try load(defaults: "[\(deep)]\nx=1", user: "[\(deep)]\nx=2"))
        let ok = (0..<29).map { "t\($0)" }.joined(separator: ".")
        XCTAssertNoThrow(try load(defaults: "[\(ok)]\nx=1", user: "[\(ok)]\nx=2"))
    }

    func testRedaction() {
        let v: Value = ["db_password": "x", "api-token": "y", "ssl_key": "z", "key_type": "rsa", "keys": ["a": 1], "port": 1]
        XCTAssertEqual(JSONCodec.compact(Secrets.redact(v)),
                       #"{"db_password":"<redacted>","api-token":"<redacted>","ssl_key":"<redacted>","key_type":"rsa","keys":{"a":1},"port":1}"#)
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
