#if canImport(Glibc)
import Glibc
#endif
import Habitat

/// The result of the last health check, kept in `<svc>/var/roost-health` so
/// `roost health` (a Docker `HEALTHCHECK`, an ECS or Kubernetes probe) can
/// report it without talking to PID 1.
public struct HealthRecord: Sendable, Equatable {
    /// Habitat's health-check codes.
    public enum Status: String, Sendable, CaseIterable {
        case ok, warning, critical, unknown

        /// `roost health`'s exit code: 0 ok, 1 warning, 2 critical, 3 unknown.
        public var exitCode: Int32 {
            switch self {
            case .ok: 0
            case .warning: 1
            case .critical: 2
            case .unknown: 3
            }
        }

        /// The HTTP status Habitat's gateway answers with (spec 7.7).
        public var httpStatus: Int {
            switch self {
            case .ok, .warning: 200
            case .critical: 503
            case .unknown: 500
            }
        }
    }

    public var status: Status
    /// Seconds since the epoch when the check finished.
    public var checkedAt: Int
    /// A short line about why (the hook's last output line, "process down").
    public var summary: String

    public init(status: Status, checkedAt: Int, summary: String) {
        self.status = status
        self.checkedAt = checkedAt
        self.summary = summary
    }

    /// `status checkedAt summary` on one line.
    public var encoded: String {
        // A summary of printable ASCII (nearly all) is kept as it is, without
        // the Unicode property lookup of every Character.
        let plain = summary.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        let line = plain ? summary : String(summary.map { $0.isNewline ? " " : $0 })
        return "\(status.rawValue) \(checkedAt) \(line)\n"
    }

    public init?(decoding text: String) {
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        // A time before 1970 is no record roost wrote (and its age, now − at,
        // would overflow for Int.min): the record is unreadable, status unknown.
        guard parts.count >= 2, let status = Status(rawValue: String(parts[0])), let at = Int(parts[1]), at >= 0 else { return nil }
        self.init(status: status, checkedAt: at,
                  summary: parts.count > 2 ? String(parts[2].prefix { !$0.isNewline }) : "")
    }

    public static func read(_ path: String) -> HealthRecord? {
        FileSystem.readString(path).flatMap(HealthRecord.init(decoding:))
    }

    public static func now() -> Int { Int(time(nil)) }
}
