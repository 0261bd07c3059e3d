#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// When and how fast a service that exited is started again.
///
/// Delays grow exponentially from `initialDelay` by `multiplier` per
/// consecutive restart, capped at `maximumDelay`, then shortened by a random
/// fraction of up to `jitter` (so a fleet restarting together spreads out). A
/// run that stayed up for `resetAfter`, or passed a health check, starts the
/// sequence over. With
/// `maxRestarts`, more than that many restarts within `window` gives up.
///
/// Habitat's defaults (min = max = 0 backoff, 300 s cooldown, no limit) are
/// `RestartPolicy(mode: .always, initialDelay: .zero, maximumDelay: .zero)`.
public struct RestartPolicy: Equatable, Sendable {
    public enum Mode: String, Equatable, Sendable, CaseIterable {
        /// Restart after a non-zero exit or a signal; a clean exit 0 ends it.
        case onFailure = "on-failure"
        /// Restart after any exit (Habitat: a run process never "finishes").
        case always
        /// Never restart.
        case never
    }

    public var mode: Mode
    public var initialDelay: Duration
    public var maximumDelay: Duration
    public var multiplier: Double
    /// 0 ... 1: the delay is multiplied by (1 - jitter * random), random in [0, 1).
    public var jitter: Double
    /// A run that lasted at least this long resets the backoff.
    public var resetAfter: Duration
    /// Give up instead of the (maxRestarts + 1)-th restart within `window`; nil: never.
    public var maxRestarts: Int?
    public var window: Duration

    public init(
        mode: Mode = .onFailure,
        initialDelay: Duration = .seconds(1),
        maximumDelay: Duration = .seconds(60),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        resetAfter: Duration = .seconds(300),
        maxRestarts: Int? = nil,
        window: Duration = .seconds(300)
    ) {
        self.mode = mode
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
        self.resetAfter = resetAfter
        self.maxRestarts = maxRestarts
        self.window = window
    }

    /// The delay before consecutive restart number `attempt` (1-based) for a
    /// random value in [0, 1).
    public func delay(attempt: Int, random: Double) -> Duration {
        let initial = initialDelay.seconds
        let cap = maximumDelay.seconds
        let exponent = Double(max(attempt, 1) - 1)
        let grown = initial * pow(multiplier, exponent)
        let capped = min(grown.isFinite ? grown : cap, cap)
        let jittered = capped * (1 - jitter * min(max(random, 0), 1))
        return .seconds(max(jittered, 0))
    }
}

/// What to do after the service exited.
public enum RestartDecision: Equatable, Sendable {
    /// Start it again after `after`; `attempt` counts consecutive restarts.
    case restart(after: Duration, attempt: Int)
    /// The policy does not restart this exit (`never`, or `on-failure` after exit 0).
    case finished(ExitStatus)
    /// Too many restarts: `restarts` already happened within `window`.
    case giveUp(ExitStatus, restarts: Int, window: Duration)
}

/// The state of a `RestartPolicy` for one service: consecutive failures and
/// recent restart times. Feed it every exit of the service.
public struct RestartTracker {
    public let policy: RestartPolicy
    /// Consecutive restarts since the last reset.
    public private(set) var attempt = 0
    private var restarts: [ContinuousClock.Instant] = []
    private let random: () -> Double

    /// `random` returns values in [0, 1); inject a fixed one in tests.
    public init(policy: RestartPolicy, random: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.policy = policy
        self.random = random
    }

    /// Decides what follows an exit after the process ran for `ranFor`;
    /// `healthy` says a health check passed during that run. Either a long
    /// run or a healthy one starts the backoff over (the restart window
    /// still counts every restart). A `.restart` is recorded at `now`.
    public mutating func decide(exit: ExitStatus, ranFor: Duration, healthy: Bool = false,
                                now: ContinuousClock.Instant = .now) -> RestartDecision {
        switch policy.mode {
        case .never: return .finished(exit)
        case .onFailure where exit.isSuccess: return .finished(exit)
        default: break
        }
        if ranFor >= policy.resetAfter || healthy { attempt = 0 }
        restarts.removeAll { now - $0 >= policy.window }
        if let limit = policy.maxRestarts, restarts.count >= limit {
            return .giveUp(exit, restarts: restarts.count, window: policy.window)
        }
        attempt += 1
        restarts.append(now)
        return .restart(after: policy.delay(attempt: attempt, random: random()), attempt: attempt)
    }

    /// Forgets the backoff (e.g. after a restart that a config change caused,
    /// which Habitat does immediately and without counting).
    public mutating func reset() {
        attempt = 0
        restarts.removeAll()
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
