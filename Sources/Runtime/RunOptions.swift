import Habitat
import Supervision

/// How `roost start` and `roost dev` run a service: everything beyond the
/// package and its config (`ServiceSettings`).
public struct RunOptions: Sendable {
    public enum Mode: Sendable { case start, dev }

    public var mode: Mode = .start
    public var settings = ServiceSettings()
    /// `--bind` values, as typed.
    public var bindOptions: [String] = []
    public var bindsFile: String?
    /// How long to wait for binds before starting (required: fail; optional: start without).
    public var bindTimeout: Duration = .seconds(60)
    /// How often members are probed again while the service runs.
    public var bindInterval: Duration = .seconds(10)
    public var restart: RestartPolicy.Mode = .onFailure
    /// Give up after this many restarts within `restartWindow`.
    public var maxRestarts = 5
    public var restartWindow: Duration = .seconds(300)
    /// Overrides the package's SHUTDOWN_TIMEOUT (default 8 s).
    public var shutdownTimeout: Duration?
    public var healthInterval: Duration = .seconds(30)
    public var healthTimeout: Duration = .seconds(30)
    /// Time limit of `init`.
    public var initTimeout: Duration = .seconds(600)
    /// Time limit of every other hook (post-run, reconfigure, post-stop).
    public var hookTimeout: Duration = .seconds(60)
    public var logFormat: Log.Format = .text
    /// Where to serve Habitat's health endpoints (`/services/<svc>/<group>/health`).
    public var httpListen: ListenAddress?
    /// How often watched files are checked.
    public var watchInterval: Duration = .seconds(2)

    public init() {}
}
