#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a process could not be started, with a message a user can act on.
/// The child never runs the program in that case, so there is no exit status.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step that failed.
    public enum Stage: Equatable, Sendable {
        /// Finding `executable` in `PATH`.
        case lookup
        /// Creating output pipes or opening log files (see `path`).
        case setup
        case fork
        /// setpgid / setsid in the child.
        case processGroup
        case supplementaryGroups
        case groupID
        case userID
        case workingDirectory
        case standardStreams
        case exec
    }

    /// The executable as given in the spec.
    public let executable: String
    public let stage: Stage
    public let errno: Int32
    /// The file involved when it is not the executable (directory, log file),
    /// or the PATH searched.
    public let path: String?
    /// The identity being switched to, for id stages.
    public let identity: Identity?
    /// For an exec refused with EACCES: the mount point of the `noexec` file
    /// system that holds the program, when that is the cause.
    public let noexecMount: String?

    public init(executable: String, stage: Stage, errno: Int32, path: String? = nil, identity: Identity? = nil,
                noexecMount: String? = nil) {
        self.executable = executable
        self.stage = stage
        self.errno = errno
        self.path = path
        self.identity = identity
        self.noexecMount = noexecMount
    }

    public var description: String {
        let reason = errnoDescription(errno)
        let subject = "cannot start \(executable)"
        switch stage {
        case .lookup:
            return "\(subject): not found in PATH=\(path ?? "")"
        case .setup:
            return "\(subject): \(path.map { "\($0): " } ?? "")\(reason)"
        case .fork:
            return "\(subject): fork failed: \(reason)"
        case .processGroup:
            return "\(subject): cannot create its process group: \(reason)"
        case .supplementaryGroups:
            return "\(subject): cannot set supplementary groups \(identity?.groups.map(String.init).joined(separator: ",") ?? ""): \(reason) (roost must run as root to switch users)"
        case .groupID:
            return "\(subject): cannot switch to group \(identity.map { $0.groupName ?? String($0.gid) } ?? ""): \(reason) (roost must run as root to switch users)"
        case .userID:
            return "\(subject): cannot switch to user \(identity.map { $0.userName ?? String($0.uid) } ?? ""): \(reason) (roost must run as root to switch users)"
        case .workingDirectory:
            return "\(subject): cannot change directory to \(path ?? "?"): \(reason)"
        case .standardStreams:
            return "\(subject): cannot set up stdin/stdout/stderr: \(reason)"
        case .exec:
            return "\(subject): \(reason)\(execHint)"
        }
    }

    /// What usually causes each execve error.
    private var execHint: String {
        switch errno {
        case ENOENT: return " (check the path; for a script, also the interpreter on its #! line)"
        case EACCES:
            if let noexecMount {
                return " (\(noexecMount) is mounted noexec: mount it with exec, e.g. docker run --tmpfs \(noexecMount):exec)"
            }
            return " (is it a regular file with execute permission? try chmod 0755)"
        case ENOEXEC: return " (not a binary this machine runs; a script needs a #! line)"
        case ETXTBSY: return " (the file is still open for writing)"
        default: return ""
        }
    }
}
