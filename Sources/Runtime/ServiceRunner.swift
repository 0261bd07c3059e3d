#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import SafeFiles
import Supervision

/// The lifecycle of one service, shared by `roost start` (PID 1 in a
/// container) and `roost dev` (a developer's folder): binds → render → init →
/// run → post-run and health checks, then signals, restarts and
/// reconfiguration until the service is stopped. Everything happens on one
/// thread, driven by `Supervision.EventLoop`; callbacks never overlap.
///
/// The states and their transitions live in `Lifecycle`; this class is its
/// driver: it turns processes, timers and signals into `Lifecycle.Event`s
/// and carries out the `Lifecycle.Effect`s it gets back.
public final class ServiceRunner {
    let options: RunOptions
    let loop: EventLoop
    let log: Log
    /// The loaded package, its layered config and the render context. The
    /// bind members the templates see live here only (`service.context.binds`).
    var service: LoadedService
    var templates: PackageTemplates
    /// Configured binds; replaced when the binds file changes.
    var binds: BindSet
    let identity: Identity?
    let layout: ServiceLayout

    var lifecycle: Lifecycle
    /// Events that arrived while effects were being carried out (handled in order).
    var pendingEvents: [Lifecycle.Event] = []
    var dispatching = false
    var serviceProcess: ChildProcess?
    var initProcess: ChildProcess?
    /// The post-stop hook while it runs (a second TERM/INT stops it).
    var postStopProcess: ChildProcess?
    var restartTimer: TimerHandle?
    var health: HealthChecker?
    var lastHealth: HealthRecord.Status?
    var userWatcher: FileWatcher
    var packageWatcher: FileWatcher?
    var bindProbeRunning = false
    var periodicProbeScheduled = false
    /// When the waiting for binds began (probe results carry the time since).
    var waitStarted = ContinuousClock.now
    /// Bumped whenever a service instance starts; stale callbacks compare it.
    var generation = 0
    var pendingReload: TimerHandle?
    /// The reconfigure hook is running; another change asked for one more run.
    var reconfigureRunning = false
    var reconfigureAgain = false
    var gateway: ChildProcess?
    /// The gateway's listening socket, bound at start and kept by PID 1.
    var gatewayListener: Int32?
    /// Restarts of the gateway in a row that ran less than a minute (backoff).
    var gatewayFailures = 0

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
        lifecycle = Lifecycle(restartTracker: RestartTracker(policy: RestartPolicy(
            mode: options.restart, initialDelay: .seconds(1), maximumDelay: .seconds(30), resetAfter: .seconds(60),
            maxRestarts: options.maxRestarts, window: options.restartWindow)), bindTimeout: options.bindTimeout)

        // `start` switches to the service user when it can; `dev` always runs
        // as whoever started it.
        if geteuid() == 0 && options.mode == .start {
            let user = service.context.serviceUser
            do {
                identity = try UserLookup.identity(user: user.user, group: user.group)
            } catch {
                let problem: String
                switch error.kind {
                case .noSuchUser(let name):
                    problem = "user '\(name)' does not exist; create it in the image (useradd --system \(name)) or set pkg_svc_user"
                case .noSuchGroup(let name):
                    problem = "group '\(name)' does not exist; create it in the image (groupadd --system \(name)) or set pkg_svc_group"
                case .system:
                    problem = error.description
                }
                throw HabitatError(.config, source: package.ident.description, "service user \(user.user):\(user.group): \(problem)")
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

    /// Sets up what supervising needs before anything is spawned: blocks the
    /// supervisor's signal set (they are then read from the loop's signalfd,
    /// never delivered asynchronously), opens the event loop, and makes roost
    /// a subreaper when it is not PID 1 so orphans are still reaped by it.
    /// A failure is internal (exit 70); the message says which step failed.
    public static func makeEventLoop() throws(SetupError) -> EventLoop {
        do {
            try SignalSet.supervisor.block()
        } catch {
            throw SetupError(description: "cannot set up signal handling: \(error)")
        }
        do {
            let loop = try EventLoop()
            if getpid() != 1 { try Reaper.becomeSubreaper() }
            return loop
        } catch {
            throw SetupError(description: "cannot set up supervision: \(error)")
        }
    }

    /// Signal handling or the event loop could not be set up (exit 70).
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        public var exitCode: Int32 { 70 }
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
        clearHealth()
        loop.onSignal = { [unowned self] signal in self.send(.signal(signal)) }
        if gatewayListener != nil { startGateway() }
        startWatching()
        // Once start-up, a health check, a reload… is over and a second has
        // passed quietly, the binary's pages it touched leave the resident set.
        if options.mode == .start { loop.whenIdle(after: .seconds(1)) { ExecutablePages.release() } }
        if binds.entries.isEmpty {
            send(.begin(waitForBinds: false))
        } else {
            send(.begin(waitForBinds: true))
            log.info("waiting for binds: " + binds.entries.map { e in
                "\(e.spec.name) (\(e.required ? "required" : "optional")) at " + e.spec.members.map { m in m.port.map { "\(m.host):\($0)" } ?? m.host }.joined(separator: ",")
            }.joined(separator: "; "))
            waitStarted = .now
            probeBinds()
        }
        _ = loop.run(until: { [unowned self] in self.lifecycle.isFinished })
        ServiceDirectories.removePID(layout: layout)
        return lifecycle.exitCode ?? 70
    }

    var isFinished: Bool { lifecycle.isFinished }

    /// The HTTP health endpoints, served by a child process (`__http-gateway`)
    /// that gets the listening socket as its stdin and reads the state this
    /// runner keeps in the service directory. A gateway that dies is started
    /// again on the same socket, after 1, 2, 4 … 30 s when it keeps dying.
    func startGateway(first: Bool = true) {
        guard let listener = gatewayListener, let address = options.httpListen, !isFinished else { return }
        let spec = ProcessSpec(executable: "/proc/self/exe",
                               arguments: ["__http-gateway", address.description, service.package.name,
                                           options.settings.group, options.settings.svcRoot],
                               environment: options.settings.environment, output: .inherit, standardInput: listener)
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
        guard !isFinished else { return }
        gatewayFailures = ranFor > .seconds(60) ? 1 : gatewayFailures + 1
        let delay = Duration.seconds(min(30, 1 << min(gatewayFailures - 1, 5)))
        log.error("the HTTP gateway on \(options.httpListen?.description ?? "?") stopped\(status.map { ": \($0)" } ?? ""); restarting it in \(Int(delay.seconds)) s")
        loop.schedule(after: delay) { [unowned self] in self.startGateway(first: false) }
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

    /// The first render; the periodic bind probe starts with it.
    func renderInitial() -> Bool {
        guard renderAndWrite(report: false) != nil else { return false }
        schedulePeriodicBindProbe()
        return true
    }

    /// The init hook; `.hookFinished(.initialize, …)` when it ends (at once,
    /// successful, when the package has none).
    func runInit() {
        guard templates.hasHook(Hook.initialize.fileName) else { return send(.hookFinished(.initialize, HookOutcome(status: .exited(0)))) }
        runHook(.initialize, timeout: options.initTimeout, keepProcess: true) { [unowned self] result in
            self.initProcess = nil
            let outcome = HookOutcome(result)
            if case .initializing(nil) = self.lifecycle.state, !outcome.isSuccess {
                self.log.error("init failed" + (result.map { ": \($0.status)" } ?? "") + (result?.timedOut == true ? " (timed out after \(Int(self.options.initTimeout.seconds)) s)" : ""))
                for line in result?.output.suffix(10) ?? [] { self.log.error("  init: \(line.text)") }
            }
            self.send(.hookFinished(.initialize, outcome))
        }
    }

    var serviceEnvironment: [String: String] {
        var env = options.settings.environment
        for (k, v) in service.context.packageEnvironment {
            if case .string(let s) = v { env[k] = s }
        }
        env.removeValue(forKey: ProbeProtocol.requestVariable)
        // Hooks that call `roost` (the bundled example's init runs `roost
        // cert ensure`) find this roost even when it was started by path.
        if let directory = Self.roostDirectory {
            env["PATH"] = RenderContext.mergedPATH([env["PATH"] ?? "", directory])
        }
        return env
    }

    /// The directory of the running roost binary (nil when unknown).
    static let roostDirectory: String? = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let directory = AtomicFile.parentDirectory(path)
        return directory.hasPrefix("/") ? directory : nil
    }()

    /// The program that is the service: the rendered run hook, the package's
    /// run script, or a script made from a plan's `pkg_svc_run`.
    func runExecutable() throws(RuntimeError) -> String {
        if templates.hasHook(Hook.run.fileName) { return layout.runFile }
        if let runFile = service.package.runFile, let bytes = FileSystem.readBytes(runFile) {
            try AtomicWrite.writeIfChanged(bytes, to: layout.runFile, mode: 0o755)
            return layout.runFile
        }
        if let svcRun = service.package.svcRun {
            let script = "#!/bin/sh\n# Generated by roost from pkg_svc_run.\nexport HOME=\(layout.path(.data))\ncd \(layout.path)\nexec \(svcRun) 2>&1\n"
            try AtomicWrite.writeIfChanged(Array(script.utf8), to: layout.runFile, mode: 0o755)
            return layout.runFile
        }
        throw .config(path: service.package.directory, reason: "nothing to run: the package has no hooks/run and no pkg_svc_run")
    }

    func spawnService() {
        let executable: String
        do {
            executable = try runExecutable()
        } catch {
            log.error(error.description)
            return send(.serviceUnrunnable(code: error.exitCode))
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
            ServiceDirectories.writePID(child.pid, layout: layout)
            log.info("service started (pid \(child.pid)\(identity.map { ", as \($0)" } ?? ""))")
            send(.serviceStarted(pid: child.pid))
        } catch {
            // Like a shell's 126: found but could not be executed. It goes
            // through the restart policy like any other failed run.
            log.error("cannot start the service: \(error)")
            send(.serviceSpawnFailed(at: .now))
        }
    }

    func devPrefix(_ stream: String) -> String {
        guard isatty(1) == 1 else { return "\(service.package.name)(\(stream)): " }
        return "\u{1B}[\(stream == "E" ? "35" : "32")m\(service.package.name)(\(stream)):\u{1B}[0m "
    }

    /// post-run right after the service starts; a failure runs it again with
    /// a growing delay (1, 2, 4 … 30 s) while the same service instance runs.
    func startPostRun(generation mine: Int, attempt: Int) {
        guard templates.hasHook(Hook.postRun.fileName) else { return }
        runHook(.postRun, timeout: options.hookTimeout) { [unowned self] result in
            guard mine == self.generation, self.lifecycle.isRunning else { return }
            if let result, result.status.isSuccess { return }
            let delay = Duration.seconds(min(30, 1 << min(attempt - 1, 5)))
            self.log.warn("post-run failed (\(result.map { "\($0.status)" } ?? "did not start")); again in \(Int(delay.seconds)) s")
            self.loop.schedule(after: delay) { [unowned self] in self.startPostRun(generation: mine, attempt: attempt + 1) }
        }
    }

    // MARK: Service exits

    /// The spawn callback: every exit of a service instance, including the
    /// ones a stop asked for (the lifecycle ignores those; the stop's own
    /// completion reports them).
    func serviceExited(_ result: ProcessResult, generation mine: Int) {
        guard mine == generation else { return }
        serviceProcess = nil
        ServiceDirectories.removePID(layout: layout)
        send(.serviceExited(result.status, ranFor: result.runtime, at: .now))
    }
}

extension String {
    /// A number with one decimal, without Foundation's `String(format:)`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
