/// Identifies a scheduled timer so it can be cancelled.
public struct TimerHandle: Hashable, Sendable {
    let id: UInt64
}

/// One-shot timers on the monotonic clock. A plain array: roost has a
/// handful of timers at a time (health check, backoff, stop deadline...).
struct TimerQueue {
    private struct Entry {
        let handle: TimerHandle
        let deadline: ContinuousClock.Instant
        let action: () -> Void
    }

    private var entries: [Entry] = []
    private var nextID: UInt64 = 1

    mutating func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping () -> Void) -> TimerHandle {
        let handle = TimerHandle(id: nextID)
        nextID += 1
        entries.append(Entry(handle: handle, deadline: deadline, action: action))
        return handle
    }

    /// Returns true when the timer was still pending.
    @discardableResult
    mutating func cancel(_ handle: TimerHandle) -> Bool {
        guard let index = entries.firstIndex(where: { $0.handle == handle }) else { return false }
        entries.remove(at: index)
        return true
    }

    var earliestDeadline: ContinuousClock.Instant? { entries.map(\.deadline).min() }

    /// Removes and returns the actions due at `now`, earliest first (ties in
    /// scheduling order).
    mutating func takeExpired(now: ContinuousClock.Instant) -> [() -> Void] {
        let due = entries.enumerated()
            .filter { $0.element.deadline <= now }
            .sorted { ($0.element.deadline, $0.offset) < ($1.element.deadline, $1.offset) }
        guard !due.isEmpty else { return [] }
        entries.removeAll { $0.deadline <= now }
        return due.map(\.element.action)
    }
}
