import Arguments
import Habitat
import Runtime

/// `roost health`: the last health check's status as an exit code, for
/// `HEALTHCHECK CMD roost health` and orchestrator probes.
struct HealthCommand {
    static let command = Command(
        name: "health",
        abstract: "Exit with the status of the last health check: 0 ok, 1 warning, 2 critical, 3 unknown.",
        discussion: """
        Reads the record `roost start` keeps in <svc-root>/<pkg>/.roost/health (a folder only roost's user, root in a container, writes; beside hooks/, never in the service's var/ or data/). \
        Without a package name it uses the only service under --svc-root. \
        Unknown (3) means no check has finished yet.
        """,
        arguments: [
            Positional("NAME", help: "Service (package) name; optional when only one service exists.", required: false),
        ],
        options: [
            .string("svc-root", valueName: "DIR", default: "/hab/svc", help: "Where service directories are."),
            .flag("liveness", help: "Liveness probe: fail (exit 2) only when critical, so a warning or a first check still pending does not restart the container."),
            .flag("quiet", short: "q", help: "Print nothing."),
        ]
    ) { try HealthCommand($0).run() }

    let name: String?
    let svcRoot: String
    let liveness: Bool
    let quiet: Bool

    init(_ arguments: ParsedArguments) {
        name = arguments.argument("NAME")
        svcRoot = arguments.string("svc-root")
        liveness = arguments.flag("liveness")
        quiet = arguments.flag("quiet")
    }

    func run() throws {
        let service: String
        if let name {
            service = name
        } else {
            let candidates = FileSystem.list(svcRoot).filter {
                !$0.hasPrefix(".") && (FileSystem.isDirectory("\(svcRoot)/\($0)/var") || FileSystem.isFile("\(svcRoot)/\($0)/PID"))
            }
            guard candidates.count == 1 else {
                writeStderr(candidates.isEmpty
                    ? "roost: no service under \(svcRoot) (is roost start running? use --svc-root)\n"
                    : "roost: several services under \(svcRoot): \(candidates.joined(separator: ", ")); name one\n")
                throw ExitCode(3)
            }
            service = candidates[0]
        }
        let layout = ServiceLayout(svcRoot: svcRoot, packageName: service)
        let record = HealthRecord.read(layout.healthFile)
        let status = record?.status ?? .unknown
        if !quiet {
            let age = record.map { " (\(max(0, HealthRecord.now() - $0.checkedAt))s ago)" } ?? " (no check has finished yet)"
            let summary = record.map { $0.summary.isEmpty ? "" : ": \($0.summary)" } ?? ""
            writeStdout("\(service): \(status.rawValue)\(age)\(summary)\n")
        }
        if liveness { throw ExitCode(status == .critical ? 2 : 0) }
        throw ExitCode(status.exitCode)
    }
}
