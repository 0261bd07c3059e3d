import Habitat
import Supervision

/// The driver side of `Lifecycle`: events in, effects carried out.
extension ServiceRunner {
    /// Hands an event to the lifecycle and carries out the effects it asks
    /// for. Events raised while effects run (a hook that does not exist
    /// answers at once) wait in a queue, so each event sees the state its
    /// predecessor left and effects never interleave.
    func send(_ event: Lifecycle.Event) {
        pendingEvents.append(event)
        guard !dispatching else { return }
        dispatching = true
        defer { dispatching = false }
        while !pendingEvents.isEmpty {
            let next = pendingEvents.removeFirst()
            for effect in lifecycle.handle(next) { perform(effect) }
        }
    }

    func perform(_ effect: Lifecycle.Effect) {
        switch effect {
        case .renderInitial:
            send(.rendered(ok: renderInitial()))
        case .runInit:
            runInit()
        case .spawnService:
            spawnService()
        case .runHook(.postRun):
            startPostRun(generation: generation, attempt: 1)
        case .runHook(.reconfigure):
            // One at a time: changes that arrive while the hook runs are
            // merged into one more run after it, which sees the config on
            // disk then. (Overlapping runs could finish out of order, and a
            // burst of edits started hundreds at once.)
            if reconfigureRunning {
                reconfigureAgain = true
            } else {
                startReconfigure()
            }
        case .runHook(.postStop):
            // Kept while it runs, for a second TERM/INT (`.stopPostStop`).
            postStopProcess = runHook(.postStop, timeout: options.hookTimeout) { [unowned self] result in
                self.postStopProcess = nil
                self.send(.hookFinished(.postStop, HookOutcome(result)))
            }
        case .runHook(let hook):
            runHook(hook, timeout: options.hookTimeout) { [unowned self] result in
                self.send(.hookFinished(hook, HookOutcome(result)))
            }
        case .stopService:
            guard let child = serviceProcess else { return }
            stopService(child) { [unowned self] outcome in self.send(.serviceStopped(outcome.status)) }
        case .stopPostStop:
            if let postStopProcess, postStopProcess.isRunning {
                loop.stop(postStopProcess, signal: .term, timeout: .seconds(2)) { _ in }
            }
        case .stopInit:
            if let initProcess, initProcess.isRunning {
                loop.stop(initProcess, signal: .term, timeout: .seconds(5)) { [unowned self] _ in self.send(.initStopped) }
            } else {
                send(.initStopped)
            }
        case .startHealthChecks:
            startHealthChecks()
        case .stopHealthChecks:
            health?.stop()
        case .checkHealthNow:
            health?.checkNow()
        case .writeHealth(let status, let summary):
            writeHealth(status, summary)
            lastHealth = status
        case .scheduleRestart(let after):
            restartTimer = loop.schedule(after: after) { [unowned self] in
                self.restartTimer = nil
                self.send(.restartTimerFired)
            }
        case .cancelRestartTimer:
            if let restartTimer { loop.cancel(restartTimer) }
            restartTimer = nil
        case .forward(let signal):
            if SignalSet.forwarded.contains(signal), let child = serviceProcess, child.isRunning {
                _ = loop.signal(child, signal)
            }
        case .reloadAll:
            reload(fullConfig: true, packageFiles: true)
        case .useBinds(let groups):
            service.context.binds = groups
        case .probeBinds(let after):
            if after == .zero { return probeBinds() }
            loop.schedule(after: after) { [unowned self] in self.probeBinds() }
        case .probeBindsPeriodically:
            schedulePeriodicBindProbe()
        case .reloadBinds:
            reload(fullConfig: false, packageFiles: false)
        case .stopWatching:
            stopWatching()
        case .log(.info, let message):
            log.info(message)
        case .log(.warn, let message):
            log.warn(message)
        case .log(.error, let message):
            log.error(message)
        case .exit:
            if let gateway, gateway.isRunning { _ = loop.signal(gateway, .kill) }
        }
    }

    /// Runs the reconfigure hook; when more changes came meanwhile, once more.
    func startReconfigure() {
        reconfigureRunning = true
        let mine = generation
        runHook(.reconfigure, timeout: options.hookTimeout) { [unowned self] result in
            self.reconfigureRunning = false
            let again = self.reconfigureAgain
            self.reconfigureAgain = false
            // A restart since (a new generation) rendered and started afresh.
            guard mine == self.generation else { return }
            self.send(.hookFinished(.reconfigure, HookOutcome(result)))
            if again && self.lifecycle.isRunning && mine == self.generation { self.startReconfigure() }
        }
    }
}

extension HookOutcome {
    /// How a hook's process ended; nil: it did not exist or could not start.
    init(_ result: ProcessResult?) {
        self.init(status: result?.status, timedOut: result?.timedOut ?? false)
    }
}
