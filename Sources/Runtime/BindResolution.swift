import Habitat

/// Turns probe results into what templates see: a bind is present only when
/// at least one member answered (as in Habitat, where a bind without active
/// members is absent), so `{{#if bind.x}}…{{else}}…{{/if}}` falls back.
public enum BindResolution {
    public static func groups(_ binds: BindSet, statuses: [MemberStatus]) -> [BoundGroup] {
        binds.entries.compactMap { entry in
            let group = entry.boundGroup(statuses: statuses)
            return group.activeMembers.isEmpty ? nil : group
        }
    }

    /// One line per bind that is not fully reachable: "backend: 10.0.0.5:8080 (connection refused)".
    public static func problems(_ binds: BindSet, statuses: [MemberStatus]) -> [(bind: String, required: Bool, detail: String)] {
        binds.entries.compactMap { entry in
            let mine = statuses.filter { $0.bind == entry.spec.name }
            let down = mine.filter { !$0.alive }
            guard !down.isEmpty else { return nil }
            let detail = down.map { "\($0.endpoint) (\($0.reason))" }.joined(separator: ", ")
            return (entry.spec.name, entry.required, detail)
        }
    }
}
