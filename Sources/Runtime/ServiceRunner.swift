#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import Supervision

/// The lifecycle of one service, shared by `roost start` (PID 1 in a
/// container) and `roost dev` (a developer's folder): binds → render → init →
/// run → post-run and health checks, then signals, restarts and
/// reconfiguration until the service is stopped. Everything happens on one
/// thread, driven by `Supervision.EventLoop`; callbacks never overlap.
public final class ServiceRunner {
    enum Phase {
        case waitingForBinds
        case initializing
        case running
        case stopping
        case restartPending
        case finished
    }

    let options: RunOptions
    let loop: EventLoop
    let log: Log
    var service: LoadedService
    var templates: PackageTemplates
    /// Configured binds; replaced when the binds file changes.
    var binds: BindSet
    var bindGroups: [BoundGroup] = []
    var bindStatuses: [MemberStatus] = []
    let identity: Identity?
    let layout: ServiceLayout

    var phase: Phase = .waitingForBinds
    var exitCode: Int32?
    /// Rendered content as last written, by relative path (`config/x`, `hooks/run`).
    var rendered: [String: String] = [:]
    /// The same files rendered with secrets redacted (`roost dev` diffs these).
    var renderedRedacted: [String: String] = [:]
    var serviceProcess: ChildProcess?
    var initProcess: ChildProcess?
    var restartTimer: TimerHandle?
    var tracker: RestartTracker
    var health: HealthChecker?
    var lastHealth: HealthRecord.Status?
    /// The health-check hook passed during the current run (resets backoff).
    var passedHealthCheck = false
    var userWatcher: FileWatcher
    var packageWatcher: FileWatcher?
    var bindProbeRunning = false
    var periodicProbeScheduled = false
    var waitStarted = ContinuousClock.now
    var lastProgress = ContinuousClock.now
    /// Bumped whenever a service instance starts; stale callbacks compare it.
    var generation = 0
    var pendingReload: TimerHandle?
    var gateway: ChildProcess?
    /// The gateway's listening socket, bound at start and kept by PID 1.
    var gatewayListener: Int32?
    /// Restarts of the gateway in a row that ran less than a minute (backoff).
    var gatewayFailures = 0
    /// SIGTERM/SIGINT arrived while the service was between two instances
    /// (stopping for a restart, or running post-stop after it exited): once
    /// that step ends roost exits instead of starting the service again.
    var shutdownRequested = false

    /// Prepares everything that can fail for configuration reasons: a
    /// `HabitatError` here means "fix the input" (exit 78).
    public init(options: RunOptions, loop: EventLoop) throws(HabitatError) {
        self.options = options
        self.loop = loop
        let package = try PackageLocator.load(options.settings.packageArgument,
                                              roots: .init(pkgs: options.settings.pkgsRoot, svc: options.settings.svcRoot))
        binds = try BindSet.configure(package: package, options: options.bindOptions,
                                      environment: options.settings.environment, bindsFile: options.bindsFile)
        service = try LoadedService.load(options.settings, package: package)
        templates = try PackageTemplates.load(service.package)
        layout = service.layout
        log = Log(format: options.logFormat, service: package.name, styled: options.mode == .dev)
        tracker = RestartTracker(policy: RestartPolicy(
            mode: options.restart, initialDelay: .seconds(1), maximumDelay: .seconds(30), resetAfter: .seconds(60),
            maxRestarts: options.maxRestarts, window: options.restartWindow))

        // `start` switches to the service user when it can; `dev` always runs
        // as whoever started it.
        if geteuid() == 0 && options.mode == .start {
            let user = service.context.serviceUser
            do {
                identity = try UserLookup.identity(user: user.user, group: user.group)
            } catch {
                throw HabitatError(.config, source: package.ident.description,
                                   "service user \(user.user):\(user.group): \(error); create it (useradd --system \(user.user)) or set pkg_svc_user")
            }
        } else {
            identity = nil
        }
        var watched = options.settings.userTOMLCandidates(for: package.name)
        if let bindsFile = options.bindsFile { watched.append(bindsFile) }
        userWatcher = FileWatcher(paths: watched)
        if options.mode == .dev {
            var paths = [package.defaultTOMLPath, package.configDirectory, package.hooksDirectory, package.configInstallDirectory]
            if case .plan(let planFile) = package.layout { paths.append(planFile) }
            packageWatcher = FileWatcher(paths: paths)
        }
        if let address = options.httpListen {
            do {
                gatewayListener = try HealthGateway.listen(on: address)
            } catch {
                throw HabitatError(.config, error.description)
            }
        }
    }

    // MARK: Running

    /// Runs the whole lifecycle; returns the exit code for the container.
    public func run() -> Int32 {
        for note in service.notes { log.warn(note) }
        if identity == nil && options.mode == .start {
            log.info("not root: running the service as the current user")
        }
        do {
            try ServiceDirectories.create(layout, owner: identity.map { ($0.uid, $0.gid) })
        } catch {
            log.error(error.description)
            return error.exitCode
        }
        writeHealth(.unknown, "no check has finished yet")
        loop.onSignal = { [unowned self] signal in self.handle(signal) }
        if gatewayListener != nil { startGateway() }
        startWatching()
        if binds.entries.isEmpty {
            startFirstTime()
        } else {
            log.info("waiting for binds: " + binds.entries.map { e in
                "\(e.spec.name) (\(e.required ? "required" : "optional")) at " + e.spec.members.map { m in m.port.map { "\(m.host):\($0)" } ?? m.host }.joined(separator: ",")
            }.joined(separator: "; "))
            waitStarted = .now
            lastProgress = .now
            probeBinds()
        }
        _ = loop.run(until: { [unowned self] in self.exitCode != nil })
        ServiceDirectories.removePID(layout: layout)
        return exitCode ?? 70
    }

    func finish(_ code: Int32) {
        stopWatching()
        phase = .finished
        health?.stop()
        if let gateway, gateway.isRunning { _ = loop.signal(gateway, .kill) }
        exitCode = code
    }

    /// The HTTP health endpoints, served by a child process (`__http-gateway`)
    /// that gets the listening socket as its stdin and reads the state this
    /// runner keeps in the service directory. A gateway that dies is started
    /// again on the same socket, after 1, 2, 4 … 30 s when it keeps dying.
    func startGateway(first: Bool = true) {
        guard let listener = gatewayListener, let address = options.httpListen, phase != .finished else { return }
        let spec = ProcessSpec(executable: "/proc/self/exe",
                               arguments: ["__http-gateway", address.description, service.package.name,
                                           options.settings.group, options.settings.svcRoot],
                               environment: ProcessSpec.currentEnvironment(), output: .inherit, standardInput: listener)
        do {
            gateway = try loop.spawn(spec) { [unowned self] result in self.gatewayExited(result.status, ranFor: result.runtime) }
            if first { log.info("health endpoint: http://\(address)/services/\(service.package.name)/\(options.settings.group)/health") }
        } catch {
            log.error("cannot start the HTTP gateway: \(error)")
            gatewayExited(nil, ranFor: .zero)
        }
    }

    func gatewayExited(_ status: ExitStatus?, ranFor: Duration) {
        gateway = nil
        guard phase != .finished else { return }
        gatewayFailures = ranFor > .seconds(60) ? 1 : gatewayFailures + 1
        let delay = Duration.seconds(min(30, 1 << min(gatewayFailures - 1, 5)))
        log.error("the HTTP gateway on \(options.httpListen?.description ?? "?") stopped\(status.map { ": \($0)" } ?? ""); restarting it in \(Int(delay.seconds)) s")
        loop.schedule(after: delay) { [unowned self] in self.startGateway(first: false) }
    }

    // MARK: Signals

    func handle(_ signal: Signal) {
        switch signal {
        case .term, .int:
            shutdown(because: signal)
        case .hup:
            log.info("SIGHUP: reloading configuration")
            reload(fullConfig: true, packageFiles: true)
        default:
            if SignalSet.forwarded.contains(signal), let child = serviceProcess, child.isRunning {
                _ = loop.signal(child, signal)
            }
        }
    }

    /// Stops everything; roost exits with the service's status, or 128 +
    /// the signal when there was no service to stop.
    func shutdown(because signal: Signal) {
        let code = 128 + signal.rawValue
        stopWatching()
        switch phase {
        case .finished:
            return
        case .stopping:
            // A stop for shutdown is already under way; a stop for a restart
            // becomes the final one (the signal is never swallowed).
            if !shutdownRequested {
                shutdownRequested = true
                log.info("\(signal.name) received while restarting: exiting once the service has stopped")
            }
        case .waitingForBinds, .restartPending:
            if let restartTimer { loop.cancel(restartTimer) }
            log.info("\(signal.name) received before the service started: exiting")
            finish(code)
        case .initializing:
            phase = .stopping
            shutdownRequested = true
            log.info("\(signal.name) received during init: stopping the init hook")
            if let initProcess, initProcess.isRunning {
                loop.stop(initProcess, signal: .term, timeout: .seconds(5)) { [unowned self] _ in self.finish(code) }
            } else {
                finish(code)
            }
        case .running:
            guard let child = serviceProcess else {
                // The service exited on its own and post-stop is running:
                // exit with the service's status when it is done.
                shutdownRequested = true
                log.info("\(signal.name) received after the service exited: exiting once post-stop is done")
                return
            }
            phase = .stopping
            shutdownRequested = true
            health?.stop()
            stopService(child) { [unowned self] outcome in
                self.runHook("post-stop", timeout: self.options.hookTimeout) { _ in
                    self.finish(outcome.status.shellCode)
                }
            }
        }
    }

    var shutdownSignal: Signal {
        service.package.shutdownSignal.flatMap { Signal(name: $0) } ?? .term
    }

    var shutdownTimeout: Duration {
        options.shutdownTimeout ?? service.package.shutdownTimeoutSeconds.map { .seconds($0) } ?? .seconds(8)
    }

    func stopService(_ child: ChildProcess, completion: @escaping (StopOutcome) -> Void) {
        log.info("stopping the service (SIG\(shutdownSignal.name), \(Int(shutdownTimeout.seconds)) s before SIGKILL)")
        loop.stop(child, signal: shutdownSignal, timeout: shutdownTimeout) { [unowned self] outcome in
            self.log.info("service \(outcome)")
            ServiceDirectories.removePID(layout: self.layout)
            completion(outcome)
        }
    }

    // MARK: Starting

    func startFirstTime() {
        guard renderAndWrite(report: false) != nil else { return finish(78) }
        schedulePeriodicBindProbe()
        startSequence()
    }

    /// init, then the run process, post-run and health checks.
    func startSequence() {
        phase = .initializing
        guard templates.hasHook("init") else { return spawnService() }
        runHook("init", timeout: options.initTimeout, keepProcess: true) { [unowned self] result in
            guard self.phase == .initializing else { return }
            self.initProcess = nil
            guard let result, result.status.isSuccess else {
                let status = result?.status
                self.log.error("init failed" + (status.map { ": \($0)" } ?? "") + (result?.timedOut == true ? " (timed out after \(Int(self.options.initTimeout.seconds)) s)" : ""))
                for line in result?.output.suffix(10) ?? [] { self.log.error("  init: \(line.text)") }
                let code = status.map { $0.shellCode == 0 ? 1 : $0.shellCode } ?? 1
                return self.finish(code)
            }
            self.spawnService()
        }
    }

    var serviceEnvironment: [String: String] {
        var env = ProcessSpec.currentEnvironment()
        for (k, v) in service.context.packageEnvironment {
            if case .string(let s) = v { env[k] = s }
        }
        env.removeValue(forKey: ProbeProtocol.requestVariable)
        return env
    }

    /// The program that is the service: the rendered run hook, the package's
    /// run script, or a script made from a plan's `pkg_svc_run`.
    func runExecutable() throws(HabitatError) -> String {
        if rendered["hooks/run"] != nil { return layout.runFile }
        if let runFile = service.package.runFile, let bytes = FileSystem.readBytes(runFile) {
            try AtomicWrite.writeIfChanged(bytes, to: layout.runFile, mode: 0o755)
            return layout.runFile
        }
        if let svcRun = service.package.svcRun {
            let script = "#!/bin/sh\n# Generated by roost from pkg_svc_run.\nexport HOME=\(layout.dataPath)\ncd \(layout.path)\nexec \(svcRun) 2>&1\n"
            try AtomicWrite.writeIfChanged(Array(script.utf8), to: layout.runFile, mode: 0o755)
            return layout.runFile
        }
        throw HabitatError(.config, source: service.package.directory,
                           "nothing to run: the package has no hooks/run and no pkg_svc_run")
    }

    func spawnService() {
        let executable: String
        do {
            executable = try runExecutable()
        } catch {
            log.error(error.description)
            return finish(error.exitCode)
        }
        let output: ProcessSpec.Output
        if options.mode == .dev {
            output = .pipe(OutputOptions(stdoutPrefix: devPrefix("O"), stderrPrefix: devPrefix("E"), keepLastLines: 20))
        } else {
            output = .inherit
        }
        let spec = ProcessSpec(executable: executable, environment: serviceEnvironment, workingDirectory: layout.path,
                               identity: identity, output: output)
        generation += 1
        let mine = generation
        do {
            let child = try loop.spawn(spec) { [unowned self] result in self.serviceExited(result, generation: mine) }
            serviceProcess = child
            passedHealthCheck = false
            phase = .running
            ServiceDirectories.writePID(child.pid, layout: layout)
            log.info("service started (pid \(child.pid)\(identity.map { ", as \($0)" } ?? ""))")
            startPostRun(generation: mine, attempt: 1)
            startHealthChecks()
        } catch {
            // Like a shell's 126: found but could not be executed. It goes
            // through the restart policy like any other failed run.
            log.error("cannot start the service: \(error)")
            phase = .running
            serviceExited(nil, generation: mine)
        }
    }

    func devPrefix(_ stream: String) -> String {
        guard isatty(1) == 1 else { return "\(service.package.name)(\(stream)): " }
        return "\u{1B}[\(stream == "E" ? "35" : "32")m\(service.package.name)(\(stream)):\u{1B}[0m "
    }

    /// post-run right after the service starts; a failure runs it again with
    /// a growing delay (1, 2, 4 … 30 s) while the same service instance runs.
    func startPostRun(generation mine: Int, attempt: Int) {
        guard templates.hasHook("post-run") else { return }
        runHook("post-run", timeout: options.hookTimeout) { [unowned self] result in
            guard mine == self.generation, self.phase == .running else { return }
            if let result, result.status.isSuccess { return }
            let delay = Duration.seconds(min(30, 1 << min(attempt - 1, 5)))
            self.log.warn("post-run failed (\(result.map { "\($0.status)" } ?? "did not start")); again in \(Int(delay.seconds)) s")
            self.loop.schedule(after: delay) { [unowned self] in self.startPostRun(generation: mine, attempt: attempt + 1) }
        }
    }

    // MARK: Service exits and restarts

    func serviceExited(_ result: ProcessResult?, generation mine: Int) {
        guard mine == generation else { return }
        serviceProcess = nil
        ServiceDirectories.removePID(layout: layout)
        guard phase == .running else { return }  // a stop in progress handles the rest
        health?.stop()
        let status = result?.status ?? .exited(126)
        let ranFor = result?.runtime ?? .zero
        log.info("service exited: \(status)")
        // `roost health` must not go on saying ok while the service is down.
        writeHealth(.critical, "service is down: \(status)")
        lastHealth = .critical
        runHook("post-stop", timeout: options.hookTimeout) { [unowned self] _ in
            guard self.phase == .running else { return }
            if self.shutdownRequested { return self.finish(status.shellCode) }
            switch self.tracker.decide(exit: status, ranFor: ranFor, healthy: self.passedHealthCheck) {
            case .restart(let after, let attempt):
                self.phase = .restartPending
                self.log.info("restarting in \(String(format1: after.seconds)) s (attempt \(attempt))")
                self.restartTimer = self.loop.schedule(after: after) { [unowned self] in
                    self.restartTimer = nil
                    guard self.phase == .restartPending else { return }
                    self.startSequence()
                }
            case .finished(let s):
                self.finish(s.shellCode)
            case .giveUp(let s, let restarts, let window):
                // The service's own status, as the README promises, even 0
                // (under --restart always a clean exit also counts).
                self.log.error("giving up: the service \(s.isSuccess ? "exited" : "failed") again after \(restarts) restarts within \(Int(window.seconds)) s (\(s))")
                self.finish(s.shellCode)
            }
        }
    }

    /// A restart because rendered run, init or post-run changed (no backoff).
    func restartForChange(_ reason: String) {
        guard phase == .running, let child = serviceProcess else { return }
        log.info("restarting: \(reason)")
        phase = .stopping
        health?.stop()
        stopService(child) { [unowned self] outcome in
            self.runHook("post-stop", timeout: self.options.hookTimeout) { [unowned self] _ in
                guard self.phase == .stopping, self.exitCode == nil else { return }
                if self.shutdownRequested { return self.finish(outcome.status.shellCode) }
                self.startSequence()
            }
        }
    }
}

extension String {
    /// A number with one decimal, without Foundation's `String(format:)`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
