#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A command to run, described by plain values (nothing Habitat-specific).
public struct ProcessSpec: Equatable, Sendable {
    /// Path to execute. Without a `/`, it is looked up in `environment["PATH"]`.
    public var executable: String
    /// Arguments after `argv[0]` (which is `executable`).
    public var arguments: [String]
    /// The complete environment of the child (nothing is inherited implicitly;
    /// pass the supervisor's own environment in if it should be).
    public var environment: [String: String]
    /// Directory to start in; `nil` inherits the supervisor's.
    public var workingDirectory: String?
    /// User and groups to switch to; `nil` keeps the supervisor's own.
    public var identity: Identity?
    /// Own process group (default) or a whole new session.
    public var isolation: Isolation
    /// What happens to stdout and stderr.
    public var output: Output
    /// A descriptor of the supervisor's to hand the child as its stdin (for
    /// example a listening socket the supervisor keeps across restarts of
    /// the child); `nil` gives it `/dev/null`. It stays the caller's to close.
    public var standardInput: Int32?

    public init(
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        identity: Identity? = nil,
        isolation: Isolation = .processGroup,
        output: Output = .inherit,
        standardInput: Int32? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.identity = identity
        self.isolation = isolation
        self.output = output
        self.standardInput = standardInput
    }

    /// Where the child lives; either way its pid is its process group id, so
    /// signals for "the service" go to the whole group (`kill(-pid, …)`).
    public enum Isolation: Equatable, Sendable {
        /// `setpgid(0, 0)`: own process group, same session (like Habitat).
        case processGroup
        /// `setsid()`: own session and process group, no controlling terminal.
        case session
    }

    /// Output handling.
    public enum Output: Equatable, Sendable {
        /// The child writes straight to the supervisor's stdout and stderr
        /// (cheapest; no prefix, no capture).
        case inherit
        /// Both streams go through pipes read by the event loop, line by line.
        case pipe(OutputOptions)
    }

    /// roost's own environment entries that are not UTF-8, by the name and
    /// value `currentEnvironment` gives them (invalid bytes replaced by
    /// U+FFFD), with their exact bytes (`NAME=value`). A child given that
    /// same name and value gets the original bytes back: roost passes on
    /// byte for byte what it does not change, as tini does.
    static let inheritedNonUTF8: [String: (value: String, entry: [UInt8])] = {
        var found: [String: (value: String, entry: [UInt8])] = [:]
        forEachEnvironmentEntry { bytes in
            // Nearly every entry is ASCII: only the others are decoded.
            guard bytes.contains(where: { $0 >= 0x80 }), let (name, value) = nameAndValue(bytes) else { return }
            // Decoding replaced some bytes: the entry is not UTF-8.
            if name.utf8.count + 1 + value.utf8.count != bytes.count || !(name + "=" + value).utf8.elementsEqual(bytes) {
                found[name] = (value, Array(bytes))
            }
        }
        return found
    }()

    /// The process environment as a dictionary (for building `environment`).
    public static func currentEnvironment() -> [String: String] {
        var count = 0
        while environ[count] != nil { count += 1 }
        var result = [String: String](minimumCapacity: count)
        forEachEnvironmentEntry { bytes in
            if let (name, value) = nameAndValue(bytes) { result[name] = value }
        }
        return result
    }

    /// Calls `body` with the bytes of each `NAME=value` entry of `environ`.
    public static func forEachEnvironmentEntry(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var cursor = environ
        while let entry = cursor.pointee {
            cursor += 1
            body(UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry)))
        }
    }

    /// An entry's name and value, split at the first '=' byte (a search by
    /// `Character` costs grapheme breaking of every entry, and a value that
    /// starts with a combining mark would join the '=' into one Character);
    /// bytes that are not UTF-8 become U+FFFD. nil without an '='.
    static func nameAndValue(_ bytes: UnsafeBufferPointer<UInt8>) -> (name: String, value: String)? {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        return (String(decoding: bytes[..<equals], as: UTF8.self), String(decoding: bytes[(equals + 1)...], as: UTF8.self))
    }
}

/// Numeric user, group and supplementary groups for a child.
/// Applied as setgroups, then setgid, then setuid (see `UserLookup`).
public struct Identity: Equatable, Sendable, CustomStringConvertible {
    public var uid: uid_t
    public var gid: gid_t
    /// Supplementary groups (`getgrouplist` of the user, usually including `gid`).
    public var groups: [gid_t]
    /// Names for messages ("hab:hab"); not used to switch.
    public var userName: String?
    public var groupName: String?

    public init(uid: uid_t, gid: gid_t, groups: [gid_t], userName: String? = nil, groupName: String? = nil) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.userName = userName
        self.groupName = groupName
    }

    /// "user=hab(1000), group=hab(1000)".
    public var description: String {
        let user = userName.map { "\($0)(\(uid))" } ?? String(uid)
        let group = groupName.map { "\($0)(\(gid))" } ?? String(gid)
        return "user=\(user), group=\(group)"
    }
}

/// Which output stream a line came from.
public enum StandardStream: Equatable, Sendable {
    case stdout
    case stderr
}

/// One line of a child's output, without its newline.
public struct OutputLine: Equatable, Sendable, CustomStringConvertible {
    public var stream: StandardStream
    public var text: String

    public init(_ stream: StandardStream, _ text: String) {
        self.stream = stream
        self.text = text
    }

    public var description: String { text }
}

/// How piped output is forwarded, kept and logged.
public struct OutputOptions: Equatable, Sendable {
    /// Written before each forwarded stdout line, e.g. "nginx.default(O): ".
    public var stdoutPrefix: String
    /// Written before each forwarded stderr line, e.g. "nginx.default(E): ".
    public var stderrPrefix: String
    /// Descriptor that receives prefixed stdout lines (default: the
    /// supervisor's stdout); `nil` does not forward.
    public var forwardStdout: Int32?
    /// Descriptor that receives prefixed stderr lines (default: the
    /// supervisor's stderr); `nil` does not forward.
    public var forwardStderr: Int32?
    /// How many of the last lines (both streams, in arrival order) to keep
    /// for `ProcessResult.output`, e.g. for an error message.
    public var keepLastLines: Int
    /// File that receives the raw stdout lines, truncated at start.
    public var stdoutLogPath: String?
    /// File that receives the raw stderr lines, truncated at start.
    public var stderrLogPath: String?

    public init(
        stdoutPrefix: String = "",
        stderrPrefix: String = "",
        forwardStdout: Int32? = STDOUT_FILENO,
        forwardStderr: Int32? = STDERR_FILENO,
        keepLastLines: Int = 0,
        stdoutLogPath: String? = nil,
        stderrLogPath: String? = nil
    ) {
        self.stdoutPrefix = stdoutPrefix
        self.stderrPrefix = stderrPrefix
        self.forwardStdout = forwardStdout
        self.forwardStderr = forwardStderr
        self.keepLastLines = keepLastLines
        self.stdoutLogPath = stdoutLogPath
        self.stderrLogPath = stderrLogPath
    }
}
