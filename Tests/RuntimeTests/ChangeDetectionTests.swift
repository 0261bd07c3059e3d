import Foundation
import Habitat
import Runtime
import XCTest

/// "Did a rendered file change?" has one answer: the render's plan against
/// what is on disk. It decides the reload (`TemplateUpdate`) and the diffs
/// `roost dev` and `roost render --diff` show, secrets masked.
final class ChangeDetectionTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("change")
        try put("pkg_name=demo\npkg_origin=test\npkg_version=1.0\n", "pkg/plan.sh")
        try put("greeting = \"hello\"\napi_token = \"tok-first-secret\"\n", "pkg/default.toml")
        try put("greeting={{cfg.greeting}}\ntoken={{cfg.api_token}}\n", "pkg/config/app.conf")
        try put("#!/bin/sh\nexec sleep 300\n", "pkg/hooks/run")
        try put("#!/bin/sh\necho reconfigured\n", "pkg/hooks/reconfigure")
    }

    func put(_ text: String, _ path: String) throws {
        let url = URL(fileURLWithPath: dir + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Renders the package as `start` would and plans against the service directory.
    func plan() throws -> (pipeline: RenderPipeline, service: LoadedService, results: [RenderedOutput.Result]) {
        var settings = ServiceSettings()
        settings.packageArgument = dir + "/pkg"
        settings.svcRoot = dir + "/svc"
        settings.userRoot = dir + "/user"
        let service = try LoadedService.load(settings)
        let pipeline = RenderPipeline(templates: try PackageTemplates.load(service.package), settings: settings)
        let results = pipeline.plan(try pipeline.render(service.context), to: .init(layout: service.layout))
        return (pipeline, service, results)
    }

    func testTheFirstRenderCreatesEverythingAndTheSameRenderChangesNothing() throws {
        let first = try plan().results
        XCTAssertEqual(RenderedOutput.changedPaths(first), ["config/app.conf", "hooks/reconfigure", "hooks/run"])
        XCTAssertTrue(first.allSatisfy { $0.change == .created })
        try RenderedOutput.write(first)
        let again = try plan().results
        XCTAssertEqual(RenderedOutput.changedPaths(again), [], "a restart of the container rewrites nothing")
        XCTAssertEqual(TemplateUpdate(plan: again, hasReconfigureHook: true), TemplateUpdate())
    }

    func testAConfigChangeReconfiguresAndAHookChangeRestarts() throws {
        try RenderedOutput.write(try plan().results)
        try put("greeting = \"bonjour\"\napi_token = \"tok-first-secret\"\n", "pkg/default.toml")
        let config = try plan().results
        XCTAssertEqual(RenderedOutput.changedPaths(config), ["config/app.conf"])
        XCTAssertEqual(TemplateUpdate(plan: config, hasReconfigureHook: true), TemplateUpdate(needsReconfigure: true))
        try RenderedOutput.write(config)
        try put("#!/bin/sh\nexec sleep 600\n", "pkg/hooks/run")
        XCTAssertEqual(TemplateUpdate(plan: try plan().results, hasReconfigureHook: true), TemplateUpdate(restartReason: "hooks/run changed"))
    }

    /// What the service sees is what is on disk: a rendered file altered
    /// there is changed when roost puts it back, so the service re-reads it.
    func testAFileAlteredOnDiskCountsAsChanged() throws {
        let first = try plan()
        try RenderedOutput.write(first.results)
        try put("greeting=tampered\n", "svc/demo/config/app.conf")
        let again = try plan().results
        XCTAssertEqual(RenderedOutput.changedPaths(again), ["config/app.conf"])
        XCTAssertEqual(again.first?.previous, "greeting=tampered\n")
        XCTAssertEqual(TemplateUpdate(plan: again, hasReconfigureHook: false),
                       TemplateUpdate(restartReason: "config changed and there is no reconfigure hook"))
    }

    /// The diff is made from the file on disk and the new rendering; neither
    /// the old nor the new secret shows.
    func testDiffsShowTheChangeAndNoSecret() throws {
        try RenderedOutput.write(try plan().results)
        try put("greeting = \"bonjour\"\napi_token = \"tok-second-secret\"\n", "pkg/default.toml")
        let (pipeline, service, results) = try plan()
        let diffs = try pipeline.diffs(results, of: service, names: .relative, contextLines: 1)
        XCTAssertEqual(diffs.count, 1)
        let diff = try XCTUnwrap(diffs.first)
        XCTAssertTrue(diff.contains("--- a/config/app.conf\n+++ b/config/app.conf"), diff)
        XCTAssertTrue(diff.contains("-greeting=hello\n") && diff.contains("+greeting=bonjour\n"), diff)
        XCTAssertTrue(diff.contains("-token=<redacted>") && diff.contains("+token=<redacted>"), diff)
        XCTAssertFalse(diff.contains("tok-"), diff)
        let paths = try pipeline.diffs(results, of: service, names: .paths)
        XCTAssertTrue(paths.first?.contains("+++ \(dir!)/svc/demo/config/app.conf") == true, paths.first ?? "")
    }
}
