/// The result of one health check, as Habitat reports it.
public enum HealthStatus: Int32, Equatable, Sendable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; any other code or a signal is UNKNOWN.
    public init(exitStatus: ExitStatus) {
        if case .exited(let code) = exitStatus, let status = HealthStatus(rawValue: code) {
            self = status
        } else {
            self = .unknown
        }
    }

    /// Like `init(exitStatus:)`, except that a check killed at its timeout is
    /// CRITICAL (roost's addition: Habitat has no health-check timeout).
    public init(result: ProcessResult) {
        self = result.timedOut ? .critical : HealthStatus(exitStatus: result.status)
    }

    /// "OK", "WARNING", "CRITICAL", "UNKNOWN".
    public var description: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARNING"
        case .critical: return "CRITICAL"
        case .unknown: return "UNKNOWN"
        }
    }
}

/// When the next health check runs. Habitat's rules: the first right after
/// the service starts; after the first OK, a random splay in [0, interval);
/// then every `interval`; after any non-OK result, min(interval, 30 s).
///
/// roost's addition: while the service is young (no OK yet since `reset()`),
/// a failed check is retried after `youngRetry` (1 s), for about one interval,
/// so a container turns healthy about a second after its service answers
/// instead of a whole interval later. The Supervisor waits the full delay.
public struct HealthCheckSchedule: Equatable, Sendable {
    /// Normal period (Habitat's `--health-check-interval`, default 30 s). A
    /// zero or negative interval is treated as 1 s (Habitat would crash).
    public var interval: Duration
    /// Longest a check may run before its process group is killed; nil: no limit.
    public var timeout: Duration?
    /// Upper bound of the retry delay after a non-OK result.
    public var retryCap: Duration
    /// Retry delay after a non-OK result while no check has passed yet.
    public var youngRetry: Duration
    private var hadOK = false
    /// Quick retries left before the first OK: about one interval's worth.
    private var youngRetriesLeft = 0

    public init(interval: Duration = .seconds(30), timeout: Duration? = .seconds(30), retryCap: Duration = .seconds(30),
                youngRetry: Duration = .seconds(1)) {
        self.interval = interval > .zero ? interval : .seconds(1)
        self.timeout = timeout
        self.retryCap = retryCap
        self.youngRetry = youngRetry
        reset()
    }

    /// The delay before the check that follows `status`; `random` in [0, 1).
    public mutating func delay(after status: HealthStatus, random: Double) -> Duration {
        guard status == .ok else {
            let normal = min(interval, retryCap)
            if !hadOK && youngRetriesLeft > 0 && youngRetry < normal {
                youngRetriesLeft -= 1
                return youngRetry
            }
            return normal
        }
        if !hadOK {
            hadOK = true
            // In nanoseconds: `Duration * Double` converts through the
            // generic floating-point code (see `nanoseconds`).
            let splay = Double(Self.nanoseconds(interval)) * min(max(random, 0), 0.999_999)
            return .nanoseconds(Int64(splay))
        }
        return interval
    }

    /// Starts over (the service is young again: quick retries until it
    /// passes, then a splay), e.g. after a restart or reconfigure.
    public mutating func reset() {
        hadOK = false
        youngRetriesLeft = youngRetry > .zero
            ? Int(Self.nanoseconds(interval) / max(1, Self.nanoseconds(youngRetry))) : 0
    }

    /// Whole nanoseconds of a non-negative duration, at most `Int64.max`.
    /// Integer math on purpose: `Duration / Duration` and `Duration * Double`
    /// convert through the generic floating-point code, a handful of page
    /// faults at every start, and `Int(_:)` of such a quotient traps when it
    /// passes `Int.max`.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (total, carry) = whole.addingReportingOverflow(max(0, attoseconds) / 1_000_000_000)
        return carry ? .max : total
    }
}

/// One finished health check.
public struct HealthCheckResult: Equatable, Sendable {
    public let status: HealthStatus
    /// The check's process, when there is a check command and it started.
    public let process: ProcessResult?
    /// Why the check command could not start (status is then UNKNOWN).
    public let spawnError: SpawnError?
}

/// Runs a health check on a `HealthCheckSchedule` through an `EventLoop`.
///
/// Without a check command the result is OK while `isServiceUp()` and
/// CRITICAL otherwise (Habitat's behaviour without a health-check hook).
public final class HealthChecker {
    private let loop: EventLoop
    private let check: ProcessSpec?
    private var schedule: HealthCheckSchedule
    private let isServiceUp: () -> Bool
    private let onResult: (HealthCheckResult) -> Void
    private let random: () -> Double
    private var timer: TimerHandle?
    private var running: ChildProcess?
    /// Bumped by stop(): results of checks from an older round are dropped.
    private var generation = 0

    /// The latest result, nil before the first one.
    public private(set) var lastResult: HealthCheckResult?

    public init(
        loop: EventLoop,
        check: ProcessSpec?,
        schedule: HealthCheckSchedule,
        isServiceUp: @escaping () -> Bool,
        random: @escaping () -> Double = { Double.random(in: 0..<1) },
        onResult: @escaping (HealthCheckResult) -> Void
    ) {
        self.loop = loop
        self.check = check
        self.schedule = schedule
        self.isServiceUp = isServiceUp
        self.random = random
        self.onResult = onResult
    }

    /// True between start() and stop().
    public private(set) var isActive = false

    /// Starts checking: the first check runs on the next loop turn.
    public func start() {
        stop()
        isActive = true
        schedule.reset()
        timer = loop.schedule(after: .zero) { [weak self] in self?.runCheck() }
    }

    /// Stops checking; a check in flight is killed and its result dropped.
    public func stop() {
        isActive = false
        generation += 1
        if let timer { loop.cancel(timer) }
        timer = nil
        if let running { loop.signal(running, .kill) }
        running = nil
    }

    /// Checks again right away and restarts the schedule (after reconfigure).
    public func checkNow() { start() }

    private func runCheck() {
        timer = nil
        let round = generation
        guard let check else {
            finish(HealthCheckResult(status: isServiceUp() ? .ok : .critical, process: nil, spawnError: nil), round: round)
            return
        }
        do {
            running = try loop.spawn(check, timeout: schedule.timeout) { [weak self] result in
                guard let self, round == self.generation else { return }
                self.running = nil
                self.finish(HealthCheckResult(status: HealthStatus(result: result), process: result, spawnError: nil), round: round)
            }
        } catch {
            finish(HealthCheckResult(status: .unknown, process: nil, spawnError: error), round: round)
        }
    }

    private func finish(_ result: HealthCheckResult, round: Int) {
        guard round == generation, isActive else { return }
        lastResult = result
        let delay = schedule.delay(after: result.status, random: random())
        timer = loop.schedule(after: delay) { [weak self] in self?.runCheck() }
        onResult(result)
    }
}
