import CSupport

/// How a process ended: its exit code, or the signal that killed it.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Signal)

    /// Decodes a `waitpid` status word.
    public init(waitStatus: Int32) {
        if roost_wifsignaled(waitStatus) != 0 {
            self = .signaled(Signal(rawValue: roost_wtermsig(waitStatus)))
        } else {
            self = .exited(roost_wexitstatus(waitStatus))
        }
    }

    /// The code a shell reports: the exit code, or 128 + signal number.
    /// roost exits with this when its service ends.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal.rawValue
        }
    }

    /// True for `exited(0)`.
    public var isSuccess: Bool { self == .exited(0) }

    /// "exited with status 3" or "killed by SIGTERM".
    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "killed by \(signal)"
        }
    }
}
