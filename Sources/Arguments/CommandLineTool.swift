#if canImport(Glibc)
import Glibc
#endif

/// A value the command line holds that the command refuses: printed like a
/// usage error (with the usage line and the hint), exit 64.
public struct ValidationError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Ends the command with this exit status and no further output.
public struct ExitCode: Error, Sendable {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// Runs a command tree as a program: help and version to standard output
/// (exit 0), usage errors to standard error (exit 64, EX_USAGE).
public enum CommandLineTool {
    /// Exit status of a command line that does not fit the declaration.
    public static let usageExitCode: Int32 = 64

    /// Parses `arguments` (without the program name), runs the command and exits.
    public static func main(_ root: Command, _ arguments: [String]) -> Never {
        switch Parser.resolve(root, arguments) {
        case .help(let text):
            writeStdout(text)
            exit(0)
        case .version(let version):
            writeStdout(version + "\n")
            exit(0)
        case .failure(let path, let error):
            writeStderr(usageMessage(error, path))
            exit(usageExitCode)
        case .run(let path, let parsed):
            guard let run = parsed.command.run else {
                writeStdout(Help.text(path))
                exit(0)
            }
            do {
                try run(parsed)
                exit(0)
            } catch let error as ValidationError {
                writeStderr(usageMessage(UsageError(error.message), path))
                exit(usageExitCode)
            } catch let error as ExitCode {
                exit(error.rawValue)
            } catch {
                // Every expected failure is handled by the command; this is EX_SOFTWARE.
                writeStderr("\(path[0].name): internal error: \(error)\n")
                exit(70)
            }
        }
    }

    /// "Error: …", the option's help, the usage line and where to read more.
    public static func usageMessage(_ error: UsageError, _ path: [Command]) -> String {
        var text = "Error: \(error.message)\n"
        if let about = error.about { text += "Help:  \(about)\n" }
        text += "Usage: \(Help.usage(path))\n"
        text += "  See '\(path.map(\.name).joined(separator: " ")) --help' for more information.\n"
        return text
    }
}

/// Writes all of `text` to standard output (retrying short writes and EINTR).
public func writeStdout(_ text: String) { writeAll(1, text) }

/// Writes all of `text` to standard error (retrying short writes and EINTR).
public func writeStderr(_ text: String) { writeAll(2, text) }

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { if errno == EINTR { continue }; return }
        offset += n
    }
}
