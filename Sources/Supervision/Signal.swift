#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX signal number with its conventional name ("TERM" for SIGTERM).
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    /// The signal number (`SIGTERM`, ...).
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let hup = Signal(rawValue: SIGHUP)
    public static let int = Signal(rawValue: SIGINT)
    public static let quit = Signal(rawValue: SIGQUIT)
    public static let kill = Signal(rawValue: SIGKILL)
    public static let usr1 = Signal(rawValue: SIGUSR1)
    public static let usr2 = Signal(rawValue: SIGUSR2)
    public static let pipe = Signal(rawValue: SIGPIPE)
    public static let alrm = Signal(rawValue: SIGALRM)
    public static let term = Signal(rawValue: SIGTERM)
    public static let chld = Signal(rawValue: SIGCHLD)
    public static let cont = Signal(rawValue: SIGCONT)
    public static let stop = Signal(rawValue: SIGSTOP)
    public static let winch = Signal(rawValue: SIGWINCH)

    /// Names without the `SIG` prefix, as `kill -l` prints them.
    private static let names: [(String, Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL),
        ("TRAP", SIGTRAP), ("ABRT", SIGABRT), ("BUS", SIGBUS), ("FPE", SIGFPE),
        ("KILL", SIGKILL), ("USR1", SIGUSR1), ("SEGV", SIGSEGV), ("USR2", SIGUSR2),
        ("PIPE", SIGPIPE), ("ALRM", SIGALRM), ("TERM", SIGTERM), ("STKFLT", SIGSTKFLT),
        ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP),
        ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG), ("XCPU", SIGXCPU),
        ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH),
        ("IO", SIGIO), ("PWR", SIGPWR), ("SYS", SIGSYS),
    ]

    /// Parses "TERM", "SIGTERM", "term" or a number such as "15" (how Habitat's
    /// `pkg_shutdown_signal` and `docker kill -s` spell signals).
    public init?(name: String) {
        var upper = name.uppercased()
        if let number = Int32(upper) {
            guard number > 0, number < 65 else { return nil }
            self.init(rawValue: number)
            return
        }
        if upper.hasPrefix("SIG") { upper.removeFirst(3) }
        guard let entry = Signal.names.first(where: { $0.0 == upper }) else { return nil }
        self.init(rawValue: entry.1)
    }

    /// The name without `SIG` ("TERM"), or the number for unnamed ones ("34").
    public var name: String {
        Signal.names.first(where: { $0.1 == rawValue })?.0 ?? String(rawValue)
    }

    /// "SIGTERM", or "signal 34" for unnamed (real-time) signals.
    public var description: String {
        if let entry = Signal.names.first(where: { $0.1 == rawValue }) { return "SIG" + entry.0 }
        return "signal \(rawValue)"
    }
}
