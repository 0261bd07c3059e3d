#if canImport(Glibc)
import Glibc
#endif
import Handlebars

/// The `sys` part of the render context (spec 2.2) for this container.
public struct SystemInfo: Sendable {
    public var version: String
    public var memberID: String
    public var ip: String
    public var hostname: String
    public var gossipIP = "0.0.0.0"
    public var gossipPort: Int64 = 9638
    public var httpGatewayIP = "0.0.0.0"
    public var httpGatewayPort: Int64 = 9631
    public var ctlGatewayIP = "127.0.0.1"
    public var ctlGatewayPort: Int64 = 9632
    public var permanent = false

    public init(version: String, memberID: String, ip: String, hostname: String) {
        self.version = version
        self.memberID = memberID
        self.ip = ip
        self.hostname = hostname
    }

    /// Discovers the host: `ip` (given, else the address the kernel would use
    /// to reach the outside, else 127.0.0.1), the hostname, and a member id that
    /// is stable for this hostname and service.
    public static func discover(ip: String?, hostname: String?, service: String, version: String) -> (SystemInfo, warning: String?) {
        let host = hostname ?? currentHostname() ?? "localhost"
        var warning: String?
        var address = ip
        if address == nil {
            address = outboundAddress()
            if address == nil {
                warning = "could not find this host's outbound address; sys.ip is 127.0.0.1 (set --sys-ip)"
            }
        }
        let info = SystemInfo(version: version, memberID: memberID(hostname: host, service: service),
                              ip: address ?? "127.0.0.1", hostname: host)
        return (info, warning)
    }

    public var value: Value {
        .object([
            "version": .string(version), "member_id": .string(memberID), "ip": .string(ip),
            "hostname": .string(hostname), "gossip_ip": .string(gossipIP), "gossip_port": .integer(gossipPort),
            "http_gateway_ip": .string(httpGatewayIP), "http_gateway_port": .integer(httpGatewayPort),
            "ctl_gateway_ip": .string(ctlGatewayIP), "ctl_gateway_port": .integer(ctlGatewayPort),
            "permanent": .bool(permanent),
        ])
    }

    static func currentHostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }

    /// The local address of a UDP socket "connected" to a public address. A
    /// UDP connect sends no packet; it only asks the kernel for a route.
    /// `HAB_OUTBOUND_IP_ADDR_LOOKUP_SOCKET_ADDR` is not consulted here.
    static func outboundAddress() -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(53).bigEndian
        remote.sin_addr.s_addr = inet_addr("8.8.8.8")
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// 32 lowercase hex characters derived from hostname and service, so a
    /// container keeps its id across restarts and two containers differ.
    public static func memberID(hostname: String, service: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
            for b in (hostname + "\u{0}" + service).utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
            return h
        }
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return hex(fnv(0)) + hex(fnv(0x9e37_79b9_7f4a_7c15))
    }
}
