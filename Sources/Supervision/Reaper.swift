import CSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one place that waits for children.
///
/// On every SIGCHLD (and as a fallback on every loop turn) it calls
/// `waitpid(-1, WNOHANG)` until nothing is left, hands each status to whoever
/// registered that pid (service, hook, health check), and silently reaps
/// everything else: orphans re-parented to roost as PID 1 or subreaper.
/// SIGCHLD signals coalesce, so looping until `waitpid` returns 0 or ECHILD
/// is what guarantees that no status is lost when many children exit at once.
public final class Reaper {
    /// Registered children and their handlers: a short array, not a
    /// dictionary by pid (see `EventLoop.running`).
    private var watchers: [(pid: pid_t, handler: (ExitStatus) -> Void)] = []

    /// How many unregistered processes (orphans) were reaped so far.
    public private(set) var orphansReaped = 0
    /// Called for each reaped orphan (e.g. for a debug log line).
    public var onOrphan: ((pid_t, ExitStatus) -> Void)?

    public init() {}

    /// Makes orphaned descendants re-parent to this process instead of the
    /// real PID 1, so roost reaps them when it is not PID 1 itself (a no-op
    /// need when it is). Not inherited by children.
    public static func becomeSubreaper() throws(SystemError) {
        if roost_set_child_subreaper(1) != 0 {
            throw SystemError("prctl(PR_SET_CHILD_SUBREAPER)", errno: errno)
        }
    }

    /// True when this process is PID 1 or a child subreaper.
    public static var reapsOrphans: Bool {
        getpid() == 1 || roost_is_child_subreaper() == 1
    }

    /// Routes the exit status of `pid` to `handler` (called once).
    func watch(_ pid: pid_t, _ handler: @escaping (ExitStatus) -> Void) {
        watchers.append((pid, handler))
    }

    /// Number of registered children not yet reaped.
    var watchedCount: Int { watchers.count }

    /// Reaps every child that has exited. Handlers run as statuses are
    /// collected; they may spawn new children, which are watched before
    /// `waitpid` can return them.
    func reapAll() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid == 0 { return }  // children exist, none has exited
            if pid < 0 {
                if errno == EINTR { continue }
                return  // ECHILD: no children at all
            }
            let exit = ExitStatus(waitStatus: status)
            if let index = watchers.firstIndex(where: { $0.pid == pid }) {
                watchers.remove(at: index).handler(exit)
            } else {
                orphansReaped += 1
                onOrphan?(pid, exit)
            }
        }
    }
}
