/// Habitat's interpreter package (`core/busybox-static` on Linux, or
/// `HAB_INTERPRETER_IDENT`): the Supervisor appends its `bin/` to the PATH of
/// the service and of every hook, after the package's own runtime path
/// (`append_interpreter_and_env_path` in habitat's
/// `components/common/src/util/path.rs`). The `run` file `hab pkg build` makes
/// from `pkg_svc_run` calls `chpst` from it when it runs as root.
public enum InterpreterPackage {
    /// The ident Habitat uses on Linux when `HAB_INTERPRETER_IDENT` is unset.
    public static let defaultIdent = "core/busybox-static"

    /// The PATH entries of the newest installed release of the interpreter
    /// under `pkgsRoot`, read from its `PATH` metafile as Habitat reads it:
    /// only entries inside the package's own prefix are kept, and a
    /// `/hab/pkgs/…` entry is moved under `pkgsRoot` (Habitat roots it at its
    /// file-system root the same way). Empty when none is installed; roost
    /// installs nothing, unlike the Supervisor.
    public static func pathEntries(pkgsRoot: String, identText: String? = nil) -> [String] {
        let text = identText.flatMap { $0.isEmpty ? nil : $0 } ?? defaultIdent
        guard let wanted = PackageIdent(parsing: text),
              let found = PackageLocator.newestInstalled(wanted, pkgsRoot: pkgsRoot),
              let body = FileSystem.readString(FileSystem.join(found.directory, "PATH")) else { return [] }
        let habPrefix = "/hab/pkgs/\(found.ident)"
        var entries: [String] = []
        for raw in body.split(whereSeparator: { $0 == ":" || $0 == "\n" }) {
            let entry = raw.trimmingWhitespace()
            if entry == found.directory || entry.hasPrefix(found.directory + "/") {
                entries.append(entry)
            } else if entry == habPrefix || entry.hasPrefix(habPrefix + "/") {
                entries.append(found.directory + entry.dropFirst(habPrefix.count))
            }
        }
        return entries
    }
}
