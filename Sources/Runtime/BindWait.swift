import Habitat

/// Waiting for binds before the start, and bind membership while the
/// service runs, as decisions on probe results. Pure: the elapsed time comes
/// in as an argument; the driver only spawns probes and schedules them.
///
/// As in Habitat, a bind is satisfied by one active member; the others join
/// when they answer (the periodic probe). A bind with no reachable member is
/// waited for, up to the bind timeout: then a required bind fails the start
/// (exit 69) and an optional one is left out.
public struct BindWait: Equatable, Sendable {
    /// One line for the log.
    public struct Line: Equatable, Sendable {
        public var level: Lifecycle.LogLevel
        public var text: String

        public init(_ level: Lifecycle.LogLevel, _ text: String) {
            self.level = level
            self.text = text
        }

        public var effect: Lifecycle.Effect { .log(level, text) }
    }

    /// What to do with one probe's results while waiting.
    public enum Decision: Equatable, Sendable {
        /// Not yet: log `lines` and probe again after `probeAgainAfter`.
        case wait(lines: [Line], probeAgainAfter: Duration)
        /// Start with these groups (the binds that have an active member).
        case ready(groups: [BoundGroup], lines: [Line])
        /// A required bind never answered.
        case failed(lines: [Line])
    }

    /// What a probe while the service runs means for the members it has.
    public enum MembershipChange: Equatable, Sendable {
        /// Nothing to do.
        case unchanged
        /// The probe gave no result: keep the current members, log `line`.
        case keep(line: Line)
        /// The members changed: use `groups` and render again.
        case changed(groups: [BoundGroup], line: Line)
    }

    /// How long to wait for binds (`--bind-timeout`).
    public let timeout: Duration
    /// How often the waiting is reported.
    public static let progressInterval: Duration = .seconds(5)
    /// How long after a probe the next one starts while waiting.
    public static let retryInterval: Duration = .seconds(1)
    /// Elapsed time at the last progress report.
    var lastProgress: Duration = .zero

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Decides on a probe's results, `elapsed` after the waiting began. A
    /// probe without results satisfies no bind. With no binds left (the
    /// binds file emptied) there is nothing to wait for.
    public mutating func probed(_ probe: BindResolution, elapsed: Duration) -> Decision {
        let waited = Int(elapsed.seconds)
        guard probe.unsatisfied.isEmpty || elapsed >= timeout else {
            var lines: [Line] = []
            if elapsed - lastProgress >= Self.progressInterval {
                lastProgress = elapsed
                lines = probe.unsatisfied.map { p in
                    Line(.info, "waiting for bind \(p.bind) (\(waited) s of \(Int(timeout.seconds))): \(p.detail)")
                }
            }
            return .wait(lines: lines, probeAgainAfter: Self.retryInterval)
        }
        var lines: [Line] = []
        if probe.unsatisfied.isEmpty {
            lines.append(Line(.info, "binds ready after \(waited) s"))
        } else {
            let required = probe.unsatisfied.filter(\.required)
            if !required.isEmpty {
                return .failed(lines: required.map { p in
                    Line(.error, "required bind \(p.bind): no member reachable after \(waited) s: \(p.detail)")
                })
            }
            lines += probe.unsatisfied.map { p in
                Line(.warn, "optional bind \(p.bind): no member reachable after \(waited) s; starting without it: \(p.detail)")
            }
        }
        lines += probe.partial.map { p in
            Line(.warn, "bind \(p.bind): starting without the members that do not answer yet: \(p.detail)")
        }
        return .ready(groups: probe.groups, lines: lines)
    }

    /// Decides on a probe's results while the service is up: `current` is
    /// what the templates see now.
    public static func membership(_ probe: BindResolution, current: [BoundGroup]) -> MembershipChange {
        // A probe that failed says nothing about the members, so the service
        // keeps the ones it has rather than losing every bind.
        guard !probe.gaveNoResult else {
            return .keep(line: Line(.warn, "the bind probe gave no result; keeping the current members"))
        }
        guard probe.groups != current else { return .unchanged }
        let shown = probe.groups.map { g in "\(g.name)=[\(g.activeMembers.map(\.ip).joined(separator: ","))]" }
        return .changed(groups: probe.groups, line: Line(.info, "bind membership changed: " + shown.joined(separator: " ")))
    }
}
