#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A process started by `EventLoop.spawn`. Its pid is also its process group
/// id: signals sent through the loop go to the whole group.
///
/// Not thread-safe: use it on the loop's thread only.
public final class ChildProcess {
    public let pid: pid_t
    public let spec: ProcessSpec
    /// When it was started (monotonic).
    public let startedAt: ContinuousClock.Instant
    /// Set once the reaper collected it.
    public internal(set) var status: ExitStatus?
    /// True when its timeout expired and the loop killed its process group.
    public internal(set) var timedOut = false

    let tail: LineTail
    var readers: [OutputReader] = []
    var timeoutTimer: TimerHandle?
    var stop: StopRequest?
    /// Dropped after the call, so closures capturing the child do not leak.
    var onExit: ((ProcessResult) -> Void)?

    init(pid: pid_t, spec: ProcessSpec, tail: LineTail, onExit: @escaping (ProcessResult) -> Void) {
        self.pid = pid
        self.spec = spec
        self.startedAt = .now
        self.tail = tail
        self.onExit = onExit
    }

    /// The process group the loop signals (same as `pid`).
    public var processGroup: pid_t { pid }

    /// True until the reaper has collected the process.
    public var isRunning: Bool { status == nil }

    /// The last lines kept so far (see `OutputOptions.keepLastLines`).
    public var recentOutput: [OutputLine] { tail.lines }
}

/// How a child ended, delivered once to the `onExit` of `EventLoop.spawn`.
public struct ProcessResult: Equatable, Sendable {
    public let pid: pid_t
    public let status: ExitStatus
    /// The loop killed it because its timeout expired.
    public let timedOut: Bool
    /// From spawn to reaping.
    public let runtime: Duration
    /// The last `keepLastLines` output lines, oldest first.
    public let output: [OutputLine]
}

/// The end of `EventLoop.stop`: how the process group went away.
public enum StopOutcome: Equatable, Sendable, CustomStringConvertible {
    /// Exited within the timeout after the stop signal.
    case exited(ExitStatus)
    /// Still there at the timeout; SIGKILL was sent to its process group.
    case killed(ExitStatus)
    /// Had already exited before `stop` was called.
    case alreadyExited(ExitStatus)

    public var status: ExitStatus {
        switch self {
        case .exited(let status), .killed(let status), .alreadyExited(let status): return status
        }
    }

    public var description: String {
        switch self {
        case .exited(let status): return "gracefully terminated (\(status))"
        case .killed(let status): return "killed after the shutdown timeout (\(status))"
        case .alreadyExited(let status): return "already exited (\(status))"
        }
    }
}

/// A graceful stop in progress.
final class StopRequest {
    var completions: [(StopOutcome) -> Void]
    var killTimer: TimerHandle?
    var pollTimer: TimerHandle?
    var sentKill = false

    init(completion: @escaping (StopOutcome) -> Void) { completions = [completion] }
}
