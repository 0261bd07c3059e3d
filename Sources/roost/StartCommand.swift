import ArgumentParser
import Habitat
import Runtime
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// Options of `start` and `dev` beyond the package.
struct LifecycleOptions: ParsableArguments {
    @Option(name: .customLong("bind-timeout"), parsing: .unconditional, help: ArgumentHelp("Seconds to wait for each bind to have a reachable member: then a required bind fails (exit 69), an optional one is left out.", valueName: "SECONDS"))
    var bindTimeout: Int = 60

    @Option(name: .customLong("bind-interval"), parsing: .unconditional, help: ArgumentHelp("Seconds between probes of bind members while the service runs.", valueName: "SECONDS"))
    var bindInterval: Int = 10

    @Option(help: ArgumentHelp("When the service exits on its own: on-failure, always or never.", valueName: "POLICY"))
    var restart: String = "on-failure"

    @Option(name: .customLong("max-restarts"), parsing: .unconditional, help: ArgumentHelp("Give up (exit with the service's status) after this many restarts within --restart-window.", valueName: "N"))
    var maxRestarts: Int = 5

    @Option(name: .customLong("restart-window"), parsing: .unconditional, help: ArgumentHelp("Window for --max-restarts.", valueName: "SECONDS"))
    var restartWindow: Int = 300

    @Option(name: .customLong("shutdown-timeout"), parsing: .unconditional, help: ArgumentHelp("Seconds between the shutdown signal and SIGKILL (default: the package's, else 8).", valueName: "SECONDS"))
    var shutdownTimeout: Int?

    @Option(name: .customLong("health-interval"), parsing: .unconditional, help: ArgumentHelp("Seconds between health checks.", valueName: "SECONDS"))
    var healthInterval: Int = 30

    @Option(name: .customLong("health-timeout"), parsing: .unconditional, help: ArgumentHelp("A health check running longer is killed and counts as critical.", valueName: "SECONDS"))
    var healthTimeout: Int = 30

    @Option(name: .customLong("init-timeout"), parsing: .unconditional, help: ArgumentHelp("Time limit of the init hook.", valueName: "SECONDS"))
    var initTimeout: Int = 600

    @Option(name: .customLong("hook-timeout"), parsing: .unconditional, help: ArgumentHelp("Time limit of post-run, reconfigure and post-stop.", valueName: "SECONDS"))
    var hookTimeout: Int = 60

    @Option(name: .customLong("http-listen"), help: ArgumentHelp("Serve Habitat's /services/<svc>/<group>/health and /services on this address, IPv4 or [IPv6] (200 ok/warning, 503 critical, 500 unknown).", valueName: "ADDR:PORT"))
    var httpListen: String?

    @Option(name: .customLong("log-format"), help: ArgumentHelp("roost's own lines: text or json (also ROOST_LOG_FORMAT).", valueName: "FORMAT"))
    var logFormat: String?

    func apply(to options: inout RunOptions, environment: [String: String]) throws {
        guard let mode = RestartPolicy.Mode(rawValue: restart) else {
            throw ValidationError("--restart must be on-failure, always or never (got '\(restart)')")
        }
        let format = logFormat ?? environment["ROOST_LOG_FORMAT"] ?? "text"
        guard let log = Log.Format(rawValue: format) else {
            throw ValidationError("--log-format must be text or json (got '\(format)')")
        }
        for (name, value) in [("bind-timeout", bindTimeout), ("bind-interval", bindInterval), ("health-interval", healthInterval),
                              ("health-timeout", healthTimeout), ("init-timeout", initTimeout), ("hook-timeout", hookTimeout)]
        where value <= 0 {
            throw ValidationError("--\(name) must be a positive number of seconds")
        }
        // Numbers parse unconditionally (a negative one would otherwise read
        // as an option and fail with "Missing value"), so check the sign here.
        if restartWindow <= 0 { throw ValidationError("--restart-window must be a positive number of seconds") }
        if maxRestarts < 0 { throw ValidationError("--max-restarts must be 0 or more") }
        if let shutdownTimeout, shutdownTimeout < 0 { throw ValidationError("--shutdown-timeout must be 0 or more seconds") }
        options.restart = mode
        options.logFormat = log
        if let httpListen {
            do {
                options.httpListen = try ListenAddress(parsing: httpListen)
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.bindTimeout = .seconds(bindTimeout)
        options.bindInterval = .seconds(bindInterval)
        options.maxRestarts = maxRestarts
        options.restartWindow = .seconds(restartWindow)
        options.shutdownTimeout = shutdownTimeout.map { .seconds($0) }
        options.healthInterval = .seconds(healthInterval)
        options.healthTimeout = .seconds(healthTimeout)
        options.initTimeout = .seconds(initTimeout)
        options.hookTimeout = .seconds(hookTimeout)
    }
}

/// Runs the lifecycle and exits with its code. Signals are blocked before
/// anything else happens (they are read from a signalfd by the event loop),
/// so a SIGTERM that arrives early is never lost or ignored.
func runLifecycle(_ options: RunOptions) -> Never {
    let loop: EventLoop
    do {
        loop = try ServiceRunner.makeEventLoop()
    } catch {
        writeStderr("roost: \(error)\n")
        exit(error.exitCode)
    }
    let runner: ServiceRunner
    do {
        runner = try ServiceRunner(options: options, loop: loop)
    } catch {
        fail(error)
    }
    let code = runner.run()
    // Output still queued for a slow reader gets a short, bounded chance.
    ConsoleOutput.standardOutput.drain(milliseconds: 1000)
    ConsoleOutput.standardError.drain(milliseconds: 1000)
    exit(code)
}

/// `roost start`: the Docker ENTRYPOINT.
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        _superCommandName: "roost",   // named "roost start" in help when parsed as the root (see Roost.main)
        abstract: "Run the service's whole lifecycle, as PID 1 in a container.",
        discussion: """
        Waits for binds, renders config and hooks into <svc-root>/<pkg>, runs init, \
        then the service, post-run and health checks. Reaps every zombie; forwards \
        QUIT, USR1, USR2 and WINCH to the service; on TERM or INT stops it with the \
        package's shutdown signal and timeout and exits with its status (its code, or \
        128 + signal). HUP and changes to user.toml re-render: reconfigure if the \
        package has a reconfigure hook, restart otherwise.
        """,
        version: roostVersion
    )

    @OptionGroup var service: ServiceOptions
    @OptionGroup var lifecycle: LifecycleOptions

    func run() throws {
        var options = RunOptions()
        options.mode = .start
        options.settings = try service.settings()
        options.bindOptions = service.binds
        options.bindsFile = service.effectiveBindsFile
        try lifecycle.apply(to: &options, environment: options.settings.environment)
        runLifecycle(options)
    }
}

/// `roost dev`: the same lifecycle in a local folder, watching files.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        _superCommandName: "roost",   // named "roost dev" in help when parsed as the root (see Roost.main)
        abstract: "Run the service locally, re-rendering as you edit (no root, no /hab).",
        discussion: """
        Everything lives under ./.roost (service directories, rendered files, data that \
        survives restarts; user.toml in ./.roost/user/<pkg>/config/). Edits to \
        default.toml, config/, hooks/, user.toml or the binds file are rendered, shown \
        as a diff, and applied like `roost start` applies them. A template or TOML \
        error is shown and the running service is left as it was. Ctrl-C stops it.
        """,
        version: roostVersion
    )

    @OptionGroup var service: ServiceOptions
    @OptionGroup var lifecycle: LifecycleOptions

    @Option(help: ArgumentHelp("Folder for service directories and data.", valueName: "DIR"))
    var root: String = ".roost"

    func run() throws {
        var options = RunOptions()
        options.mode = .dev
        let absolute = root.hasPrefix("/") ? root : currentDirectory() + "/" + root
        options.settings = try service.settings(defaultSvcRoot: absolute + "/svc", defaultUserRoot: absolute + "/user")
        options.bindOptions = service.binds
        options.bindsFile = service.effectiveBindsFile
        try lifecycle.apply(to: &options, environment: options.settings.environment)
        if service.hostname == nil { options.settings.hostname = "localhost" }
        runLifecycle(options)
    }
}

func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The bind probe's child process (see `ProbeProtocol`).
struct ProbeBindsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__probe-binds", _superCommandName: "roost", shouldDisplay: false)

    func run() throws {
        writeStdout(ProbeProtocol.answer(request: processEnvironment()[ProbeProtocol.requestVariable] ?? ""))
    }
}

/// The HTTP gateway's child process (see `HealthGateway`).
struct HTTPGatewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__http-gateway", _superCommandName: "roost", shouldDisplay: false)

    /// Shown in `ps` only: the listening socket is stdin, bound by PID 1.
    @Argument var address: String
    @Argument var service: String
    @Argument var group: String
    @Argument var svcRoot: String

    func run() throws {
        let layout = ServiceLayout(svcRoot: svcRoot, packageName: service)
        let problem = HealthGateway.serve(listener: 0, service: .init(name: service, group: group, layout: layout))
        writeStderr("roost: http gateway: \(problem)\n")
        throw ExitCode(78)
    }
}
