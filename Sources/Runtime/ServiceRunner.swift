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
        service = try LoadedService.load(options.settings)
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
        if let listen = options.httpListen { startGateway(listen) }
        scheduleWatching()
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
        phase = .finished
        health?.stop()
        if let gateway, gateway.isRunning { _ = loop.signal(gateway, .kill) }
        exitCode = code
    }

    /// The HTTP health endpoints, served by a child process (`__http-gateway`)
    /// that reads the state this runner keeps in the service directory.
    func startGateway(_ listen: String) {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            log.error("--http-listen '\(listen)' must be ADDR:PORT")
            return finish(78)
        }
        let spec = ProcessSpec(executable: "/proc/self/exe",
                               arguments: ["__http-gateway", String(listen[..<colon]), String(port), service.package.name,
                                           options.settings.group, options.settings.svcRoot],
                               environment: ProcessSpec.currentEnvironment(), output: .inherit)
        do {
            gateway = try loop.spawn(spec) { [unowned self] result in
                if self.phase != .finished { self.log.error("the HTTP gateway on \(listen) stopped: \(result.status)") }
            }
            log.info("health endpoint: http://\(listen)/services/\(service.package.name)/\(options.settings.group)/health")
        } catch {
            log.error("cannot start the HTTP gateway: \(error)")
        }
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

    // MARK: Binds

    func probeBinds(timeout: Duration = .seconds(15)) {
        guard !bindProbeRunning else { return }
        bindProbeRunning = true
        var env = ProcessSpec.currentEnvironment()
        env[ProbeProtocol.requestVariable] = ProbeProtocol.encode(binds)
        let spec = ProcessSpec(executable: "/proc/self/exe", arguments: ["__probe-binds"], environment: env,
                               output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: STDERR_FILENO, keepLastLines: 10_000)))
        do {
            try loop.spawn(spec, timeout: timeout) { [unowned self] result in
                self.bindProbeRunning = false
                let statuses = ProbeProtocol.decodeResults(result.output.filter { $0.stream == .stdout }.map(\.text))
                self.bindsProbed(statuses)
            }
        } catch {
            bindProbeRunning = false
            log.error("cannot probe binds: \(error)")
            loop.schedule(after: .seconds(1)) { [unowned self] in self.bindsProbed([]) }
        }
    }

    func bindsProbed(_ statuses: [MemberStatus]) {
        bindStatuses = statuses
        let problems = BindResolution.problems(binds, statuses: statuses)
        let groups = BindResolution.groups(binds, statuses: statuses)
        switch phase {
        case .waitingForBinds:
            // As in Habitat, a bind is satisfied by one active member; the
            // others join when they answer (the periodic probe). A bind with
            // no reachable member is waited for, up to --bind-timeout.
            let waited = ContinuousClock.now - waitStarted
            let satisfied = Set(groups.map(\.name))
            let unsatisfied = problems.filter { !satisfied.contains($0.bind) }
            if unsatisfied.isEmpty && !statuses.isEmpty {
                log.info("binds ready after \(Int(waited.seconds)) s")
                for p in problems { log.warn("bind \(p.bind): starting without the members that do not answer yet: \(p.detail)") }
                bindGroups = groups
                return startFirstTime()
            }
            if waited >= options.bindTimeout {
                let required = unsatisfied.filter(\.required)
                if !required.isEmpty {
                    for p in required { log.error("required bind \(p.bind): no member reachable after \(Int(waited.seconds)) s: \(p.detail)") }
                    return finish(69)
                }
                for p in unsatisfied { log.warn("optional bind \(p.bind): no member reachable after \(Int(waited.seconds)) s; starting without it: \(p.detail)") }
                for p in problems where satisfied.contains(p.bind) {
                    log.warn("bind \(p.bind): starting without the members that do not answer yet: \(p.detail)")
                }
                bindGroups = groups
                return startFirstTime()
            }
            if ContinuousClock.now - lastProgress >= .seconds(5) {
                lastProgress = .now
                for p in unsatisfied {
                    log.info("waiting for bind \(p.bind) (\(Int(waited.seconds)) s of \(Int(options.bindTimeout.seconds))): \(p.detail)")
                }
            }
            loop.schedule(after: .seconds(1)) { [unowned self] in self.probeBinds() }
        case .finished, .stopping:
            return
        default:
            // No statuses at all means the probe itself failed (it could not
            // start, or timed out): that says nothing about the members, so
            // the service keeps the ones it has rather than losing every bind.
            guard !statuses.isEmpty else {
                log.warn("the bind probe gave no result; keeping the current members")
                return
            }
            if groups != bindGroups {
                log.info("bind membership changed: " + groups.map { g in "\(g.name)=[\(g.activeMembers.map(\.ip).joined(separator: ","))]" }.joined(separator: " "))
                bindGroups = groups
                reload(fullConfig: false, packageFiles: false)
            }
        }
    }

    // MARK: Starting

    func startFirstTime() {
        guard renderAndWrite(report: false) != nil else { return finish(78) }
        schedulePeriodicBindProbe()
        startSequence()
    }

    func schedulePeriodicBindProbe() {
        guard !binds.entries.isEmpty, !periodicProbeScheduled else { return }
        periodicProbeScheduled = true
        loop.schedule(after: options.bindInterval) { [unowned self] in self.periodicBindProbe() }
    }

    /// The binds file changed: read it again with the same contract checks
    /// as at start. A bad edit keeps the binds the service has; a good one
    /// is probed at once, and a change of members re-renders as usual.
    func reloadBindsFile() {
        do {
            binds = try BindSet.configure(package: service.package, options: options.bindOptions,
                                          environment: options.settings.environment, bindsFile: options.bindsFile)
        } catch {
            return log.error("\(error.description)\n  (the service keeps its current binds)")
        }
        log.info("binds file read again: " + (binds.entries.isEmpty ? "no binds" : binds.entries.map(\.spec.name).joined(separator: ", ")))
        guard !binds.entries.isEmpty else {
            if phase != .waitingForBinds && !bindGroups.isEmpty {
                bindGroups = []
                reload(fullConfig: false, packageFiles: false)
            }
            return
        }
        if phase != .waitingForBinds { schedulePeriodicBindProbe() }
        probeBinds()
    }

    func periodicBindProbe() {
        periodicProbeScheduled = false
        guard phase != .finished, !binds.entries.isEmpty else { return }
        periodicProbeScheduled = true
        probeBinds(timeout: options.bindInterval)
        loop.schedule(after: options.bindInterval) { [unowned self] in self.periodicBindProbe() }
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
            try AtomicWrite.write(bytes, to: layout.runFile, mode: 0o755)
            return layout.runFile
        }
        if let svcRun = service.package.svcRun {
            let script = "#!/bin/sh\n# Generated by roost from pkg_svc_run.\nexport HOME=\(layout.dataPath)\ncd \(layout.path)\nexec \(svcRun) 2>&1\n"
            try AtomicWrite.write(Array(script.utf8), to: layout.runFile, mode: 0o755)
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
                self.log.error("giving up: the service failed again after \(restarts) restarts within \(Int(window.seconds)) s")
                self.finish(s.shellCode == 0 ? 1 : s.shellCode)
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

    // MARK: Hooks

    /// Runs a rendered hook if the package has it; `done(nil)` when it does
    /// not exist or could not start.
    func runHook(_ name: String, timeout: Duration, keepProcess: Bool = false, done: @escaping (ProcessResult?) -> Void) {
        guard templates.hasHook(name) else { return done(nil) }
        let prefix = options.mode == .dev && isatty(1) == 1
            ? "\u{1B}[34m\(service.package.name) hook[\(name)]:\u{1B}[0m " : "\(service.package.name) hook[\(name)]: "
        let spec = ProcessSpec(
            executable: layout.hooksPath + "/" + name, environment: serviceEnvironment, workingDirectory: layout.path,
            identity: identity,
            output: .pipe(OutputOptions(stdoutPrefix: prefix, stderrPrefix: prefix, keepLastLines: 20,
                                        stdoutLogPath: "\(layout.logsPath)/\(name).stdout.log",
                                        stderrLogPath: "\(layout.logsPath)/\(name).stderr.log")))
        do {
            let child = try loop.spawn(spec, timeout: timeout) { [unowned self] result in
                // init reports its own failure (it ends roost); every other
                // hook's failure names the hook, its status and its last lines.
                if name != "init" && (result.timedOut || !result.status.isSuccess) {
                    let what = result.timedOut ? "timed out after \(Int(timeout.seconds)) s and was killed (\(result.status))" : "\(result.status)"
                    self.log.warn("hook \(name) \(what)" + (result.output.isEmpty ? ", no output" : "; its last lines:"))
                    for line in result.output.suffix(5) { self.log.warn("  \(name): \(line.text)") }
                }
                done(result)
            }
            if keepProcess { initProcess = child }
        } catch {
            log.error("hook \(name) could not start: \(error)")
            done(nil)
        }
    }

    // MARK: Health

    func startHealthChecks() {
        health?.stop()
        let check: ProcessSpec? = templates.hasHook("health-check") ? ProcessSpec(
            executable: layout.hooksPath + "/health-check", environment: serviceEnvironment,
            workingDirectory: layout.path, identity: identity,
            output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: nil, keepLastLines: 5,
                                        stdoutLogPath: "\(layout.logsPath)/health-check.stdout.log",
                                        stderrLogPath: "\(layout.logsPath)/health-check.stderr.log"))) : nil
        let checker = HealthChecker(
            loop: loop, check: check,
            schedule: HealthCheckSchedule(interval: options.healthInterval, timeout: options.healthTimeout),
            isServiceUp: { [unowned self] in self.serviceProcess?.isRunning ?? false },
            onResult: { [unowned self] result in self.healthResult(result) })
        health = checker
        checker.start()
    }

    func healthResult(_ result: HealthCheckResult) {
        let status: HealthRecord.Status
        switch result.status {
        case .ok: status = .ok
        case .warning: status = .warning
        case .critical: status = .critical
        case .unknown: status = .unknown
        }
        if status == .ok && result.process != nil { passedHealthCheck = true }
        let summary = result.process?.output.last?.text ?? (result.spawnError.map { "\($0)" } ?? (result.process == nil ? (status == .ok ? "service is up" : "service is down") : ""))
        writeHealth(status, summary)
        if status != lastHealth {
            let message = "health: \(status.rawValue)" + (summary.isEmpty ? "" : " (\(summary))")
            if status == .ok { log.info(message) } else { log.warn(message) }
            lastHealth = status
        }
    }

    func writeHealth(_ status: HealthRecord.Status, _ summary: String) {
        let record = HealthRecord(status: status, checkedAt: HealthRecord.now(), summary: summary)
        try? AtomicWrite.write(Array(record.encoded.utf8), to: layout.healthFile, mode: 0o644, durable: false)
    }

    // MARK: Rendering and reconfiguration

    /// Renders every template and writes what changed. Returns the changed
    /// relative paths, or nil (after logging why) when rendering failed, in
    /// which case nothing was written.
    @discardableResult
    func renderAndWrite(report: Bool) -> [String]? {
        service.context.binds = bindGroups
        let files: [RenderedFile]
        do {
            files = try templates.render(service.context, helpers: HabitatHelpers(pkgPaths: options.settings.pkgPaths, strictPkgPathFor: true))
        } catch {
            log.error(error.description)
            return nil
        }
        let results = RenderedOutput.plan(files, to: .init(layout: layout))
        do {
            try RenderedOutput.write(results, owner: identity.map { ($0.uid, $0.gid) })
            if let run = files.first(where: { $0.kind == .hook && $0.path == "run" }), rendered["hooks/run"] != run.content {
                try AtomicWrite.write(Array(run.content.utf8), to: layout.runFile, mode: 0o755)
            }
        } catch {
            log.error(error.description)
            return nil
        }
        var changed: [String] = []
        // `roost dev` shows a diff of what changed. Rendered files may hold
        // secrets, so the diff is made from renderings with every secret
        // redacted (kept from the previous round), never from the real ones.
        var redactedNow: [String: String] = [:]
        if options.mode == .dev, let redacted = try? templates.render(service.context.redacted, helpers: HabitatHelpers(pkgPaths: options.settings.pkgPaths)) {
            for f in redacted { redactedNow[f.relativePath] = f.content }
        }
        defer { renderedRedacted = redactedNow }
        for r in results {
            if rendered[r.file.relativePath] != r.file.content {
                if report && options.mode == .dev {
                    let diff = LineDiff.unified(old: renderedRedacted[r.file.relativePath] ?? "", new: redactedNow[r.file.relativePath] ?? "",
                                                oldName: "a/" + r.file.relativePath, newName: "b/" + r.file.relativePath, context: 1)
                    Log.write(2, diff.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n") + (diff.isEmpty ? "" : "\n"))
                }
                changed.append(r.file.relativePath)
            }
            rendered[r.file.relativePath] = r.file.content
        }
        return changed
    }

    /// Re-reads what may have changed, re-renders, and decides (spec 7.4):
    /// init, run or post-run changed → restart; config changed → reconfigure
    /// hook if there is one, else restart. A bad edit is logged and the
    /// running service keeps its previous config.
    func reload(fullConfig: Bool, packageFiles: Bool) {
        guard phase != .finished, phase != .waitingForBinds else { return }
        do {
            if fullConfig || packageFiles {
                let reloaded = try LoadedService.load(options.settings, binds: bindGroups)
                let newTemplates = try PackageTemplates.load(reloaded.package)
                service = reloaded
                templates = newTemplates
            } else {
                let user = try LayeredConfig.loadUser(candidates: options.settings.userTOMLCandidates(for: service.package.name))
                service.context.config = try service.config.replacingUserLayer(user)
            }
        } catch {
            log.error("\(error.description)\n  (the service keeps running with its previous configuration)")
            return
        }
        guard let changed = renderAndWrite(report: true) else {
            log.error("(the service keeps running with its previous configuration)")
            return
        }
        guard !changed.isEmpty else {
            if options.mode == .dev { log.info("no rendered file changed") }
            return
        }
        log.info("re-rendered: " + changed.joined(separator: ", "))
        guard phase == .running else { return }
        if let hook = ["hooks/init", "hooks/run", "hooks/post-run"].first(where: changed.contains) {
            return restartForChange("\(hook) changed")
        }
        let configChanged = changed.contains { $0.hasPrefix("config/") }
        if configChanged && !templates.hasHook("reconfigure") {
            return restartForChange("config changed and there is no reconfigure hook")
        }
        if configChanged || changed.contains("hooks/reconfigure") {
            let mine = generation
            runHook("reconfigure", timeout: options.hookTimeout) { [unowned self] result in
                guard mine == self.generation else { return }
                if let result, result.status.isSuccess { self.log.info("reconfigured (service keeps running, pid \(self.serviceProcess?.pid ?? 0))") }
                self.health?.checkNow()
            }
        }
    }

    // MARK: Watching

    func scheduleWatching() {
        let interval = options.mode == .dev ? Duration.milliseconds(500) : options.watchInterval
        loop.schedule(after: interval) { [unowned self] in
            guard self.phase != .finished else { return }
            self.checkWatchedFiles()
            self.scheduleWatching()
        }
    }

    func checkWatchedFiles() {
        let userChanges = userWatcher.changes()
        let packageChanges = packageWatcher?.changes() ?? []
        guard !userChanges.isEmpty || !packageChanges.isEmpty else { return }
        // Debounce: editors write in several steps; act once things settle.
        if let pendingReload { loop.cancel(pendingReload) }
        let full = !packageChanges.isEmpty
        let bindsFileChanged = options.bindsFile.map { f in userChanges.contains(f) } ?? false
        for path in (packageChanges + userChanges).prefix(5) { log.info("changed: \(path)") }
        pendingReload = loop.schedule(after: .milliseconds(300)) { [unowned self] in
            self.pendingReload = nil
            if bindsFileChanged { self.reloadBindsFile() }
            if full || userChanges.contains(where: { $0 != self.options.bindsFile }) {
                self.reload(fullConfig: full, packageFiles: full)
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
