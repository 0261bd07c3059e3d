import Habitat
import Supervision

/// One of Habitat's hooks, each with its own exit semantics.
public enum Hook: String, CaseIterable, Sendable {
    case initialize = "init"
    case run = "run"
    case postRun = "post-run"
    case postStop = "post-stop"
    case reconfigure = "reconfigure"
    case healthCheck = "health-check"

    /// The file name under `hooks/`.
    public var fileName: String { rawValue }

    /// init reports its own failure (it ends roost with the hook's status);
    /// the other hooks' failures are only warned about.
    public var failureIsFatal: Bool { self == .initialize }
}

/// What a change of rendered files asks of a running service (Habitat's
/// `TemplateUpdate { needs_restart, needs_reconfigure }`).
public struct TemplateUpdate: Equatable, Sendable {
    /// Stop and start the service again, and why.
    public var restartReason: String?
    /// Run the reconfigure hook while the service keeps running.
    public var needsReconfigure: Bool

    public var needsRestart: Bool { restartReason != nil }

    public init(restartReason: String? = nil, needsReconfigure: Bool = false) {
        self.restartReason = restartReason
        self.needsReconfigure = needsReconfigure
    }

    /// Decides from the relative paths that changed (`config/x`,
    /// `hooks/run`) and whether the package has a reconfigure hook (spec
    /// 7.4): init, run or post-run changed → restart; config changed →
    /// reconfigure if there is a hook, else restart; only the reconfigure
    /// hook changed → run it.
    public init(changed: [String], hasReconfigureHook: Bool) {
        self.init()
        if let hook = ["hooks/init", "hooks/run", "hooks/post-run"].first(where: changed.contains) {
            restartReason = "\(hook) changed"
            return
        }
        let configChanged = changed.contains { $0.hasPrefix("config/") }
        if configChanged && !hasReconfigureHook {
            restartReason = "config changed and there is no reconfigure hook"
            return
        }
        needsReconfigure = configChanged || changed.contains("hooks/reconfigure")
    }

    /// Decides from a render's plan: the files that differ from what is on disk.
    public init(plan: [RenderedOutput.Result], hasReconfigureHook: Bool) {
        self.init(changed: RenderedOutput.changedPaths(plan), hasReconfigureHook: hasReconfigureHook)
    }
}

/// How a hook ended, as the lifecycle needs it.
public struct HookOutcome: Equatable, Sendable {
    /// nil when the hook could not start.
    public var status: ExitStatus?
    public var timedOut: Bool

    public init(status: ExitStatus?, timedOut: Bool = false) {
        self.status = status
        self.timedOut = timedOut
    }

    public var isSuccess: Bool { status?.isSuccess == true && !timedOut }
}

/// The lifecycle of one service as a value: states, the events that move it
/// and the effects each move asks for. Pure: no processes and no clock reads
/// (time comes in with the events); `ServiceRunner` executes the effects
/// through Supervision and feeds the results back.
///
/// Bind waiting and membership are decided here (with `BindWait`) from
/// probe results the driver feeds in; spawning and scheduling the probes,
/// file watching, post-run retries and the HTTP gateway stay in the driver,
/// which asks this value whether the service is `finished` or `running`.
public struct Lifecycle {
    /// What follows a stop of the service.
    public enum AfterStop: Equatable, Sendable {
        /// A rendered hook or the config changed: start again, no backoff.
        case restart
        /// TERM/INT: exit with the service's status.
        case shutdown
    }

    public enum State: Equatable, Sendable {
        /// Before the first render, while the binds are probed (see `BindWait`).
        case waitingForBinds
        /// The init hook runs; `shutdown` is the exit code once it was
        /// stopped because of a signal.
        case initializing(shutdown: Int32?)
        /// The service runs; `healthy` says a health check passed in this run.
        case running(pid: Int32, healthy: Bool)
        /// The service is being stopped; then post-stop and `then`.
        case stopping(then: AfterStop)
        /// post-stop runs after a stop we asked for; the service ended with `status`.
        case postStopAfterStop(status: ExitStatus, then: AfterStop)
        /// post-stop runs after the service exited on its own; `shutdown`
        /// says a TERM/INT came meanwhile (exit with the service's status).
        case postStopAfterExit(status: ExitStatus, ranFor: Duration, healthy: Bool, at: ContinuousClock.Instant, shutdown: Bool)
        /// The restart backoff timer runs.
        case restartPending
        case finished(Int32)
    }

    public enum Event: Equatable, Sendable {
        /// Start-up: binds to wait for, or none.
        case begin(waitForBinds: Bool)
        /// A bind probe ended, `elapsed` after the waiting for binds began;
        /// `current` is what the templates see now.
        case bindsProbed(BindResolution, elapsed: Duration, current: [BoundGroup])
        /// The binds file was read again and gave `binds`.
        case bindsFileRead(BindSet, current: [BoundGroup])
        /// Result of `.renderInitial`.
        case rendered(ok: Bool)
        case signal(Signal)
        case serviceStarted(pid: Int32)
        /// There is nothing to run, or its script cannot be written: exit with `code`.
        case serviceUnrunnable(code: Int32)
        /// The service could not be spawned (like a shell's 126).
        case serviceSpawnFailed(at: ContinuousClock.Instant)
        /// The service exited on its own (or after a stop we asked for).
        case serviceExited(ExitStatus, ranFor: Duration, at: ContinuousClock.Instant)
        /// A stop with grace completed.
        case serviceStopped(ExitStatus)
        case hookFinished(Hook, HookOutcome)
        /// The init hook was stopped because of a signal.
        case initStopped
        /// The health-check hook passed (resets the restart backoff).
        case healthCheckPassed
        case restartTimerFired
        /// Rendered files changed while the service is up.
        case configChanged(TemplateUpdate)
    }

    public enum LogLevel: Equatable, Sendable { case info, warn, error }

    public enum Effect: Equatable, Sendable {
        case renderInitial
        /// init if the package has it, else the service: the driver answers
        /// `.hookFinished(.initialize, …)` (success when there is no init).
        case runInit
        case spawnService
        /// Runs a hook; post-stop and reconfigure answer with `.hookFinished`.
        case runHook(Hook)
        case stopService
        case stopInit
        /// A second TERM/INT while post-stop runs on the way out: stop the
        /// hook (its process group: TERM, then KILL after a grace); the
        /// driver answers `.hookFinished(.postStop, …)` as when it ends.
        case stopPostStop
        case startHealthChecks
        case stopHealthChecks
        case checkHealthNow
        case writeHealth(HealthRecord.Status, String)
        case scheduleRestart(after: Duration)
        case cancelRestartTimer
        case forward(Signal)
        /// HUP: re-read everything and re-render.
        case reloadAll
        /// The templates' bind members become `groups`.
        case useBinds([BoundGroup])
        /// Probe the binds after this delay (answered with `.bindsProbed`).
        case probeBinds(after: Duration)
        /// Probe the binds every bind interval while the service is up.
        case probeBindsPeriodically
        /// The members changed: render again and reconfigure or restart.
        case reloadBinds
        case stopWatching
        case log(LogLevel, String)
        case exit(Int32)
    }

    public private(set) var state: State = .waitingForBinds
    var tracker: RestartTracker
    var bindWait: BindWait

    public init(restartTracker: RestartTracker, bindTimeout: Duration = .seconds(60)) {
        tracker = restartTracker
        bindWait = BindWait(timeout: bindTimeout)
    }

    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    public var exitCode: Int32? {
        if case .finished(let code) = state { return code }
        return nil
    }

    public var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    public mutating func handle(_ event: Event) -> [Effect] {
        if isFinished { return [] }
        switch event {
        case .begin(let wait):
            return wait ? [] : [.renderInitial]
        case .bindsProbed(let probe, let elapsed, let current):
            return bindsProbed(probe, elapsed: elapsed, current: current)
        case .bindsFileRead(let binds, let current):
            return bindsFileRead(binds, current: current)
        case .rendered(let ok):
            guard state == .waitingForBinds else { return [] }
            guard ok else { return finish(78) }
            return startSequence()
        case .signal(let signal):
            return handle(signal)
        case .serviceStarted(let pid):
            guard case .initializing(nil) = state else { return [] }
            state = .running(pid: pid, healthy: false)
            return [.runHook(.postRun), .startHealthChecks]
        case .serviceUnrunnable(let code):
            guard case .initializing(nil) = state else { return [] }
            return finish(code)
        case .serviceSpawnFailed(let at):
            guard case .initializing(nil) = state else { return [] }
            return exited(.exited(126), ranFor: .zero, healthy: false, at: at)
        case .serviceExited(let status, let ranFor, let at):
            guard case .running(_, let healthy) = state else { return [] }  // a stop handles the rest
            return exited(status, ranFor: ranFor, healthy: healthy, at: at)
        case .serviceStopped(let status):
            guard case .stopping(let then) = state else { return [] }
            state = .postStopAfterStop(status: status, then: then)
            // As after an exit: once stopped (for good or for a restart),
            // `roost health` must not go on saying ok.
            return [.writeHealth(.critical, "service is down: \(status)"), .runHook(.postStop)]
        case .hookFinished(let hook, let outcome):
            return hookFinished(hook, outcome)
        case .initStopped:
            guard case .initializing(let code?) = state else { return [] }
            return finish(code)
        case .healthCheckPassed:
            guard case .running(let pid, _) = state else { return [] }
            state = .running(pid: pid, healthy: true)
            return []
        case .restartTimerFired:
            guard state == .restartPending else { return [] }
            return startSequence()
        case .configChanged(let update):
            guard isRunning else { return [] }
            if let reason = update.restartReason {
                state = .stopping(then: .restart)
                return [.log(.info, "restarting: \(reason)"), .stopHealthChecks, .stopService]
            }
            return update.needsReconfigure ? [.runHook(.reconfigure)] : []
        }
    }

    // MARK: Binds

    /// Shutting down: what is left is stopping and the exit, so bind news
    /// changes nothing any more.
    var isShuttingDown: Bool {
        switch state {
        case .finished, .stopping(.shutdown), .postStopAfterStop(_, .shutdown), .initializing(.some),
             .postStopAfterExit(_, _, _, _, true):
            return true
        default:
            return false
        }
    }

    private mutating func bindsProbed(_ probe: BindResolution, elapsed: Duration, current: [BoundGroup]) -> [Effect] {
        switch state {
        case .waitingForBinds:
            switch bindWait.probed(probe, elapsed: elapsed) {
            case .wait(let lines, let after):
                return lines.map(\.effect) + [.probeBinds(after: after)]
            case .ready(let groups, let lines):
                return lines.map(\.effect) + [.useBinds(groups), .renderInitial]
            case .failed(let lines):
                return lines.map(\.effect) + finish(69)
            }
        case .stopping, .postStopAfterStop:
            // A stop is under way: the next start probes anyway.
            return []
        default:
            guard !isShuttingDown else { return [] }
            switch BindWait.membership(probe, current: current) {
            case .unchanged:
                return []
            case .keep(let line):
                return [line.effect]
            case .changed(let groups, let line):
                return [line.effect, .useBinds(groups), .reloadBinds]
            }
        }
    }

    /// A good edit of the binds file is probed at once; binds emptied while
    /// the service is up leave the templates at once.
    private func bindsFileRead(_ binds: BindSet, current: [BoundGroup]) -> [Effect] {
        guard !isShuttingDown else { return [] }
        let names = binds.entries.isEmpty ? "no binds" : binds.entries.map(\.spec.name).joined(separator: ", ")
        let read = Effect.log(.info, "binds file read again: " + names)
        if state == .waitingForBinds { return [read, .probeBinds(after: .zero)] }
        if binds.entries.isEmpty { return [read] + (current.isEmpty ? [] : [.useBinds([]), .reloadBinds]) }
        return [read, .probeBindsPeriodically, .probeBinds(after: .zero)]
    }

    // MARK: Steps

    private mutating func finish(_ code: Int32) -> [Effect] {
        state = .finished(code)
        return [.stopWatching, .stopHealthChecks, .exit(code)]
    }

    private mutating func startSequence() -> [Effect] {
        state = .initializing(shutdown: nil)
        return [.runInit]
    }

    private mutating func exited(_ status: ExitStatus, ranFor: Duration, healthy: Bool, at: ContinuousClock.Instant) -> [Effect] {
        state = .postStopAfterExit(status: status, ranFor: ranFor, healthy: healthy, at: at, shutdown: false)
        return [.stopHealthChecks, .log(.info, "service exited: \(status)"),
                // `roost health` must not go on saying ok while the service is down.
                .writeHealth(.critical, "service is down: \(status)"), .runHook(.postStop)]
    }

    private mutating func hookFinished(_ hook: Hook, _ outcome: HookOutcome) -> [Effect] {
        switch (hook, state) {
        case (.initialize, .initializing(nil)):
            guard outcome.isSuccess else {
                let code = outcome.status.map { $0.shellCode == 0 ? 1 : $0.shellCode } ?? 1
                return finish(code)
            }
            return [.spawnService]
        case (.postStop, .postStopAfterStop(let status, let then)):
            if then == .shutdown { return finish(status.shellCode) }
            return startSequence()
        case (.postStop, .postStopAfterExit(let status, let ranFor, let healthy, let at, let shutdown)):
            if shutdown { return finish(status.shellCode) }
            switch tracker.decide(exit: status, ranFor: ranFor, healthy: healthy, now: at) {
            case .restart(let after, let attempt):
                state = .restartPending
                return [.log(.info, "restarting in \(String(format1: after.seconds)) s (attempt \(attempt))"),
                        .scheduleRestart(after: after)]
            case .finished(let s):
                return finish(s.shellCode)
            case .giveUp(let s, let restarts, let window):
                // The service's own status, as the README promises, even 0
                // (under --restart always a clean exit also counts).
                return [.log(.error, "giving up: the service \(s.isSuccess ? "exited" : "failed") again after \(restarts) restarts within \(Int(window.seconds)) s (\(s))")]
                    + finish(s.shellCode)
            }
        case (.reconfigure, .running(let pid, _)):
            var effects: [Effect] = []
            if outcome.isSuccess { effects.append(.log(.info, "reconfigured (service keeps running, pid \(pid))")) }
            return effects + [.checkHealthNow]
        default:
            return []
        }
    }

    private mutating func handle(_ signal: Signal) -> [Effect] {
        switch signal {
        case .term, .int:
            return shutdown(because: signal)
        case .hup:
            switch state {
            case .waitingForBinds: return []
            default: return [.log(.info, "SIGHUP: reloading configuration"), .reloadAll]
            }
        default:
            switch state {
            case .running, .stopping: return [.forward(signal)]
            default: return []
            }
        }
    }

    /// Stops everything; roost exits with the service's status, or 128 +
    /// the signal when there was no service to stop. A signal is never
    /// swallowed: whatever step is under way, the next one is the exit.
    private mutating func shutdown(because signal: Signal) -> [Effect] {
        let code = 128 + signal.rawValue
        switch state {
        case .finished:
            return []
        case .stopping(.shutdown), .initializing(.some):
            return [.stopWatching]
        case .postStopAfterStop(_, .shutdown), .postStopAfterExit(_, _, _, _, true):
            // Asked again while post-stop runs: it may take up to the hook
            // timeout (60 s), so the second signal cuts it short.
            return [.stopWatching, .log(.info, "\(signal.name) received again: stopping the post-stop hook"), .stopPostStop]
        case .stopping(.restart):
            state = .stopping(then: .shutdown)
            return [.stopWatching, .log(.info, "\(signal.name) received while restarting: exiting once the service has stopped")]
        case .postStopAfterStop(let status, .restart):
            state = .postStopAfterStop(status: status, then: .shutdown)
            return [.stopWatching, .log(.info, "\(signal.name) received while restarting: exiting once the service has stopped")]
        case .waitingForBinds, .restartPending:
            return [.cancelRestartTimer, .log(.info, "\(signal.name) received before the service started: exiting")] + finish(code)
        case .initializing(nil):
            state = .initializing(shutdown: code)
            return [.stopWatching, .log(.info, "\(signal.name) received during init: stopping the init hook"), .stopInit]
        case .postStopAfterExit(let status, let ranFor, let healthy, let at, false):
            // The service exited on its own and post-stop is running: exit
            // with the service's status when it is done.
            state = .postStopAfterExit(status: status, ranFor: ranFor, healthy: healthy, at: at, shutdown: true)
            return [.stopWatching, .log(.info, "\(signal.name) received after the service exited: exiting once post-stop is done")]
        case .running:
            state = .stopping(then: .shutdown)
            return [.stopWatching, .stopHealthChecks, .stopService]
        }
    }
}
