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
    /// Bit `n - 1` stands for signal `n` (Linux numbers them 1...64). A bit
    /// mask rather than a `Set<Signal>`: the first `Set` of a new element
    /// type makes the Swift runtime scan every protocol-conformance record of
    /// the binary (about 0.3 M instructions at each start).
    private var bits: UInt64 = 0

    public init(_ signals: some Sequence<Signal>) { for signal in signals { insert(signal) } }
    public init(arrayLiteral elements: Signal...) { self.init(elements) }

    /// Signals that report a fault of the thread that raised them, or that
    /// can never be caught: blocking a synchronous one (SEGV, BUS, ILL, FPE,
    /// TRAP, ABRT, SYS) would hide a crash of roost itself, KILL and STOP
    /// cannot be blocked. PIPE is ignored instead (a write returns EPIPE).
    /// TTIN and TTOU keep their default action, as in tini: forwarding them
    /// to the service's process group would stop it.
    public static let neverBlocked: SignalSet = [
        Signal(rawValue: SIGSEGV), Signal(rawValue: SIGBUS), Signal(rawValue: SIGILL),
        Signal(rawValue: SIGFPE), Signal(rawValue: SIGTRAP), Signal(rawValue: SIGABRT),
        Signal(rawValue: SIGSYS), .kill, .stop, .pipe,
        Signal(rawValue: SIGTTIN), Signal(rawValue: SIGTTOU),
    ]

    /// The signals roost acts on itself: TERM and INT (shut down), HUP
    /// (reload) and CHLD (the reaper's).
    public static let handled: SignalSet = [.term, .int, .hup, .chld]

    /// tini's rule: every signal except `neverBlocked`, up to the last
    /// real-time one. Blocked in every thread and read from a signalfd, so
    /// none of them keeps its default action (which, when roost is not PID 1,
    /// would terminate it on SIGPWR or a real-time signal).
    public static let supervisor = SignalSet((1..<roost_signal_limit()).lazy
        .map(Signal.init(rawValue:))
        .filter { !neverBlocked.contains($0) })

    /// The signals roost forwards to the service's process group: all it
    /// reads (`supervisor`) but those it acts on (`handled`).
    public static let forwarded = supervisor.subtracting(handled)

    /// The bit of `signal`, or 0 for a number outside 1...64.
    private static func bit(_ signal: Signal) -> UInt64 {
        (1...64).contains(signal.rawValue) ? 1 << UInt64(signal.rawValue - 1) : 0
    }

    public func contains(_ signal: Signal) -> Bool { bits & Self.bit(signal) != 0 }
    public mutating func insert(_ signal: Signal) { bits |= Self.bit(signal) }
    public func subtracting(_ other: SignalSet) -> SignalSet {
        var result = self
        result.bits &= ~other.bits
        return result
    }

    /// The signals in ascending order of their numbers.
    public func makeIterator() -> Iterator { Iterator(rest: bits) }

    public struct Iterator: IteratorProtocol {
        fileprivate var rest: UInt64

        public mutating func next() -> Signal? {
            guard rest != 0 else { return nil }
            let index = rest.trailingZeroBitCount
            rest &= rest - 1
            return Signal(rawValue: Int32(index + 1))
        }
    }

    /// The set as a C `sigset_t`.
    var cSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        // glibc refuses the two real-time signals it keeps for itself (32, 33).
        for signal in self { _ = sigaddset(&set, signal.rawValue) }
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
