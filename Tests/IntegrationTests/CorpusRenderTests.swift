import Foundation
import XCTest
import Habitat
import Handlebars

/// For every core-plans package of ../shared/corpus, `roost render` of a
/// package folder made from the corpus files (plan.sh written from
/// plan-info.json, default.toml, config/, hooks/, config_install/), with
/// `--context-override` pinning sys, pkg, svc and bind from context.json while
/// cfg comes from roost's own reading of default.toml, produces exactly the
/// expected files (Habitat's truth: expected-rust/ where it differs).
final class CorpusRenderTests: XCTestCase {
    func testEveryPackageRendersExactly() throws {
        let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/core-plans")
        guard FileManager.default.fileExists(atPath: corpus.path) else {
            throw XCTSkip("../shared/corpus/core-plans is not here: the corpus render check needs it")
        }
        let work = try temporaryDirectory(self)
        var cases: [String: [(template: String, context: String, expected: String)]] = [:]
        for manifest in ["manifest.tsv", "manifest-compat.tsv"] {
            let rows = try String(contentsOf: corpus.appendingPathComponent(manifest), encoding: .utf8).split(separator: "\n").dropFirst()
            for row in rows {
                let c = row.split(separator: "\t").map(String.init)
                guard c.count >= 4 else { continue }
                let rust = c[3].replacingOccurrences(of: "/expected/", with: "/expected-rust/")
                let expected = FileManager.default.fileExists(atPath: corpus.appendingPathComponent(rust).path) ? rust : c[3]
                cases[c[0], default: []].append((c[1], c[2], expected))
            }
        }
        var compared = 0
        var failures: [String] = []
        for (package, templates) in cases.sorted(by: { $0.key < $1.key }) {
            let source = corpus.appendingPathComponent(package)
            let pkgDir = work.appendingPathComponent(package)
            try write(try planScript(source.appendingPathComponent("plan-info.json")), to: pkgDir.appendingPathComponent("plan.sh"))
            let defaultToml = source.appendingPathComponent("default.toml")
            if FileManager.default.fileExists(atPath: defaultToml.path) {
                try FileManager.default.copyItem(at: defaultToml, to: pkgDir.appendingPathComponent("default.toml"))
            }
            // Only templates in the manifests: the others do not parse or render in either engine.
            for t in templates {
                let relative = String(t.template.dropFirst(package.count + 1))
                let target = pkgDir.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if !FileManager.default.fileExists(atPath: target.path) {
                    try FileManager.default.copyItem(at: corpus.appendingPathComponent(t.template), to: target)
                }
            }
            for context in Set(templates.map(\.context)).sorted() {
                let out = work.appendingPathComponent("out-\(package)-\(context.hasSuffix("install.json") ? "install" : "run")")
                let overrideFile = work.appendingPathComponent("override-\(package)-\(out.lastPathComponent).json")
                try pinnedContext(corpus.appendingPathComponent(context)).write(to: overrideFile)
                // Habitat rendered the corpus with its packages in /hab/pkgs, the
                // root pkgPathFor follows (pkg itself, deps included, is pinned).
                let r = try shell([roostBinary(), "render", pkgDir.path, "--out", out.path, "--context-override", overrideFile.path,
                                   "--svc-root", work.appendingPathComponent("svc").path, "--pkgs-root", "/hab/pkgs"])
                guard r.status == 0 else {
                    failures.append("\(package): roost render exited \(r.status): \(r.stderr.prefix(300))")
                    continue
                }
                for t in templates where t.context == context {
                    let relative = String(t.template.dropFirst(package.count + 1))
                    let got = try? Data(contentsOf: out.appendingPathComponent(relative))
                    let want = try Data(contentsOf: corpus.appendingPathComponent(t.expected))
                    compared += 1
                    if got != want { failures.append("\(package)/\(relative) differs") }
                }
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(compared) rendered files differ")
        XCTAssertGreaterThan(compared, 400)
    }

    /// sys, pkg, svc and bind from the corpus context (cfg is left to roost),
    /// read and written with roost's order- and number-preserving JSON codec.
    func pinnedContext(_ url: URL) throws -> Data {
        let context = try JSONCodec.parse(try String(contentsOf: url, encoding: .utf8))
        var pinned = Object()
        for key in ["sys", "pkg", "svc", "bind"] { if let v = context[key] { pinned[key] = v } }
        return Data(JSONCodec.pretty(.object(pinned)).utf8)
    }

    /// A plan.sh that says what plan-info.json says.
    func planScript(_ url: URL) throws -> String {
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func q(_ s: Any) -> String { "\"\(s)\"" }
        var lines = ["pkg_name=\(info["name"]!)", "pkg_origin=\(info["origin"] ?? "core")", "pkg_version=\(q(info["version"] ?? "0.0.0"))"]
        if let u = info["svc_user"] { lines.append("pkg_svc_user=\(q(u))") }
        if let g = info["svc_group"] { lines.append("pkg_svc_group=\(q(g))") }
        if let deps = info["deps"] as? [String] { lines.append("pkg_deps=(\(deps.joined(separator: " ")))") }
        if let exports = info["exports"] as? [String: String], !exports.isEmpty {
            lines.append("pkg_exports=(" + exports.map { "[\($0.key)]=\($0.value)" }.joined(separator: " ") + ")")
        }
        if let exposes = info["exposes"] as? [String], !exposes.isEmpty { lines.append("pkg_exposes=(\(exposes.joined(separator: " ")))") }
        for key in ["binds", "binds_optional"] {
            if let binds = info[key] as? [String: [String]], !binds.isEmpty {
                lines.append("pkg_\(key)=(" + binds.map { "[\($0.key)]=\(q($0.value.joined(separator: " ")))" }.joined(separator: " ") + ")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
