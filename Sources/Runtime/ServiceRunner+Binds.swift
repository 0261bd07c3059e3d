#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import Supervision

/// Binds: probing members before the start and while the service runs, and
/// re-reading the binds file.
extension ServiceRunner {
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
        let problems = BindResolution.problems(binds, statuses: statuses)
        let groups = BindResolution.groups(binds, statuses: statuses)
        switch lifecycle.state {
        case .waitingForBinds:
            // As in Habitat, a bind is satisfied by one active member; the
            // others join when they answer (the periodic probe). A bind with
            // no reachable member is waited for, up to --bind-timeout.
            let waited = ContinuousClock.now - waitStarted
            let satisfied = Set(groups.map(\.name))
            let unsatisfied = problems.filter { !satisfied.contains($0.bind) }
            let ready = unsatisfied.isEmpty && !statuses.isEmpty
            guard ready || waited >= options.bindTimeout else {
                if ContinuousClock.now - lastProgress >= .seconds(5) {
                    lastProgress = .now
                    for p in unsatisfied {
                        log.info("waiting for bind \(p.bind) (\(Int(waited.seconds)) s of \(Int(options.bindTimeout.seconds))): \(p.detail)")
                    }
                }
                loop.schedule(after: .seconds(1)) { [unowned self] in self.probeBinds() }
                return
            }
            if ready {
                log.info("binds ready after \(Int(waited.seconds)) s")
            } else {
                let required = unsatisfied.filter(\.required)
                if !required.isEmpty {
                    for p in required { log.error("required bind \(p.bind): no member reachable after \(Int(waited.seconds)) s: \(p.detail)") }
                    return send(.bindsFailed)
                }
                for p in unsatisfied { log.warn("optional bind \(p.bind): no member reachable after \(Int(waited.seconds)) s; starting without it: \(p.detail)") }
            }
            for p in problems where satisfied.contains(p.bind) {
                log.warn("bind \(p.bind): starting without the members that do not answer yet: \(p.detail)")
            }
            service.context.binds = groups
            send(.bindsReady)
        case .finished, .stopping, .postStopAfterStop, .initializing(shutdown: .some):
            return
        default:
            // No statuses at all means the probe itself failed (it could not
            // start, or timed out): that says nothing about the members, so
            // the service keeps the ones it has rather than losing every bind.
            guard !statuses.isEmpty else {
                log.warn("the bind probe gave no result; keeping the current members")
                return
            }
            if groups != service.context.binds {
                log.info("bind membership changed: " + groups.map { g in "\(g.name)=[\(g.activeMembers.map(\.ip).joined(separator: ","))]" }.joined(separator: " "))
                service.context.binds = groups
                reload(fullConfig: false, packageFiles: false)
            }
        }
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
            if lifecycle.state != .waitingForBinds && !service.context.binds.isEmpty {
                service.context.binds = []
                reload(fullConfig: false, packageFiles: false)
            }
            return
        }
        if lifecycle.state != .waitingForBinds { schedulePeriodicBindProbe() }
        probeBinds()
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
