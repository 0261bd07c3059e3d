#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Supervision

/// Binds: spawning the probe child and scheduling probes. What the results
/// mean (keep waiting, ready, failed, members changed) is decided by
/// `Lifecycle` with `BindWait`.
extension ServiceRunner {
    // MARK: Binds

    /// Probes `binds` in the `__probe-binds` child, so PID 1 never blocks on
    /// DNS or connects; the results come back as `.bindsProbed`.
    func probeBinds(timeout: Duration = .seconds(15)) {
        guard !bindProbeRunning else { return }
        bindProbeRunning = true
        var env = options.settings.environment
        env[ProbeProtocol.requestVariable] = ProbeProtocol.encode(binds)
        let spec = ProcessSpec(executable: "/proc/self/exe", arguments: ["__probe-binds"], environment: env,
                               output: .pipe(OutputOptions(forwardStdout: nil, forwardStderr: STDERR_FILENO, keepLastLines: 10_000)))
        do {
            try loop.spawn(spec, timeout: timeout) { [unowned self] result in
                self.bindProbeRunning = false
                self.bindsProbed(ProbeProtocol.decodeResults(result.output.filter { $0.stream == .stdout }.map(\.text)))
            }
        } catch {
            bindProbeRunning = false
            log.error("cannot probe binds: \(error)")
            loop.schedule(after: .seconds(1)) { [unowned self] in self.bindsProbed([]) }
        }
    }

    func bindsProbed(_ statuses: [MemberStatus]) {
        send(.bindsProbed(BindResolution(binds, statuses: statuses), elapsed: .now - waitStarted, current: service.context.binds))
    }

    func schedulePeriodicBindProbe() {
        guard !binds.entries.isEmpty, !periodicProbeScheduled else { return }
        periodicProbeScheduled = true
        loop.schedule(after: options.bindInterval) { [unowned self] in self.periodicBindProbe() }
    }

    /// The binds file changed: read it again with the same contract checks
    /// as at start. A bad edit keeps the binds the service has; what a good
    /// one means is the lifecycle's decision.
    func reloadBindsFile() {
        do {
            binds = try BindSet.configure(package: service.package, options: options.bindOptions,
                                          environment: options.settings.environment, bindsFile: options.bindsFile)
        } catch {
            return log.error("\(error.description)\n  (the service keeps its current binds)")
        }
        send(.bindsFileRead(binds, current: service.context.binds))
    }

    func periodicBindProbe() {
        guard !isFinished, !binds.entries.isEmpty else {
            periodicProbeScheduled = false
            return
        }
        probeBinds(timeout: options.bindInterval)
        loop.schedule(after: options.bindInterval) { [unowned self] in self.periodicBindProbe() }
    }
}
