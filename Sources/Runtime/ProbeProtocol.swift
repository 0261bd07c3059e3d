import Habitat

/// The bind probe runs in a child process (`roost __probe-binds`) so that
/// PID 1 never blocks on DNS or connects. Requests and results cross as
/// tab-separated lines.
public enum ProbeProtocol {
    public static let requestVariable = "ROOST_PROBE_REQUEST"

    /// One line per member: `bind TAB port|- TAB httpPath|- TAB host`.
    public static func encode(_ binds: BindSet) -> String {
        binds.entries.flatMap { entry in
            entry.spec.members.map { m in
                [entry.spec.name, m.port.map(String.init) ?? "-", entry.spec.httpCheckPath ?? "-", m.host].joined(separator: "\t")
            }
        }.joined(separator: "\n")
    }

    public static func decodeRequest(_ text: String) -> BindSet {
        var specs: [String: BindSpec] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4 else { continue }
            if specs[f[0]] == nil {
                order.append(f[0])
                specs[f[0]] = BindSpec(name: f[0], members: [], httpCheckPath: f[2] == "-" ? nil : f[2], source: "probe")
            }
            // Ports outside 1…65535 are no port (roost never sends one; a
            // hand-made request must not trap the probe on UInt16(port)).
            let port = Int(f[1]).flatMap { (1...65535).contains($0) ? $0 : nil }
            specs[f[0]]!.members.append(.init(host: f[3], port: port))
        }
        return BindSet(entries: order.map { BindSet.Entry(spec: specs[$0]!, required: false, contract: [], portKey: "port") })
    }

    /// The child's whole job: probes the binds of a request and answers
    /// with the results.
    public static func answer(request: String) -> String {
        encode(BindProbe.probe(decodeRequest(request)))
    }

    /// `bind TAB host TAB address|- TAB port|- TAB 1|0 TAB reason`.
    public static func encode(_ statuses: [MemberStatus]) -> String {
        statuses.map { s in
            [s.bind, s.host, s.address ?? "-", s.port.map(String.init) ?? "-", s.alive ? "1" : "0",
             String(s.reason.map { $0 == "\t" || $0.isNewline ? " " : $0 })].joined(separator: "\t")
        }.joined(separator: "\n") + "\n"
    }

    public static func decodeResults(_ lines: [String]) -> [MemberStatus] {
        lines.compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6 else { return nil }
            return MemberStatus(bind: f[0], host: f[1], address: f[2] == "-" ? nil : f[2], port: Int(f[3]),
                                alive: f[4] == "1", reason: f[5])
        }
    }
}
