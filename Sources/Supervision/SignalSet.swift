import CSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A set of signals, and blocking them so a signalfd can read them instead.
///
/// A PID 1 with no handler silently ignores signals from the host (the kernel
/// drops them), but a *blocked* signal stays pending and a signalfd delivers
/// it. Signal masks are per thread and inherited by new threads, so block
/// the set at the very start of `main`, before anything starts a thread.
public struct SignalSet: Hashable, Sendable, ExpressibleByArrayLiteral, Sequence {
    public private(set) var signals: Set<Signal>

    public init(_ signals: some Sequence<Signal>) { self.signals = Set(signals) }
    public init(arrayLiteral elements: Signal...) { self.init(elements) }

    /// What roost handles: termination requests, the signals it forwards to
    /// the service (TERM INT QUIT HUP USR1 USR2 WINCH), CHLD for the reaper,
    /// and ALRM.
    public static let supervisor: SignalSet = [
        .term, .int, .quit, .hup, .usr1, .usr2, .winch, .chld, .alrm,
    ]

    /// The signals roost forwards to the service's process group by default.
    public static let forwarded: SignalSet = [.term, .int, .quit, .hup, .usr1, .usr2, .winch]

    public func contains(_ signal: Signal) -> Bool { signals.contains(signal) }
    public mutating func insert(_ signal: Signal) { signals.insert(signal) }
    public func makeIterator() -> Set<Signal>.Iterator { signals.makeIterator() }

    /// The set as a C `sigset_t`.
    var cSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal.rawValue) }
        return set
    }

    /// Blocks these signals in the calling thread (idempotent; threads created
    /// afterwards inherit the mask). Children started by `EventLoop.spawn`
    /// get an empty mask back.
    public func block() throws(SystemError) {
        var set = cSet
        if roost_block_signals(&set) != 0 { throw SystemError("block signals", errno: errno) }
    }
}
