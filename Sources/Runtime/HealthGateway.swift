#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// Habitat's HTTP gateway endpoints for one service (spec 7.7), served by a
/// child process (`roost __http-gateway`) that reads the state roost keeps in
/// the service directory: PID 1 never blocks on a socket.
///
/// - `GET /services/<svc>/<group>/health`: `{"status", "stdout", "stderr"}`,
///   200 for OK and WARNING, 503 CRITICAL, 500 UNKNOWN, 404 other services.
/// - `GET /services`: a JSON array with this service.
/// - `HEAD` of either: the same status and headers, no body.
///
/// PID 1 binds the listening socket itself (`listen(on:)`), so a bad or busy
/// address is a startup error, and hands it to each gateway process as its
/// stdin: a restarted gateway serves the same socket, and connections that
/// arrive in between wait in the backlog.
public enum HealthGateway {
    public struct Service: Sendable {
        public var name: String
        public var group: String
        public var layout: ServiceLayout
        public init(name: String, group: String, layout: ServiceLayout) {
            self.name = name
            self.group = group
            self.layout = layout
        }
    }

    /// Limits that keep one client from starving the others (README "Limits").
    public enum Limits {
        /// Connections served at once; the oldest is dropped to admit a new one.
        public static let connections = 256
        /// Bytes of request line and headers.
        public static let requestBytes = 8192
        /// From accept to the last byte of the answer.
        public static let deadline = Duration.seconds(10)
        /// Of each of the health check's stdout and stderr, the last bytes shown.
        public static let outputBytes = 4096
    }

    // MARK: The listening socket (in PID 1)

    /// Opens a listening TCP socket on `address` (close-on-exec, so only the
    /// gateway process it is handed to gets it).
    public static func listen(on address: ListenAddress) throws(ListenAddress.Problem) -> Int32 {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address, String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard let ip = BindProbe.numericAddress(address.host), ip.family == family else {
            close(fd)
            throw .cannotListen(address, "not a numeric IP\(address.isIPv6 ? "v6" : "v4") address")
        }
        let bound = BindProbe.withSockaddr(ip, port: Int(address.port)) { bind(fd, $0, $1) }
        guard bound == 0, Glibc.listen(fd, SOMAXCONN) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotListen(address, reason)
        }
        return fd
    }

    // MARK: Serving (in the gateway process)

    /// One client connection: what it sent so far and what is left to send.
    final class Connection {
        let fd: Int32
        let deadline: ContinuousClock.Instant
        var request: [UInt8] = []
        var answer: [UInt8] = []
        var sent = 0
        var answering: Bool { !answer.isEmpty }
        init(fd: Int32, deadline: ContinuousClock.Instant) {
            self.fd = fd
            self.deadline = deadline
        }
    }

    /// Serves forever on the listening socket `listener` with one `poll`
    /// over every connection; returns only on an error of the listener.
    public static func serve(listener: Int32, service: Service) -> String {
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        var connections: [Connection] = []
        while true {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            for c in connections {
                fds.append(pollfd(fd: c.fd, events: Int16(c.answering ? POLLOUT : POLLIN), revents: 0))
            }
            let now = ContinuousClock.now
            let nearest = connections.map(\.deadline).min().map { max(.zero, $0 - now) } ?? .seconds(60)
            let millis = Int32(clamping: nearest.components.seconds * 1000 + nearest.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&fds, nfds_t(fds.count), millis)
            if ready < 0 && errno != EINTR { return "poll: \(String(cString: strerror(errno)))" }

            var closed = Set<Int32>()
            if ready > 0 {
                for (index, c) in connections.enumerated() where fds[index + 1].revents != 0 {
                    if !serviceConnection(c, service: service) { closed.insert(c.fd) }
                }
            }
            let after = ContinuousClock.now
            for c in connections where !closed.contains(c.fd) && c.deadline <= after { closed.insert(c.fd) }
            for fd in closed { close(fd) }
            connections.removeAll { closed.contains($0.fd) }

            if ready > 0 && fds[0].revents != 0 {
                if let problem = acceptAll(listener, into: &connections) { return problem }
            }
        }
    }

    /// Takes every pending connection; at the cap (or out of descriptors)
    /// the oldest connection is dropped to make room.
    static func acceptAll(_ listener: Int32, into connections: inout [Connection]) -> String? {
        while true {
            if connections.count >= Limits.connections {
                close(connections.removeFirst().fd)
            }
            let client = accept(listener, nil, nil)
            if client < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO: return nil
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    guard !connections.isEmpty else { return nil }
                    close(connections.removeFirst().fd)
                    continue
                default: return "accept: \(String(cString: strerror(errno)))"
                }
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            connections.append(Connection(fd: client, deadline: .now + Limits.deadline))
        }
    }

    /// Reads or writes what the connection is ready for. False: close it.
    static func serviceConnection(_ c: Connection, service: Service) -> Bool {
        if !c.answering {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(c.fd, &buffer, buffer.count, 0)
            if n == 0 { return false }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            c.request += buffer[0..<n]
            if let end = headerEnd(c.request) {
                c.answer = answer(to: Array(c.request[..<end]), service: service)
            } else if c.request.count > Limits.requestBytes {
                c.answer = Response(status: 431, body: "{\"error\":\"request headers larger than \(Limits.requestBytes) bytes\"}").bytes(head: false)
            } else {
                return true
            }
        }
        while c.sent < c.answer.count {
            let n = c.answer[c.sent...].withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            c.sent += n
        }
        shutdown(c.fd, Int32(SHUT_WR))
        return false
    }

    /// The offset just past the blank line ending the headers, if it came.
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 10 {
                if index + 1 < bytes.count && bytes[index + 1] == 10 { return index + 2 }
                if index + 2 < bytes.count && bytes[index + 1] == 13 && bytes[index + 2] == 10 { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    // MARK: Answers

    /// A status and a JSON body.
    public struct Response: Equatable, Sendable {
        public var status: Int
        public var body: String

        /// The reason phrase of each status the gateway sends (RFC 9110).
        public var reason: String {
            switch status {
            case 200: "OK"
            case 400: "Bad Request"
            case 404: "Not Found"
            case 405: "Method Not Allowed"
            case 431: "Request Header Fields Too Large"
            case 500: "Internal Server Error"
            case 503: "Service Unavailable"
            default: "Unknown"
            }
        }

        /// The whole HTTP/1.1 answer; for `HEAD` the same head without the body.
        func bytes(head: Bool) -> [UInt8] {
            var text = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n"
            if status == 405 { text += "Allow: GET, HEAD\r\n" }
            text += "\r\n"
            if !head { text += body }
            return Array(text.utf8)
        }
    }

    /// The answer to one request (request line and headers).
    static func answer(to request: [UInt8], service: Service) -> [UInt8] {
        let line = request.prefix { $0 != 13 && $0 != 10 }
        let parts = line.split(separator: 32)
        let method = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let path = parts.count >= 2 ? String(decoding: parts[1], as: UTF8.self) : ""
        return respond(method: method, path: path, wellFormed: parts.count == 3, service: service).bytes(head: method == "HEAD")
    }

    /// The status code and JSON body for one request.
    public static func respond(method: String, path: String, wellFormed: Bool = true, service: Service) -> Response {
        guard wellFormed, path.hasPrefix("/") else { return Response(status: 400, body: "{\"error\":\"bad request\"}") }
        guard method == "GET" || method == "HEAD" else { return Response(status: 405, body: "{\"error\":\"only GET and HEAD\"}") }
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let record = HealthRecord.read(service.layout.healthFile)
        let status = record?.status ?? .unknown
        if path == "/services" || path == "/services/" {
            let pid = FileSystem.readString(service.layout.pidFile).flatMap { Int($0) }
            let health = ["ok": "Ok", "warning": "Warning", "critical": "Critical", "unknown": "Unknown"][status.rawValue]!
            return Response(status: 200, body: "[{\"service\":\(quote(service.name)),\"group\":\(quote(service.group)),"
                + "\"process\":{\"pid\":\(pid.map(String.init) ?? "null"),\"state\":\"\(pid == nil ? "down" : "up")\"},"
                + "\"health_check\":\"\(health)\"}]")
        }
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count == 4 || segments.count == 5, segments[0] == "services", segments.last == "health" else {
            return Response(status: 404, body: "{\"error\":\"not found\"}")
        }
        guard segments[1] == service.name, segments[2] == service.group else {
            return Response(status: 404, body: "{\"error\":\"no such service\"}")
        }
        let out = tail(of: service.layout.path(.logs) + "/health-check.stdout.log", bytes: Limits.outputBytes)
        let err = tail(of: service.layout.path(.logs) + "/health-check.stderr.log", bytes: Limits.outputBytes)
        return Response(status: status.httpStatus,
                        body: "{\"status\":\"\(status.rawValue.uppercased())\",\"stdout\":\(quote(out)),\"stderr\":\(quote(err))}")
    }

    /// The last `bytes` bytes of a regular file (the service user writes the
    /// health check's logs: never follow a link, block on a FIFO or read a
    /// huge file whole). A cut UTF-8 sequence at the start is dropped.
    static func tail(of path: String, bytes limit: Int) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return "" }
        let start = max(0, Int(st.st_size) - limit)
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = pread(fd, &buffer, limit, off_t(start))
        guard n > 0 else { return "" }
        var slice = buffer[0..<n]
        if start > 0 { slice = slice.drop { $0 & 0xC0 == 0x80 } }
        return String(decoding: slice, as: UTF8.self)
    }

    static func quote(_ s: String) -> String {
        var out = ""
        JSONCodec.quote(s, into: &out)
        return out
    }
}

/// `--http-listen`'s `ADDR:PORT`: a numeric IPv4 address, or an IPv6 one in
/// brackets (`[::1]:9631`), and a port.
public struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    /// Why there is no gateway: a wrong option (exit 64) or an address that
    /// cannot be listened on (exit 78).
    public enum Problem: Error, CustomStringConvertible {
        case invalid(String)
        case cannotListen(ListenAddress, String)

        public var description: String {
            switch self {
            case .invalid(let text):
                "--http-listen '\(text)' must be ADDR:PORT with a numeric address (0.0.0.0:9631, [::]:9631) and a port 1-65535"
            case .cannotListen(let address, let reason):
                "--http-listen \(address): cannot listen: \(reason)"
            }
        }

        public var exitCode: Int32 {
            switch self {
            case .invalid: 64
            case .cannotListen: 78
            }
        }
    }

    public init(parsing text: String) throws(Problem) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw .invalid(text)
        }
        var host = String(text[..<colon])
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2
        if bracketed { host = String(host.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if !bracketed && inet_pton(AF_INET, host, &v4) == 1 {
            isIPv6 = false
        } else if bracketed && inet_pton(AF_INET6, host, &v6) == 1 {
            isIPv6 = true
        } else {
            throw .invalid(text)
        }
        self.host = host
        self.port = port
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
