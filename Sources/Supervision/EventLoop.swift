import CSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The single-threaded heart of supervision: one `poll()` over a signalfd,
/// the output pipes of running children and the earliest timer.
///
/// Everything happens on the thread that calls `run`: callbacks (`onSignal`,
/// `onExit`, timer actions, stop completions) are invoked from inside `run`,
/// never re-entrantly from the method that registered them, and may freely
/// call back into the loop (spawn, stop, schedule...). The class is not
/// `Sendable`; create and use it on one thread (roost's main thread).
///
/// Children are reaped only by the loop's `Reaper`; do not call `waitpid`
/// elsewhere, and use one loop per process (its reaper takes every child).
/// Do not call `run` from inside a callback.
public final class EventLoop {
    /// The one reaper: owns `waitpid(-1)`.
    public let reaper = Reaper()

    /// Called for every signal in the handled set except SIGCHLD (which the
    /// reaper consumes): termination requests and signals to forward.
    public var onSignal: ((Signal) -> Void)?

    /// Upper bound between two reaps while children are watched. Reaping is
    /// driven by SIGCHLD; this only matters when a thread that does not block
    /// SIGCHLD swallowed the signal.
    public var reapInterval: Duration = .seconds(1)

    /// How often a stop checks whether the stopped process group is gone
    /// once its leader exited (Habitat polls every 5 ms).
    public var groupPollInterval: Duration = .milliseconds(10)

    private let signalFD: Int32
    private var timers = TimerQueue()
    /// Children not yet reaped, in spawn order: an array, not a dictionary
    /// by pid (there are a handful at most, and the first dictionary keyed
    /// by `pid_t` cost the Swift runtime a scan of every conformance record
    /// at each start).
    private var running: [ChildProcess] = []
    /// Watched descriptors in the order they were first watched (an array:
    /// the idle loop walks it every turn, and no hashing or sorting keeps
    /// that turn's code small).
    private var readableWatches: [(fd: Int32, action: () -> Void)] = []
    /// `whenIdle`'s quiet time and action.
    private var idle: (quiet: Duration, action: () -> Void)?
    /// When the loop last handled something; nil once the idle action ran for it.
    private var lastActivity: ContinuousClock.Instant?

    /// Blocks `signals` (plus SIGCHLD) in the calling thread, opens a
    /// signalfd for them, and sets SIGPIPE to ignored (children get it back
    /// as default). Call `SignalSet.block()` earlier in `main`, before any
    /// thread starts, so no other thread can take these signals.
    public init(signals: SignalSet = .supervisor) throws(SystemError) {
        var handled = signals
        handled.insert(.chld)
        try handled.block()
        _ = roost_ignore_sigpipe()
        var set = handled.cSet
        let fd = roost_signalfd(&set)
        guard fd >= 0 else { throw SystemError("create signalfd", errno: errno) }
        signalFD = fd
    }

    deinit { close(signalFD) }

    /// Children started by this loop and not yet reaped.
    public var runningChildren: [ChildProcess] { running }

    // MARK: spawning

    /// Starts `spec` and calls `onExit` once, from `run`, after the reaper
    /// collected it and its pipes were drained.
    ///
    /// With a `timeout`, the child's whole process group gets SIGKILL when it
    /// is still running after that long (`ProcessResult.timedOut`). Output a
    /// background grandchild writes after the child exited is not read.
    @discardableResult
    public func spawn(
        _ spec: ProcessSpec,
        timeout: Duration? = nil,
        onExit: @escaping (ProcessResult) -> Void
    ) throws(SpawnError) -> ChildProcess {
        var tail = LineTail(capacity: 0)
        var readers: [OutputReader] = []
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }

        if case .pipe(let options) = spec.output {
            tail = LineTail(capacity: options.keepLastLines)
            for stream in [StandardStream.stdout, .stderr] {
                let logPath = stream == .stdout ? options.stdoutLogPath : options.stderrLogPath
                var logFD: Int32? = nil
                if let logPath {
                    let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                    guard fd >= 0 else {
                        throw SpawnError(executable: spec.executable, stage: .setup, errno: errno, path: logPath)
                    }
                    logFD = fd
                }
                var ends: [Int32] = [-1, -1]
                guard roost_pipe_cloexec(&ends) == 0 else {
                    let code = errno
                    if let logFD { close(logFD) }
                    throw SpawnError(executable: spec.executable, stage: .setup, errno: code, path: "pipe")
                }
                childEnds.append(ends[1])
                readers.append(OutputReader(
                    fd: ends[0],
                    stream: stream,
                    prefix: stream == .stdout ? options.stdoutPrefix : options.stderrPrefix,
                    forwardFD: stream == .stdout ? options.forwardStdout : options.forwardStderr,
                    logFD: logFD,
                    tail: tail))
            }
        }

        let pid = try launch(
            spec,
            stdout: childEnds.count == 2 ? childEnds[0] : -1,
            stderr: childEnds.count == 2 ? childEnds[1] : -1)

        let child = ChildProcess(pid: pid, spec: spec, tail: tail, onExit: onExit)
        child.readers = readers
        running.append(child)
        reaper.watch(pid) { [weak self] status in self?.childExited(child, status) }
        if let timeout {
            child.timeoutTimer = timers.schedule(at: .now + timeout) { [weak self] in
                self?.timeoutExpired(child)
            }
        }
        return child
    }

    // MARK: signalling and stopping

    /// Sends `signal` to the child's process group. Returns false when the
    /// child was already reaped or `kill` failed.
    @discardableResult
    public func signal(_ child: ChildProcess, _ signal: Signal) -> Bool {
        guard child.isRunning else { return false }
        return kill(-child.processGroup, signal.rawValue) == 0
    }

    /// Stops `child` gracefully: sends `signal` (then SIGCONT, so a stopped
    /// group can act on it) to its process group and waits up to `timeout`
    /// for the group to be gone; then sends SIGKILL to the group. `completion`
    /// runs (from `run`) once the child was reaped and no process of its
    /// group is left; `onExit` of the child still runs first, as usual.
    ///
    /// A second `stop` while one is in progress only adds its completion.
    public func stop(
        _ child: ChildProcess,
        signal: Signal = .term,
        timeout: Duration,
        completion: @escaping (StopOutcome) -> Void
    ) {
        if let status = child.status {
            schedule(after: .zero) { completion(.alreadyExited(status)) }
            return
        }
        if let request = child.stop {
            request.completions.append(completion)
            return
        }
        let request = StopRequest(completion: completion)
        child.stop = request
        _ = kill(-child.processGroup, signal.rawValue)
        if signal == .kill {
            request.sentKill = true
        } else if signal != .cont {
            _ = kill(-child.processGroup, SIGCONT)
        }
        request.killTimer = timers.schedule(at: .now + timeout) { [weak self] in
            self?.stopDeadlineReached(child)
        }
    }

    private func stopDeadlineReached(_ child: ChildProcess) {
        guard let request = child.stop else { return }
        request.killTimer = nil
        request.sentKill = true
        // The leader may already be reaped while group members linger; the
        // group id cannot be reused while any member exists.
        _ = kill(-child.processGroup, SIGKILL)
        checkStopFinished(child)
    }

    /// Completes a stop once the leader is reaped and its group is empty.
    private func checkStopFinished(_ child: ChildProcess) {
        guard let request = child.stop, let status = child.status else { return }
        if processGroupExists(child.processGroup) {
            if request.pollTimer == nil {
                request.pollTimer = timers.schedule(at: .now + groupPollInterval) { [weak self] in
                    request.pollTimer = nil
                    self?.checkStopFinished(child)
                }
            }
            return
        }
        if let timer = request.killTimer { timers.cancel(timer) }
        if let timer = request.pollTimer { timers.cancel(timer) }
        child.stop = nil
        let outcome: StopOutcome = request.sentKill ? .killed(status) : .exited(status)
        for completion in request.completions { completion(outcome) }
    }

    private func timeoutExpired(_ child: ChildProcess) {
        child.timeoutTimer = nil
        guard child.isRunning else { return }
        child.timedOut = true
        _ = kill(-child.processGroup, SIGKILL)
    }

    /// Called by the reaper for a child of this loop.
    private func childExited(_ child: ChildProcess, _ status: ExitStatus) {
        running.removeAll { $0 === child }
        if let timer = child.timeoutTimer {
            timers.cancel(timer)
            child.timeoutTimer = nil
        }
        // Whatever the child wrote before exiting is in the pipes now.
        for reader in child.readers {
            reader.readAvailable(budget: 1 << 20)
            reader.finish()
        }
        child.readers = []
        child.status = status
        let onExit = child.onExit
        child.onExit = nil
        onExit?(ProcessResult(
            pid: child.pid,
            status: status,
            timedOut: child.timedOut,
            runtime: .now - child.startedAt,
            output: child.tail.lines))
        checkStopFinished(child)
    }

    // MARK: other descriptors

    /// Calls `action` from `run` whenever `fd` is readable (or hung up) until
    /// `unwatchReadable(fd)`. The loop never reads `fd`: the action must
    /// drain it (keep it non-blocking), or it runs again on the next turn.
    public func watchReadable(_ fd: Int32, _ action: @escaping () -> Void) {
        if let index = readableWatches.firstIndex(where: { $0.fd == fd }) {
            readableWatches[index].action = action
        } else {
            readableWatches.append((fd, action))
        }
    }

    /// Stops watching `fd` (the caller still owns and closes it).
    public func unwatchReadable(_ fd: Int32) {
        readableWatches.removeAll { $0.fd == fd }
    }

    // MARK: timers

    /// Runs `action` from `run` after `delay` (monotonic clock).
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping () -> Void) -> TimerHandle {
        timers.schedule(at: .now + delay, action)
    }

    /// Cancels a pending timer; a timer that already fired is ignored.
    public func cancel(_ timer: TimerHandle) {
        timers.cancel(timer)
    }

    // MARK: idleness

    /// Calls `action` from `run` once the loop has handled nothing (no
    /// output, signal, readable descriptor or timer: the periodic reap check
    /// does not count) for `quiet`, counted from now or from the last thing
    /// it handled; then not again until something more was handled. For
    /// work that pays off only while nothing happens, such as giving back the
    /// memory a burst of activity touched. Replaces an earlier one.
    public func whenIdle(after quiet: Duration, _ action: @escaping () -> Void) {
        idle = (quiet, action)
        lastActivity = .now
    }

    // MARK: running

    /// Runs loop turns until `condition` is true (checked before each turn)
    /// or `timeout` has passed. Returns the last value of `condition`.
    @discardableResult
    public func run(until condition: () -> Bool, timeout: Duration? = nil) -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while !condition() {
            var maxWait: Duration? = nil
            if let deadline {
                let left = deadline - .now
                if left <= .zero { return condition() }
                maxWait = left
            }
            runOnce(maxWait: maxWait)
        }
        return true
    }

    /// One turn: waits (at most `maxWait`, or until the next timer) for
    /// output, signals or a timer, then handles what is ready in this order:
    /// output, signals (reaping first), timers.
    public func runOnce(maxWait: Duration? = nil) {
        var wait = maxWait
        if let idle, let last = lastActivity {
            let left = max(.zero, last + idle.quiet - .now)
            wait = wait.map { min($0, left) } ?? left
        }
        if let next = timers.earliestDeadline {
            let untilTimer = max(.zero, next - .now)
            wait = wait.map { min($0, untilTimer) } ?? untilTimer
        }
        if reaper.watchedCount > 0 {
            wait = wait.map { min($0, reapInterval) } ?? reapInterval
        }

        var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        var polledReaders: [OutputReader] = []
        for child in running {
            for reader in child.readers where reader.isOpen {
                fds.append(pollfd(fd: reader.fd, events: Int16(POLLIN), revents: 0))
                polledReaders.append(reader)
            }
        }
        // roost's own stdout/stderr with output waiting for a slow reader:
        // flushed when writable, never waited on.
        let consoles = [ConsoleOutput.standardOutput, ConsoleOutput.standardError].filter(\.hasPending)
        for console in consoles {
            fds.append(pollfd(fd: console.pollDescriptor, events: Int16(POLLOUT), revents: 0))
        }

        let firstWatch = fds.count
        let watched = readableWatches
        for watch in watched { fds.append(pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0)) }

        let ready = poll(&fds, nfds_t(fds.count), wait.map(Self.pollMilliseconds) ?? -1)
        if ready > 0 {
            for (index, console) in consoles.enumerated() where fds[1 + polledReaders.count + index].revents != 0 {
                console.flush()
            }
            for (index, reader) in polledReaders.enumerated() where fds[index + 1].revents != 0 {
                reader.readAvailable()
            }
            for child in running { child.readers.removeAll { !$0.isOpen } }
            for (index, watch) in watched.enumerated() where fds[firstWatch + index].revents != 0 {
                // Still watched (an earlier action may have unwatched it)?
                readableWatches.first { $0.fd == watch.fd }?.action()
            }
        }

        var signals: [Signal] = []
        if ready > 0 && fds[0].revents != 0 {
            while true {
                let number = roost_signalfd_read(signalFD)
                if number <= 0 { break }
                if number != SIGCHLD { signals.append(Signal(rawValue: number)) }
            }
        }
        // Every turn, not only on SIGCHLD: cheap, and it also collects the
        // lingering group members a stop is waiting for.
        reaper.reapAll()
        for signal in signals { onSignal?(signal) }

        let expired = timers.takeExpired(now: .now)
        for action in expired { action() }
        guard let idle else { return }
        if ready > 0 || !expired.isEmpty {
            lastActivity = .now
        } else if let last = lastActivity, .now - last >= idle.quiet {
            lastActivity = nil
            idle.action()
        }
    }

    /// A poll timeout in milliseconds, rounded up so a timer is never woken
    /// early and spun on.
    private static func pollMilliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }
}

/// True while any process (zombies included) is in process group `group`.
func processGroupExists(_ group: pid_t) -> Bool {
    kill(-group, 0) == 0 || errno == EPERM
}
