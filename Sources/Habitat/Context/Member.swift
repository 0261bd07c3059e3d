import Handlebars

/// One census member as templates see it (spec 2.6): used for `svc.me`,
/// `svc.members` and every member of a bind.
public struct Member: Sendable, Equatable {
    /// Health as the census knows it; exactly one of the four flags is true.
    public enum Health: String, Sendable { case alive, suspect, confirmed, departed }

    public var memberID: String
    public var ident: PackageIdent
    public var service: String
    public var group: String
    public var ip: String
    public var hostname: String
    public var health: Health = .alive
    /// Only the exported keys (spec 2.8), not the member's whole config.
    public var cfg: Object
    public var leader = false

    public init(memberID: String, ident: PackageIdent, service: String, group: String,
                ip: String, hostname: String, cfg: Object) {
        self.memberID = memberID
        self.ident = ident
        self.service = service
        self.group = group
        self.ip = ip
        self.hostname = hostname
        self.cfg = cfg
    }

    /// Alive or suspect members are "active" (listed in `members`).
    public var isActive: Bool { health == .alive || health == .suspect }

    public var value: Value {
        func opt(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        return .object([
            "member_id": .string(memberID),
            "pkg": .object(["origin": .string(ident.origin), "name": .string(ident.name),
                            "version": opt(ident.version), "release": opt(ident.release)]),
            "pkg_incarnation": .integer(1),
            "package": .string(ident.description),
            "service": .string(service),
            "group": .string(group),
            "org": .null,
            "persistent": .bool(true),
            "leader": .bool(leader),
            "follower": .bool(false),
            "update_leader": .bool(false),
            "update_follower": .bool(false),
            "election_is_running": .bool(false),
            "election_is_no_quorum": .bool(false),
            "election_is_finished": .bool(false),
            "update_election_is_running": .bool(false),
            "update_election_is_no_quorum": .bool(false),
            "update_election_is_finished": .bool(false),
            "sys": .object([
                "ip": .string(ip), "hostname": .string(hostname),
                "gossip_ip": .string(ip), "gossip_port": .integer(9638),
                "http_gateway_ip": .string(ip), "http_gateway_port": .integer(9631),
                "ctl_gateway_ip": .string("127.0.0.1"), "ctl_gateway_port": .integer(9632),
            ]),
            "alive": .bool(health == .alive),
            "suspect": .bool(health == .suspect),
            "confirmed": .bool(health == .confirmed),
            "departed": .bool(health == .departed),
            "cfg": .object(cfg),
        ])
    }
}

/// A bind as templates see it (spec 2.7): `first`, `leader`, `members`.
public struct BoundGroup: Sendable, Equatable {
    public var name: String
    /// Every known member, alive or not.
    public var members: [Member]

    public init(name: String, members: [Member]) {
        self.name = name
        self.members = members
    }

    /// Active members in member-id order, as the census lists them.
    public var activeMembers: [Member] {
        members.filter(\.isActive).sorted { $0.memberID < $1.memberID }
    }

    public var value: Value {
        let all = members.sorted { $0.memberID < $1.memberID }
        let leader = all.first(where: \.leader)
        let first = leader ?? all.first
        return .object([
            "first": first?.value ?? .null,
            "leader": leader?.value ?? .null,
            "members": .array(activeMembers.map(\.value)),
        ])
    }
}
