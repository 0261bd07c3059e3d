#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// Finds out which bind members are reachable: resolves every host (a name
/// may give several addresses, each a member) and opens TCP connections to
/// all of them at once, with one deadline. With an HTTP check path, a member
/// is alive only when `GET path` answers 2xx or 3xx.
///
/// This blocks for up to `timeout`; the supervisor runs it in a child process
/// (`roost binds probe`) so PID 1 never blocks on DNS or connects.
public enum BindProbe {
    public static func probe(_ binds: BindSet, timeoutMilliseconds: Int32 = 2000) -> [MemberStatus] {
        var statuses: [MemberStatus] = []
        var attempts: [Attempt] = []
        for entry in binds.entries {
            for member in entry.spec.members {
                let addresses = resolve(member.host)
                if addresses.isEmpty {
                    statuses.append(MemberStatus(bind: entry.spec.name, host: member.host, address: nil,
                                                 port: member.port, alive: false, reason: "name does not resolve"))
                    continue
                }
                for address in addresses {
                    let status = MemberStatus(bind: entry.spec.name, host: member.host, address: address.text,
                                              port: member.port, alive: member.port == nil, reason: member.port == nil ? "resolved" : "")
                    if let port = member.port {
                        attempts.append(Attempt(index: statuses.count, address: address, port: port,
                                                httpPath: entry.spec.httpCheckPath, hostHeader: member.host))
                    }
                    statuses.append(status)
                }
            }
        }
        for (index, result) in connectAll(attempts, timeoutMilliseconds: timeoutMilliseconds) {
            statuses[index].alive = result == nil
            statuses[index].reason = result ?? "reachable"
        }
        return statuses
    }

    struct Address: Hashable {
        var family: Int32
        var bytes: [UInt8]
        var text: String
    }

    /// A numeric IPv4 or IPv6 address ("127.0.0.1", "::1"); nil for a name.
    static func numericAddress(_ text: String) -> Address? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return Address(family: AF_INET, bytes: withUnsafeBytes(of: &v4) { Array($0) }, text: text)
        }
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return Address(family: AF_INET6, bytes: withUnsafeBytes(of: &v6) { Array($0) }, text: text)
        }
        return nil
    }

    struct Attempt {
        var index: Int
        var address: Address
        var port: Int
        var httpPath: String?
        var hostHeader: String
    }

    /// Every distinct IPv4 and IPv6 address of `host` (in resolver order).
    static func resolve(_ host: String) -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [Address] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            if let sa = n.pointee.ai_addr {
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                var bytes: [UInt8] = []
                if n.pointee.ai_family == AF_INET {
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var a = sin.pointee.sin_addr
                        bytes = withUnsafeBytes(of: &a) { Array($0) }
                        inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
                    }
                } else if n.pointee.ai_family == AF_INET6 {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                        var a = sin.pointee.sin6_addr
                        bytes = withUnsafeBytes(of: &a) { Array($0) }
                        inet_ntop(AF_INET6, &a, &text, socklen_t(text.count))
                    }
                }
                if !bytes.isEmpty {
                    let address = Address(family: n.pointee.ai_family, bytes: bytes,
                                          text: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                    if !out.contains(address) { out.append(address) }
                }
            }
            node = n.pointee.ai_next
        }
        return out
    }

    /// Non-blocking connects (and HTTP checks) to every attempt; returns, per
    /// attempt index, nil for success or the reason of failure.
    static func connectAll(_ attempts: [Attempt], timeoutMilliseconds: Int32) -> [(Int, String?)] {
        struct Pending { var attempt: Attempt; var fd: Int32; var sent = false; var response: [UInt8] = [] }
        var results: [(Int, String?)] = []
        var pending: [Pending] = []
        for attempt in attempts {
            let fd = socket(attempt.address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { results.append((attempt.index, "socket: \(errnoText())")); continue }
            let rc = withSockaddr(attempt.address, port: attempt.port) { connect(fd, $0, $1) }
            if rc == 0 || errno == EINPROGRESS {
                pending.append(Pending(attempt: attempt, fd: fd))
            } else {
                results.append((attempt.index, errnoText()))
                close(fd)
            }
        }
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        while !pending.isEmpty {
            let remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 { break }
            var fds = pending.map { p in
                pollfd(fd: p.fd, events: Int16(p.sent ? POLLIN : POLLOUT), revents: 0)
            }
            let n = poll(&fds, nfds_t(fds.count), Int32(remaining))
            if n < 0 && errno != EINTR { break }
            var next: [Pending] = []
            for (i, var p) in pending.enumerated() {
                let revents = fds[i].revents
                if revents == 0 { next.append(p); continue }
                if !p.sent {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err != 0 {
                        results.append((p.attempt.index, String(cString: strerror(err))))
                        close(p.fd)
                        continue
                    }
                    guard let path = p.attempt.httpPath else {
                        results.append((p.attempt.index, nil))
                        close(p.fd)
                        continue
                    }
                    let request = Array("GET \(path) HTTP/1.0\r\nHost: \(p.attempt.hostHeader)\r\nUser-Agent: roost\r\n\r\n".utf8)
                    _ = request.withUnsafeBytes { send(p.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    p.sent = true
                    next.append(p)
                } else {
                    var buffer = [UInt8](repeating: 0, count: 512)
                    let got = buffer.withUnsafeMutableBytes { recv(p.fd, $0.baseAddress, $0.count, 0) }
                    if got > 0 { p.response += buffer[0..<got] }
                    if got <= 0 || p.response.contains(UInt8(ascii: "\n")) {
                        results.append((p.attempt.index, httpVerdict(p.response)))
                        close(p.fd)
                    } else {
                        next.append(p)
                    }
                }
            }
            pending = next
        }
        for p in pending {
            results.append((p.attempt.index, p.sent ? "no HTTP answer in time" : "timed out"))
            close(p.fd)
        }
        return results
    }

    /// nil for a 2xx/3xx status line, else why not.
    static func httpVerdict(_ response: [UInt8]) -> String? {
        let line = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            return line.isEmpty ? "connection closed without an HTTP answer" : "not an HTTP answer"
        }
        return (200..<400).contains(code) ? nil : "HTTP \(code)"
    }

    static func withSockaddr<R>(_ address: Address, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let networkPort = in_port_t(UInt16(port)).bigEndian
        if address.family == AF_INET {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = networkPort
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address.bytes) }
            return asSockaddr(&sin, body)
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = networkPort
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address.bytes) }
        return asSockaddr(&sin6, body)
    }

    /// A `sockaddr_in` or `sockaddr_in6` seen as the `sockaddr` and length
    /// that `connect` takes.
    static func asSockaddr<Storage, R>(_ storage: inout Storage, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Storage>.size)) }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
