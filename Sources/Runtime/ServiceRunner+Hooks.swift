#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import Supervision

/// Hooks and health checks.
extension ServiceRunner {
    // MARK: Hooks

    /// Runs a rendered hook if the package has it; `done(nil)` when it does
    /// not exist or could not start.
    @discardableResult
    func runHook(_ hook: Hook, timeout: Duration, keepProcess: Bool = false, done: @escaping (ProcessResult?) -> Void) -> ChildProcess? {
        let name = hook.fileName
        guard templates.hasHook(name) else { done(nil); return nil }
        let prefix = options.mode == .dev && isatty(1) == 1
            ? "\u{1B}[34m\(service.package.name) hook[\(name)]:\u{1B}[0m " : "\(service.package.name) hook[\(name)]: "
        let spec = ProcessSpec(
            executable: layout.path(.hooks) + "/" + name, environment: serviceEnvironment, workingDirectory: layout.path,
            identity: identity,
            output: .pipe(OutputOptions(stdoutPrefix: prefix, stderrPrefix: prefix, keepLastLines: 20,
                                        stdoutLogPath: "\(layout.path(.logs))/\(name).stdout.log",
                                        stderrLogPath: "\(layout.path(.logs))/\(name).stderr.log")))
        do {
            let child = try loop.spawn(spec, timeout: timeout) { [unowned self] result in
                // init reports its own failure (it ends roost); every other
                // hook's failure names the hook, its status and its last lines.
                if !hook.failureIsFatal && (result.timedOut || !result.status.isSuccess) {
                    let what = result.timedOut ? "timed out after \(Int(timeout.seconds)) s and was killed (\(result.status))" : "\(result.status)"
                    self.log.warn("hook \(name) \(what)" + (result.output.isEmpty ? ", no output" : "; its last lines:"))
                    for line in result.output.suffix(5) { self.log.warn("  \(name): \(line.text)") }
                }
                done(result)
            }
            if keepProcess { initProcess = child }
            return child
        } catch {
            log.error("hook \(name) could not start: \(error)")
            done(nil)
            return nil
        }
    }

    // MARK: Health

    func startHealthChecks() {
        health?.stop()
        let check: ProcessSpec? = templates.hasHook(Hook.healthCheck.fileName) ? ProcessSpec(
            executable: layout.path(.hooks) + "/health-check", environment: serviceEnvironment,
            workingDirectory: layout.path, identity: identity,
            output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: nil, keepLastLines: 5,
                                        stdoutLogPath: "\(layout.path(.logs))/health-check.stdout.log",
                                        stderrLogPath: "\(layout.path(.logs))/health-check.stderr.log"))) : nil
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
        if status == .ok && result.process != nil { send(.healthCheckPassed) }
        let summary = result.process?.output.last?.text ?? (result.spawnError.map { "\($0)" } ?? (result.process == nil ? (status == .ok ? "service is up" : "service is down") : ""))
        writeHealth(status, summary)
        if status != lastHealth {
            let message = "health: \(status.rawValue)" + (summary.isEmpty ? "" : " (\(summary))")
            if status == .ok { log.info(message) } else { log.warn(message) }
            lastHealth = status
        }
    }

    /// A record an earlier run left (a killed container, a kept volume) must
    /// not speak for this one. Without a record `roost health` and the
    /// gateway say unknown, "no check has finished yet": what a fresh record
    /// would say, for an `unlink` instead of a file written and renamed.
    func clearHealth() {
        unlink(layout.healthFile)
    }

    func writeHealth(_ status: HealthRecord.Status, _ summary: String) {
        let record = HealthRecord(status: status, checkedAt: HealthRecord.now(), summary: summary)
        try? AtomicWrite.write(Array(record.encoded.utf8), to: layout.healthFile, mode: 0o644, durable: false)
    }
}
