import Arguments
import Habitat
import Runtime
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// Options of `start` and `dev` beyond the package.
enum LifecycleOptions {
    /// The largest number of seconds any option takes (`UInt32.max`).
    static let maximumSeconds = Int(UInt32.max)

    static let options: [Option] = [
        .int("bind-timeout", valueName: "SECONDS", default: 60, help: "Seconds to wait for each bind to have a reachable member: then a required bind fails (exit 69), an optional one is left out."),
        .int("bind-interval", valueName: "SECONDS", default: 10, help: "Seconds between probes of bind members while the service runs."),
        .string("restart", valueName: "POLICY", default: "on-failure", help: "When the service exits on its own: on-failure, always or never."),
        .int("max-restarts", valueName: "N", default: 5, help: "Give up (exit with the service's status) after this many restarts within --restart-window."),
        .int("restart-window", valueName: "SECONDS", default: 300, help: "Window for --max-restarts."),
        .int("shutdown-timeout", valueName: "SECONDS", help: "Seconds between the shutdown signal and SIGKILL (default: the package's, else 8)."),
        .int("health-interval", valueName: "SECONDS", default: 30, help: "Seconds between health checks."),
        .int("health-timeout", valueName: "SECONDS", default: 30, help: "A health check running longer is killed and counts as critical."),
        .int("init-timeout", valueName: "SECONDS", default: 600, help: "Time limit of the init hook."),
        .int("hook-timeout", valueName: "SECONDS", default: 60, help: "Time limit of post-run, reconfigure and post-stop."),
        .string("http-listen", valueName: "ADDR:PORT", help: "Serve Habitat's /services/<svc>/<group>/health and /services on this address, IPv4 or [IPv6] (200 ok/warning, 503 critical, 500 unknown)."),
        .string("log-format", valueName: "FORMAT", help: "roost's own lines: text or json (also ROOST_LOG_FORMAT)."),
    ]

    /// What `start` and `dev` run: `settings` (made from `service`, with each
    /// command's defaults), the binds, and these options, checked.
    static func runOptions(_ arguments: ParsedArguments, mode: RunOptions.Mode, service: ServiceOptions,
                           settings: ServiceSettings) throws -> RunOptions {
        var options = RunOptions()
        options.mode = mode
        options.settings = settings
        options.bindOptions = service.binds
        options.bindsFile = service.effectiveBindsFile(settings.environment)
        let environment = settings.environment
        let restart = arguments.string("restart"), maxRestarts = arguments.int("max-restarts")
        let restartWindow = arguments.int("restart-window"), shutdownTimeout = arguments.optionalInt("shutdown-timeout")
        guard let mode = RestartPolicy.Mode(rawValue: restart) else {
            throw ValidationError("--restart must be on-failure, always or never (got '\(restart)')")
        }
        let format = arguments.optionalString("log-format") ?? environment["ROOST_LOG_FORMAT"] ?? "text"
        guard let log = Log.Format(rawValue: format) else {
            throw ValidationError("--log-format must be text or json (got '\(format)')")
        }
        // A number may start with '-' (it is never read as an option), so
        // the sign is checked here, with a message naming the range. Seconds
        // stop at 2^32 − 1, as Habitat's shutdown timeout (a u32) does: far
        // larger values overflowed the time arithmetic and crashed roost
        // when the timer or its log line came up (a SIGTERM, for
        // --shutdown-timeout).
        let seconds = ["bind-timeout", "bind-interval", "health-interval", "health-timeout", "init-timeout", "hook-timeout",
                       "restart-window"]
        for name in seconds where !(1...Self.maximumSeconds).contains(arguments.int(name)) {
            throw ValidationError("--\(name) must be a whole number of seconds from 1 to \(Self.maximumSeconds) (got \(arguments.int(name)))")
        }
        if maxRestarts < 0 { throw ValidationError("--max-restarts must be 0 or more") }
        if let shutdownTimeout, !(0...Self.maximumSeconds).contains(shutdownTimeout) {
            throw ValidationError("--shutdown-timeout must be a whole number of seconds from 0 to \(Self.maximumSeconds) (got \(shutdownTimeout))")
        }
        options.restart = mode
        options.logFormat = log
        if let httpListen = arguments.optionalString("http-listen") {
            do {
                options.httpListen = try ListenAddress(parsing: httpListen)
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.bindTimeout = .seconds(arguments.int("bind-timeout"))
        options.bindInterval = .seconds(arguments.int("bind-interval"))
        options.maxRestarts = maxRestarts
        options.restartWindow = .seconds(restartWindow)
        options.shutdownTimeout = shutdownTimeout.map { .seconds($0) }
        options.healthInterval = .seconds(arguments.int("health-interval"))
        options.healthTimeout = .seconds(arguments.int("health-timeout"))
        options.initTimeout = .seconds(arguments.int("init-timeout"))
        options.hookTimeout = .seconds(arguments.int("hook-timeout"))
        return options
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
enum StartCommand {
    static let command = Command(
        name: "start",
        abstract: "Run the service's whole lifecycle, as PID 1 in a container.",
        discussion: """
        Waits for binds, renders config and hooks into <svc-root>/<pkg>, runs init, \
        then the service, post-run and health checks. Reaps every zombie; forwards \
        every other signal it can catch to the service (QUIT, USR1, USR2, WINCH, ALRM, \
        real-time signals…; not PIPE, TTIN, TTOU or the fault signals, as tini); on TERM or INT stops it with the \
        package's shutdown signal and timeout and exits with its status (its code, or \
        128 + signal). HUP and changes to user.toml re-render: reconfigure if the \
        package has a reconfigure hook, restart otherwise.
        """,
        arguments: ServiceOptions.arguments,
        options: ServiceOptions.options + LifecycleOptions.options,
        run: run
    )

    static func run(_ arguments: ParsedArguments) throws {
        let service = ServiceOptions(arguments)
        runLifecycle(try LifecycleOptions.runOptions(arguments, mode: .start, service: service, settings: try service.settings()))
    }
}

/// `roost dev`: the same lifecycle in a local folder, watching files.
enum DevCommand {
    static let command = Command(
        name: "dev",
        abstract: "Run the service locally, re-rendering as you edit (no root, no /hab).",
        discussion: """
        Everything lives under ./.roost (service directories, rendered files, data that \
        survives restarts; user.toml in ./.roost/user/<pkg>/config/). Edits to \
        default.toml, config/, hooks/, user.toml or the binds file are rendered, shown \
        as a diff, and applied like `roost start` applies them. A template or TOML \
        error is shown and the running service is left as it was. Ctrl-C stops it.
        """,
        arguments: ServiceOptions.arguments,
        options: ServiceOptions.options + LifecycleOptions.options + [
            .string("root", valueName: "DIR", default: ".roost", help: "Folder for service directories and data."),
        ],
        run: run
    )

    static func run(_ arguments: ParsedArguments) throws {
        let service = ServiceOptions(arguments)
        let root = arguments.string("root")
        let absolute = FileSystem.absolute(root)
        var settings = try service.settings(defaultSvcRoot: absolute + "/svc", defaultUserRoot: absolute + "/user")
        if service.hostname == nil { settings.hostname = "localhost" }
        runLifecycle(try LifecycleOptions.runOptions(arguments, mode: .dev, service: service, settings: settings))
    }
}

/// The bind probe's child process (see `ProbeProtocol`).
enum ProbeBindsCommand {
    static let command = Command(name: "__probe-binds", isHidden: true) { _ in
        writeStdout(ProbeProtocol.answer(request: ProcessSpec.currentEnvironment()[ProbeProtocol.requestVariable] ?? ""))
    }
}

/// The HTTP gateway's child process (see `HealthGateway`).
enum HTTPGatewayCommand {
    /// The arguments are shown in `ps` only: the listening socket is stdin, bound by PID 1.
    static let command = Command(
        name: "__http-gateway", isHidden: true,
        arguments: [Positional("address"), Positional("service"), Positional("group"), Positional("svc-root")]
    ) { arguments in
        let service = arguments.argument("service")!, group = arguments.argument("group")!
        let layout = ServiceLayout(svcRoot: arguments.argument("svc-root")!, packageName: service)
        let problem = HealthGateway.serve(listener: 0, service: .init(name: service, group: group, layout: layout))
        writeStderr("roost: http gateway: \(problem)\n")
        throw ExitCode(78)
    }
}
