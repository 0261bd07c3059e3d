#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Supervision

/// roost's own lines: short, prefixed, unbuffered (they interleave correctly
/// with the service's output), as JSON for log collectors, never a secret.
public final class Log {
    public enum Format: String, Sendable { case text, json }
    public enum Level: String, Sendable { case info, warn, error }

    public let format: Format
    public let service: String
    /// Color and a marker for people at a terminal (`roost dev`).
    public let styled: Bool

    public init(format: Format, service: String, styled: Bool = false) {
        self.format = format
        self.service = service
        self.styled = styled && isatty(2) == 1
    }

    public func info(_ message: String) { emit(.info, message) }
    public func warn(_ message: String) { emit(.warn, message) }
    public func error(_ message: String) { emit(.error, message) }

    public func emit(_ level: Level, _ message: String) {
        var line: String
        switch format {
        case .json:
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            let millis = Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
            line = "{\"ts\":\(millis),\"level\":\"\(level.rawValue)\",\"service\":\(Log.quote(service)),\"msg\":\(Log.quote(message))}\n"
        case .text:
            let tag = level == .info ? "" : "\(level.rawValue): "
            if styled {
                let color = level == .error ? "31" : level == .warn ? "33" : "36"
                line = "\u{1B}[1;\(color)mroost ▸\u{1B}[0m \(tag)\(message)\n"
            } else {
                line = "roost: \(tag)\(message)\n"
            }
        }
        Log.write(2, line)
    }

    /// `s` as a JSON string, quotes included.
    static func quote(_ s: String) -> String {
        var out = ""
        JSONCodec.quote(s, into: &out)
        return out
    }

    /// One write per line. roost's stdout and stderr go through
    /// `ConsoleOutput` (never blocking: buffered, and dropped lines counted,
    /// while nobody reads them); other descriptors are written whole.
    public static func write(_ fd: Int32, _ text: String) {
        if let console = ConsoleOutput.forDescriptor(fd) {
            console.write(text)
            return
        }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}
