/// Reads an installed package's metadata files (spec section 8). Each file is
/// read whole and trimmed; an absent file means "not set".
enum InstalledPackageReader {
    static func read(directory: String) throws(HabitatError) -> ServicePackage {
        func meta(_ name: String) -> String? {
            guard let text = FileSystem.readString(FileSystem.join(directory, name)) else { return nil }
            let trimmed = text.trimmingWhitespace()
            return trimmed.isEmpty ? nil : trimmed
        }
        func path(_ name: String) -> String { FileSystem.join(directory, name) }

        guard let identText = meta("IDENT") else {
            throw HabitatError(.config, source: path("IDENT"), "missing IDENT file")
        }
        let parts = identText.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 4, let problem = PackageIdent(origin: parts[0], name: parts[1], version: parts[2], release: parts[3]).problem {
            throw HabitatError(.config, source: path("IDENT"), "'\(identText)': \(problem)")
        }
        guard let ident = PackageIdent(parsing: identText), ident.isFullyQualified else {
            throw HabitatError(.config, source: path("IDENT"),
                               "'\(identText)' is not a fully qualified ident (origin/name/version/release)")
        }
        var pkg = ServicePackage(ident: ident, layout: .installed, directory: directory, installPath: directory)
        pkg.binds = try bindLines(meta("BINDS"), file: path("BINDS"))
        pkg.bindsOptional = try bindLines(meta("BINDS_OPTIONAL"), file: path("BINDS_OPTIONAL"))
        pkg.exports = try keyValueLines(meta("EXPORTS"), file: path("EXPORTS")).map { ($0.key, $0.value) }
        pkg.exposes = meta("EXPOSES").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) } ?? []
        if let user = meta("SVC_USER"), let group = meta("SVC_GROUP") {
            pkg.svcUser = user
            pkg.svcGroup = group
        }
        if let signal = meta("SHUTDOWN_SIGNAL") {
            guard habitatShutdownSignals.contains(signal) else {
                throw HabitatError(.config, source: path("SHUTDOWN_SIGNAL"),
                                   "unknown signal '\(signal)'; use one of \(habitatShutdownSignals.joined(separator: " "))")
            }
            pkg.shutdownSignal = signal
        }
        if let timeout = meta("SHUTDOWN_TIMEOUT") {
            guard let seconds = ServicePackage.shutdownTimeout(parsing: timeout) else {
                throw HabitatError(.config, source: path("SHUTDOWN_TIMEOUT"),
                                   "'\(timeout)' is not \(ServicePackage.shutdownTimeoutRange)")
            }
            pkg.shutdownTimeoutSeconds = seconds
        }
        if let runtimePath = meta("RUNTIME_PATH") {
            pkg.runtimePath = runtimePath.split(separator: ":").map(String.init)
        } else if let own = meta("PATH") {
            pkg.runtimePath = own.split(separator: ":").map(String.init)
        }
        var env = try keyValueLines(meta("RUNTIME_ENVIRONMENT"), file: path("RUNTIME_ENVIRONMENT"))
            .filter { $0.key != "PATH" }
        for (key, value) in try keyValueLines(meta("RUNTIME_ENVIRONMENT_PATHS"), file: path("RUNTIME_ENVIRONMENT_PATHS"))
        where key != "PATH" {
            if let i = env.firstIndex(where: { $0.key == key }) { env[i].value = value } else { env.append((key, value)) }
        }
        pkg.runtimeEnvironment = env
        let depsText = meta("TDEPS") ?? meta("DEPS")
        for line in depsText?.split(whereSeparator: \.isNewline) ?? [] {
            let text = line.trimmingWhitespace()
            if text.isEmpty { continue }
            guard let dep = PackageIdent(parsing: text), dep.isFullyQualified else {
                throw HabitatError(.config, source: path(meta("TDEPS") != nil ? "TDEPS" : "DEPS"),
                                   "'\(text)' is not a fully qualified ident")
            }
            pkg.deps.append(dep)
        }
        if FileSystem.isFile(path("run")) {
            pkg.runFile = path("run")
        }
        return pkg
    }

    /// `name=export1 export2` lines.
    static func bindLines(_ text: String?, file: String) throws(HabitatError) -> [(name: String, exports: [String])] {
        try keyValueLines(text, file: file).map {
            ($0.key, $0.value.split(whereSeparator: \.isWhitespace).map(String.init))
        }
    }

    /// `KEY=VALUE` lines, split at the first `=`; a line without one is an error.
    static func keyValueLines(_ text: String?, file: String) throws(HabitatError) -> [(key: String, value: String)] {
        guard let text else { return [] }
        var out: [(key: String, value: String)] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw HabitatError(.config, source: file, line: number, "expected KEY=VALUE, found '\(line)'")
            }
            out.append((String(line[..<eq]), String(line[line.index(after: eq)...])))
        }
        return out
    }
}
