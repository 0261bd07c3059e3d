import Habitat

/// One bind probe's results resolved into what templates see and what to
/// report: a bind is present only when at least one member answered (as in
/// Habitat, where a bind without active members is absent), so
/// `{{#if bind.x}}…{{else}}…{{/if}}` falls back.
///
/// The one way to probe binds: `roost render` probes in its own process
/// (`probe`); `start` and `dev` probe in the `__probe-binds` child
/// (`ProbeProtocol`) so that PID 1 never blocks, and resolve its answer here.
public struct BindResolution: Equatable, Sendable {
    /// A bind that is not fully reachable: "backend: 10.0.0.5:8080 (connection refused)".
    public struct Problem: Equatable, Sendable {
        public var bind: String
        public var required: Bool
        public var detail: String

        public init(bind: String, required: Bool, detail: String) {
            self.bind = bind
            self.required = required
            self.detail = detail
        }
    }

    /// What the probe said of each member address.
    public var statuses: [MemberStatus]
    /// The binds with an active member, as templates see them.
    public var groups: [BoundGroup]
    /// One per bind with a member down, naming each such member and why.
    public var problems: [Problem]
    /// The binds without an active member, with what the probe said of them
    /// ("the probe gave no result" when it said nothing).
    public var unsatisfied: [Problem]

    /// Resolves `statuses`, the results of probing `binds`.
    public init(_ binds: BindSet, statuses: [MemberStatus]) {
        self.statuses = statuses
        groups = binds.entries.compactMap { entry in
            let group = entry.boundGroup(statuses: statuses)
            return group.activeMembers.isEmpty ? nil : group
        }
        problems = binds.entries.compactMap { entry in
            let down = statuses.filter { $0.bind == entry.spec.name && !$0.alive }
            guard !down.isEmpty else { return nil }
            return Problem(bind: entry.spec.name, required: entry.required,
                           detail: down.map { "\($0.endpoint) (\($0.reason))" }.joined(separator: ", "))
        }
        let satisfied = Set(groups.map(\.name))
        unsatisfied = binds.entries.filter { !satisfied.contains($0.spec.name) }.map { [problems] entry in
            problems.first { $0.bind == entry.spec.name }
                ?? Problem(bind: entry.spec.name, required: entry.required, detail: "the probe gave no result")
        }
    }

    /// Probes `binds` in this process and resolves the results. Blocks for
    /// up to `timeoutMilliseconds` (DNS and connects): never call it in PID 1.
    public static func probe(_ binds: BindSet, timeoutMilliseconds: Int32 = 2000) -> BindResolution {
        BindResolution(binds, statuses: binds.entries.isEmpty ? [] : BindProbe.probe(binds, timeoutMilliseconds: timeoutMilliseconds))
    }

    /// The probe itself failed (it could not start, or timed out): no
    /// results although there are binds. That says nothing about the members.
    public var gaveNoResult: Bool { statuses.isEmpty && !unsatisfied.isEmpty }

    /// A bind with members that do not answer, although another one does.
    public var partial: [Problem] {
        let satisfied = Set(groups.map(\.name))
        return problems.filter { satisfied.contains($0.bind) }
    }
}
