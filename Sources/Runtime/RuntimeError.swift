import Habitat

/// What Runtime throws: an input error Habitat found (the package, its
/// config, templates or binds), or a failure of Runtime's own. One line that
/// names the file; exit codes as the README's "Exit codes" table says.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// Habitat's input error, unchanged (its own exit code: 78, 65, 66…).
    case input(HabitatError)
    /// A file or directory roost cannot write (exit 73).
    case cannotWrite(path: String, reason: String)
    /// The service cannot run as set up: nothing to run, or a folder of its
    /// service directory that is not as it must be (exit 78, fix and retry).
    case config(path: String, reason: String)

    public var exitCode: Int32 {
        switch self {
        case .input(let error): error.exitCode
        case .cannotWrite: 73
        case .config: 78
        }
    }

    public var description: String {
        switch self {
        case .input(let error): error.description
        case .cannotWrite(let path, let reason), .config(let path, let reason): "\(path): \(reason)"
        }
    }
}
