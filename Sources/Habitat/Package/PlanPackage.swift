/// Builds a `ServicePackage` from a source plan folder by reading `plan.sh`
/// statically (spec section 8 names what plan-build would write).
enum PlanPackageReader {
    /// `planFile` is the path of plan.sh; templates live beside it.
    static func read(planFile: String, svcRoot: String, pkgsRoot: String) throws(HabitatError) -> ServicePackage {
        guard let text = FileSystem.readString(planFile) else {
            throw HabitatError(.missingInput, source: planFile, "cannot read the plan")
        }
        let directory = planFile.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(planFile[..<$0]) } ?? ""
        // Names plan-build defines before the plan runs, so `pkg_svc_run` and
        // friends expand as they would in a build.
        var scanner = ShellScanner(text)
        let assignments = scanner.assignments()
        if let problem = scanner.problem {
            throw HabitatError(.config, source: "\(planFile):\(problem.line)", problem.message)
        }
        let preliminary = PlanFile(assignments: assignments)
        if let problem = preliminary.problem { throw HabitatError(.config, source: planFile, problem) }
        guard let name = preliminary.scalar("pkg_name"), !name.isEmpty else {
            throw HabitatError(.config, source: planFile, "pkg_name is not set (roost reads plan.sh statically; it must be a literal assignment)")
        }
        let origin = preliminary.scalar("pkg_origin") ?? "local"
        let version = preliminary.scalar("pkg_version").flatMap { $0.isEmpty || hasCommandSubstitution($0) ? nil : $0 } ?? "0.0.0"
        let release = "0"
        let ident = PackageIdent(origin: origin, name: name, version: version, release: release)
        // The name becomes a directory under --svc-root and --pkgs-root.
        if let problem = ident.problem {
            throw HabitatError(.config, source: planFile, "pkg_name/pkg_origin/pkg_version: \(problem)")
        }
        let installPath = "\(pkgsRoot)/\(ident)"
        let svcPath = "\(svcRoot)/\(name)"
        let predefined: [String: String] = [
            "pkg_name": name, "pkg_origin": origin, "pkg_version": version, "pkg_release": release,
            "pkg_prefix": installPath, "pkg_svc_path": svcPath,
            "pkg_svc_data_path": svcPath + "/data", "pkg_svc_files_path": svcPath + "/files",
            "pkg_svc_var_path": svcPath + "/var", "pkg_svc_config_path": svcPath + "/config",
            "pkg_svc_static_path": svcPath + "/static", "pkg_svc_config_install_path": svcPath + "/config_install",
            "pkg_svc_user": "hab", "pkg_svc_group": "hab",
        ]
        let plan = PlanFile(assignments: assignments, predefined: predefined)
        if let problem = plan.problem { throw HabitatError(.config, source: planFile, problem) }

        var pkg = ServicePackage(ident: ident, layout: .plan(planFile: planFile),
                                 directory: directory.isEmpty ? "." : directory, installPath: installPath)
        pkg.binds = plan.map("pkg_binds").map { ($0.key, $0.value.split(whereSeparator: \.isWhitespace).map(String.init)) }
        pkg.bindsOptional = plan.map("pkg_binds_optional").map { ($0.key, $0.value.split(whereSeparator: \.isWhitespace).map(String.init)) }
        pkg.exports = plan.map("pkg_exports").map { ($0.key, $0.value) }
        pkg.exposeExportNames = plan.array("pkg_exposes")
        pkg.svcUser = plan.scalar("pkg_svc_user")
        pkg.svcGroup = plan.scalar("pkg_svc_group")
        if let signal = plan.scalar("pkg_shutdown_signal"), !signal.isEmpty {
            guard habitatShutdownSignals.contains(signal) else {
                throw HabitatError(.config, source: planFile,
                                   "pkg_shutdown_signal '\(signal)' is not one of \(habitatShutdownSignals.joined(separator: " "))")
            }
            pkg.shutdownSignal = signal
        }
        if let timeout = plan.scalar("pkg_shutdown_timeout_sec"), !timeout.isEmpty {
            guard let seconds = ServicePackage.shutdownTimeout(parsing: timeout) else {
                throw HabitatError(.config, source: planFile,
                                   "pkg_shutdown_timeout_sec '\(timeout)' is not \(ServicePackage.shutdownTimeoutRange)")
            }
            pkg.shutdownTimeoutSeconds = seconds
        }
        if let run = plan.scalar("pkg_svc_run"), !run.isEmpty { pkg.svcRun = run }
        for dep in plan.array("pkg_deps") {
            guard let partial = PackageIdent(parsing: dep) else { continue }
            pkg.deps.append(PackageLocator.newestInstalled(partial, pkgsRoot: pkgsRoot).map(\.ident) ?? partial)
        }
        let binDirs = plan.arrays["pkg_bin_dirs"] ?? []
        pkg.runtimePath = binDirs.map { "\(installPath)/\($0)" }
        return pkg
    }

    /// Whether `value` holds `$(`: a version computed by a command, which
    /// roost cannot know without running the plan. (By byte: the
    /// string-matching `contains` is code a start would touch only for this.)
    static func hasCommandSubstitution(_ value: String) -> Bool {
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if previous == UInt8(ascii: "$") && byte == UInt8(ascii: "(") { return true }
            previous = byte
        }
        return false
    }
}
