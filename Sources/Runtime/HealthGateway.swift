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

    /// Serves forever on `address:port` (IPv4); returns only on a setup error.
    public static func serve(address: String, port: UInt16, service: Service) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { return "'\(address)' is not an IPv4 address" }
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { return "cannot listen on \(address):\(port): \(String(cString: strerror(errno)))" }
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { continue }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 2048)
            while request.count < 16384 && !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let n = recv(client, &buffer, buffer.count, 0)
                if n <= 0 { break }
                request += buffer[0..<n]
            }
            let (status, body) = respond(to: String(decoding: request, as: UTF8.self), service: service)
            let reason = [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"][status] ?? "OK"
            let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array((head + body).utf8)
            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    /// The status code and JSON body for one request line.
    public static func respond(to request: String, service: Service) -> (Int, String) {
        let line = request.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return (400, "{\"error\":\"bad request\"}") }
        guard parts[0] == "GET" else { return (405, "{\"error\":\"only GET\"}") }
        let path = parts[1].split(separator: "?").first.map(String.init) ?? ""
        let record = HealthRecord.read(service.layout.healthFile)
        let status = record?.status ?? .unknown
        if path == "/services" || path == "/services/" {
            let pid = FileSystem.readString(service.layout.pidFile).flatMap { Int($0) }
            let health = ["ok": "Ok", "warning": "Warning", "critical": "Critical", "unknown": "Unknown"][status.rawValue]!
            return (200, "[{\"service\":\(quote(service.name)),\"group\":\(quote(service.group)),"
                + "\"process\":{\"pid\":\(pid.map(String.init) ?? "null"),\"state\":\"\(pid == nil ? "down" : "up")\"},"
                + "\"health_check\":\"\(health)\"}]")
        }
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count == 4 || segments.count == 5, segments[0] == "services", segments.last == "health" else {
            return (404, "{\"error\":\"not found\"}")
        }
        guard segments[1] == service.name, segments[2] == service.group else {
            return (404, "{\"error\":\"no such service\"}")
        }
        let out = FileSystem.readString(service.layout.logsPath + "/health-check.stdout.log") ?? ""
        let err = FileSystem.readString(service.layout.logsPath + "/health-check.stderr.log") ?? ""
        return (status.httpStatus, "{\"status\":\"\(status.rawValue.uppercased())\",\"stdout\":\(quote(out)),\"stderr\":\(quote(err))}")
    }

    static func quote(_ s: String) -> String {
        var out = ""
        JSONCodec.quote(s, into: &out)
        return out
    }
}
