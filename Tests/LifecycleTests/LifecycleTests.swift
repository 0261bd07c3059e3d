import Habitat
import Runtime
import Supervision
import XCTest

/// `Lifecycle` driven by events alone: every ordering of signals, exits, hook
/// results, timers and file changes that a past fix was about, and the ones
/// nobody had tried. No processes, no clock, no sleeping.
final class LifecycleTests: XCTestCase {
    let t0 = ContinuousClock.now

    func lifecycle(_ mode: RestartPolicy.Mode = .onFailure, maxRestarts: Int? = nil) -> Lifecycle {
        Lifecycle(restartTracker: RestartTracker(policy: RestartPolicy(
            mode: mode, initialDelay: .seconds(1), maximumDelay: .seconds(30), jitter: 0,
            resetAfter: .seconds(60), maxRestarts: maxRestarts, window: .seconds(300))))
    }

    /// A lifecycle whose service runs (pid 42), with no binds and no init hook.
    func running(_ mode: RestartPolicy.Mode = .onFailure, maxRestarts: Int? = nil) -> Lifecycle {
        var l = lifecycle(mode, maxRestarts: maxRestarts)
        XCTAssertEqual(l.handle(.begin(waitForBinds: false)), [.renderInitial])
        XCTAssertEqual(l.handle(.rendered(ok: true)), [.runInit])
        XCTAssertEqual(l.handle(.hookFinished(.initialize, HookOutcome(status: .exited(0)))), [.spawnService])
        XCTAssertEqual(l.handle(.serviceStarted(pid: 42)), [.runHook(.postRun), .startHealthChecks])
        XCTAssertEqual(l.state, .running(pid: 42, healthy: false))
        return l
    }

    let ok = HookOutcome(status: .exited(0))

    func exits(_ effects: [Lifecycle.Effect]) -> Int32? {
        for case .exit(let code) in effects { return code }
        return nil
    }

    func restartAttempt(_ effects: [Lifecycle.Effect]) -> String? {
        for case .log(.info, let message) in effects where message.hasPrefix("restarting in ") { return message }
        return nil
    }

    // MARK: Start-up

    func testBindsThenRenderThenInitThenService() {
        var l = lifecycle()
        XCTAssertEqual(l.handle(.begin(waitForBinds: true)), [])
        XCTAssertEqual(l.state, .waitingForBinds)
        XCTAssertEqual(l.handle(.signal(.hup)), [], "HUP before the first render has nothing to reload")
        let up = BindFixture.dbUp
        XCTAssertEqual(l.handle(.bindsProbed(BindResolution(BindFixture.dbOnly, statuses: up), elapsed: .seconds(1), current: [])),
                       [.log(.info, "binds ready after 1 s"), .useBinds(BindResolution(BindFixture.dbOnly, statuses: up).groups), .renderInitial])
        XCTAssertEqual(l.handle(.rendered(ok: true)), [.runInit])
        XCTAssertEqual(l.state, .initializing(shutdown: nil))
    }

    func testRenderFailureExits78AndRequiredBindExits69() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: false))
        XCTAssertEqual(exits(l.handle(.rendered(ok: false))), 78)
        var b = lifecycle()
        _ = b.handle(.begin(waitForBinds: true))
        XCTAssertEqual(exits(b.handle(.bindsProbed(BindResolution(BindFixture.dbOnly, statuses: BindFixture.dbDown), elapsed: .seconds(60), current: []))), 69)
        XCTAssertEqual(b.exitCode, 69)
    }

    func testInitFailureExitsWithItsStatusNeverZero() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: false))
        _ = l.handle(.rendered(ok: true))
        XCTAssertEqual(exits(l.handle(.hookFinished(.initialize, HookOutcome(status: .exited(3))))), 3)
        var t = lifecycle()
        _ = t.handle(.begin(waitForBinds: false))
        _ = t.handle(.rendered(ok: true))
        XCTAssertEqual(exits(t.handle(.hookFinished(.initialize, HookOutcome(status: .exited(0), timedOut: true)))), 1,
                       "an init killed after its timeout is a failure even when it then exited 0")
    }

    func testNothingToRunExitsWithTheGivenCode() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: false))
        _ = l.handle(.rendered(ok: true))
        _ = l.handle(.hookFinished(.initialize, ok))
        XCTAssertEqual(exits(l.handle(.serviceUnrunnable(code: 78))), 78)
    }

    func testSpawnFailureIs126ThroughThePolicy() {
        var l = lifecycle(.never)
        _ = l.handle(.begin(waitForBinds: false))
        _ = l.handle(.rendered(ok: true))
        _ = l.handle(.hookFinished(.initialize, ok))
        let effects = l.handle(.serviceSpawnFailed(at: t0))
        XCTAssertEqual(effects.last, .runHook(.postStop))
        XCTAssertTrue(effects.contains(.writeHealth(.critical, "service is down: exited with status 126")))
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, ok))), 126)
    }

    // MARK: TERM in every state

    func testTermWhileWaitingForBindsExitsAtOnce() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: true))
        let effects = l.handle(.signal(.term))
        XCTAssertTrue(effects.contains(.cancelRestartTimer))
        XCTAssertEqual(exits(effects), 143)
        XCTAssertEqual(l.handle(.bindsProbed(BindResolution(BindSet(entries: []), statuses: []), elapsed: .seconds(1), current: [])), [],
                       "a finished lifecycle ignores every event")
    }

    func testTermDuringInitStopsInitThenExits() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: false))
        _ = l.handle(.rendered(ok: true))
        let effects = l.handle(.signal(.int))
        XCTAssertTrue(effects.contains(.stopInit))
        XCTAssertEqual(l.state, .initializing(shutdown: 130))
        XCTAssertEqual(l.handle(.signal(.term)), [.stopWatching], "a second signal does not stop init twice")
        XCTAssertEqual(l.handle(.hookFinished(.initialize, ok)), [], "init's own result does not start the service")
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate(restartReason: "x"))), [])
        XCTAssertEqual(exits(l.handle(.initStopped)), 130)
    }

    func testTermWhileRunningStopsRunsPostStopAndExitsWithTheServiceStatus() {
        var l = running()
        XCTAssertEqual(l.handle(.signal(.term)), [.stopWatching, .stopHealthChecks, .stopService])
        XCTAssertEqual(l.handle(.signal(.term)), [.stopWatching], "a second TERM does not stop twice")
        XCTAssertEqual(l.handle(.serviceExited(.signaled(.term), ranFor: .seconds(1), at: t0)), [],
                       "the exit a stop causes is reported by the stop")
        XCTAssertEqual(l.handle(.serviceStopped(.exited(0))),
                       [.writeHealth(.critical, "service is down: exited with status 0"), .runHook(.postStop)])
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, HookOutcome(status: .exited(1))))), 0)
    }

    /// A signal during the post-stop of a shutdown stops the hook (it could
    /// hold the exit for the whole hook timeout); the exit code is unchanged.
    func testASecondTermStopsThePostStopHook() {
        var l = running()
        _ = l.handle(.signal(.term))
        _ = l.handle(.serviceStopped(.signaled(.term)))
        XCTAssertEqual(l.handle(.signal(.term)),
                       [.stopWatching, .log(.info, "TERM received again: stopping the post-stop hook"), .stopPostStop])
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, HookOutcome(status: .signaled(.kill))))), 143)
        // After an exit of its own, the first signal waits for post-stop, a second stops it.
        var m = running()
        _ = m.handle(.serviceExited(.exited(3), ranFor: .seconds(1), at: t0))
        XCTAssertFalse(m.handle(.signal(.int)).contains(.stopPostStop))
        XCTAssertTrue(m.handle(.signal(.int)).contains(.stopPostStop))
        XCTAssertEqual(exits(m.handle(.hookFinished(.postStop, ok))), 3)
    }

    func testTermDuringARestartForAChangeBecomesTheFinalStop() {
        var l = running()
        _ = l.handle(.configChanged(TemplateUpdate(restartReason: "hooks/run changed")))
        XCTAssertEqual(l.state, .stopping(then: .restart))
        let effects = l.handle(.signal(.term))
        XCTAssertFalse(effects.contains(.stopService), "the stop under way is the one that ends roost")
        XCTAssertEqual(l.state, .stopping(then: .shutdown))
        _ = l.handle(.serviceStopped(.signaled(.term)))
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, ok))), 143)
    }

    func testTermDuringPostStopOfARestartExits() {
        var l = running()
        _ = l.handle(.configChanged(TemplateUpdate(restartReason: "config changed and there is no reconfigure hook")))
        XCTAssertEqual(l.handle(.serviceStopped(.exited(0))),
                       [.writeHealth(.critical, "service is down: exited with status 0"), .runHook(.postStop)])
        _ = l.handle(.signal(.term))
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, ok))), 0, "the service's status, no new start")
    }

    func testTermDuringPostStopAfterAnExitExitsWithTheServiceStatus() {
        var l = running(.always)
        _ = l.handle(.serviceExited(.exited(3), ranFor: .seconds(1), at: t0))
        _ = l.handle(.signal(.term))
        let effects = l.handle(.hookFinished(.postStop, ok))
        XCTAssertNil(restartAttempt(effects))
        XCTAssertEqual(exits(effects), 3)
    }

    func testTermWhileARestartIsPendingCancelsTheTimer() {
        var l = running()
        _ = l.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t0))
        XCTAssertEqual(l.handle(.hookFinished(.postStop, ok)).last, .scheduleRestart(after: .seconds(1)))
        XCTAssertEqual(l.state, .restartPending)
        let effects = l.handle(.signal(.term))
        XCTAssertTrue(effects.contains(.cancelRestartTimer))
        XCTAssertEqual(exits(effects), 143)
        XCTAssertEqual(l.handle(.restartTimerFired), [])
    }

    // MARK: Other signals

    func testHupWhileStoppingReloadsButDoesNotRestartAgain() {
        var l = running()
        _ = l.handle(.signal(.term))
        XCTAssertEqual(l.handle(.signal(.hup)), [.log(.info, "SIGHUP: reloading configuration"), .reloadAll])
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate(restartReason: "hooks/run changed"))), [],
                       "what the reload finds does not undo the shutdown")
        XCTAssertEqual(l.state, .stopping(then: .shutdown))
    }

    func testOtherSignalsAreForwardedOnlyToARunningService() {
        var l = running()
        XCTAssertEqual(l.handle(.signal(.usr1)), [.forward(.usr1)])
        _ = l.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t0))
        XCTAssertEqual(l.handle(.signal(.usr1)), [])
    }

    // MARK: Changes

    func testAFileChangeDuringInitDoesNothingUntilTheServiceRuns() {
        var l = lifecycle()
        _ = l.handle(.begin(waitForBinds: false))
        _ = l.handle(.rendered(ok: true))
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate(restartReason: "hooks/run changed"))), [])
        XCTAssertEqual(l.handle(.hookFinished(.initialize, ok)), [.spawnService], "init goes on to start the service")
    }

    func testReconfigureKeepsTheServiceAndChecksHealth() {
        var l = running()
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate(needsReconfigure: true))), [.runHook(.reconfigure)])
        XCTAssertEqual(l.handle(.hookFinished(.reconfigure, ok)),
                       [.log(.info, "reconfigured (service keeps running, pid 42)"), .checkHealthNow])
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate())), [], "nothing changed that matters")
    }

    func testAServiceExitDuringTheReconfigureHookWins() {
        var l = running()
        _ = l.handle(.configChanged(TemplateUpdate(needsReconfigure: true)))
        _ = l.handle(.serviceExited(.exited(2), ranFor: .seconds(1), at: t0))
        XCTAssertEqual(l.handle(.hookFinished(.reconfigure, ok)), [],
                       "no 'reconfigured' for a service that is gone, no check of a stopped checker")
        XCTAssertNotNil(restartAttempt(l.handle(.hookFinished(.postStop, ok))))
    }

    func testARestartForAChangeStartsAgainWithoutBackoff() {
        var l = running()
        XCTAssertEqual(l.handle(.configChanged(TemplateUpdate(restartReason: "hooks/run changed"))),
                       [.log(.info, "restarting: hooks/run changed"), .stopHealthChecks, .stopService])
        _ = l.handle(.serviceStopped(.exited(0)))
        XCTAssertEqual(l.handle(.hookFinished(.postStop, ok)), [.runInit])
    }

    // MARK: Restarts

    func testAHealthPassResetsTheRestartBackoff() {
        var l = running(.always)
        var t = t0
        for attempt in 1...3 {
            _ = l.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t))
            XCTAssertEqual(restartAttempt(l.handle(.hookFinished(.postStop, ok))),
                           "restarting in \(1 << (attempt - 1)).0 s (attempt \(attempt))")
            _ = l.handle(.restartTimerFired)
            _ = l.handle(.hookFinished(.initialize, ok))
            _ = l.handle(.serviceStarted(pid: 42))
            t += .seconds(5)
        }
        XCTAssertEqual(l.handle(.healthCheckPassed), [])
        XCTAssertEqual(l.state, .running(pid: 42, healthy: true))
        _ = l.handle(.serviceExited(.exited(1), ranFor: .seconds(1), at: t))
        XCTAssertEqual(restartAttempt(l.handle(.hookFinished(.postStop, ok))), "restarting in 1.0 s (attempt 1)")
    }

    func testCrashLoopGivesUpWithTheServiceOwnStatusZeroIncluded() {
        for code: Int32 in [0, 5] {
            var l = running(.always, maxRestarts: 1)
            _ = l.handle(.serviceExited(.exited(code), ranFor: .seconds(1), at: t0))
            XCTAssertNotNil(restartAttempt(l.handle(.hookFinished(.postStop, ok))))
            _ = l.handle(.restartTimerFired)
            _ = l.handle(.hookFinished(.initialize, ok))
            _ = l.handle(.serviceStarted(pid: 43))
            _ = l.handle(.serviceExited(.exited(code), ranFor: .seconds(1), at: t0 + .seconds(2)))
            let effects = l.handle(.hookFinished(.postStop, ok))
            XCTAssertTrue(effects.contains { if case .log(.error, let m) = $0 { m.hasPrefix("giving up") } else { false } })
            XCTAssertEqual(exits(effects), code)
            XCTAssertEqual(l.exitCode, code)
        }
    }

    func testOnFailureFinishesOnACleanExit() {
        var l = running(.onFailure)
        _ = l.handle(.serviceExited(.exited(0), ranFor: .seconds(1), at: t0))
        XCTAssertEqual(exits(l.handle(.hookFinished(.postStop, ok))), 0)
    }
}

/// The reconfigure-or-restart decision (spec 7.4, Habitat's `TemplateUpdate`).
final class TemplateUpdateTests: XCTestCase {
    func testHooksThatShapeTheProcessRestart() {
        for hook in ["hooks/init", "hooks/run", "hooks/post-run"] {
            let update = TemplateUpdate(changed: ["config/a", hook], hasReconfigureHook: true)
            XCTAssertEqual(update, TemplateUpdate(restartReason: "\(hook) changed"))
            XCTAssertTrue(update.needsRestart)
        }
    }

    func testConfigReconfiguresWhenThereIsAHookElseRestarts() {
        XCTAssertEqual(TemplateUpdate(changed: ["config/a"], hasReconfigureHook: true), TemplateUpdate(needsReconfigure: true))
        XCTAssertEqual(TemplateUpdate(changed: ["config/a"], hasReconfigureHook: false),
                       TemplateUpdate(restartReason: "config changed and there is no reconfigure hook"))
    }

    func testOtherHooksOnly() {
        XCTAssertEqual(TemplateUpdate(changed: ["hooks/reconfigure"], hasReconfigureHook: true), TemplateUpdate(needsReconfigure: true))
        XCTAssertEqual(TemplateUpdate(changed: ["hooks/health-check", "hooks/post-stop"], hasReconfigureHook: true), TemplateUpdate())
        XCTAssertFalse(TemplateUpdate(changed: [], hasReconfigureHook: false).needsRestart)
    }
}
