import CSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starts `spec` through `roost_spawn` with the given stdout/stderr
/// descriptors (-1 inherits). Returns the pid, which is also the child's
/// process group id. Does not wait for anything: the `Reaper` owns that.
func launch(_ spec: ProcessSpec, stdout: Int32, stderr: Int32) throws(SpawnError) -> pid_t {
    let path = try resolveExecutable(spec)
    let argv = CStringArray([spec.executable] + spec.arguments)
    let envp = CStringArray(environment: spec.environment)
    let groups = spec.identity?.groups ?? []

    var stage: Int32 = 0
    var error: Int32 = 0
    let pid: pid_t = path.withCString { cPath in
        withOptionalCString(spec.workingDirectory) { cwd in
            groups.withUnsafeBufferPointer { groupBuffer in
                var request = roost_spawn_request()
                request.path = cPath
                request.argv = UnsafePointer(argv.pointer)
                request.envp = UnsafePointer(envp.pointer)
                request.cwd = cwd
                request.new_session = spec.isolation == .session ? 1 : 0
                if let identity = spec.identity {
                    request.set_groups = 1
                    request.groups = groupBuffer.baseAddress
                    request.ngroups = Int32(groupBuffer.count)
                    request.set_gid = 1
                    request.gid = identity.gid
                    request.set_uid = 1
                    request.uid = identity.uid
                }
                request.stdin_fd = spec.standardInput ?? -1
                request.stdout_fd = stdout
                request.stderr_fd = stderr
                return roost_spawn(&request, &stage, &error)
            }
        }
    }
    if pid > 0 { return pid }

    let mapped: SpawnError.Stage
    var detail: String? = nil
    switch UInt32(stage) {
    case ROOST_STAGE_FORK.rawValue: mapped = .fork
    case ROOST_STAGE_SESSION.rawValue: mapped = .processGroup
    case ROOST_STAGE_GROUPS.rawValue: mapped = .supplementaryGroups
    case ROOST_STAGE_GID.rawValue: mapped = .groupID
    case ROOST_STAGE_UID.rawValue: mapped = .userID
    case ROOST_STAGE_CHDIR.rawValue: mapped = .workingDirectory; detail = spec.workingDirectory
    case ROOST_STAGE_STDIO.rawValue: mapped = .standardStreams
    case ROOST_STAGE_EXEC.rawValue: mapped = .exec; detail = path
    default: mapped = .setup
    }
    let noexec = mapped == .exec && error == EACCES ? NoexecMount.containing(path) : nil
    throw SpawnError(executable: spec.executable, stage: mapped, errno: error, path: detail, identity: spec.identity,
                     noexecMount: noexec)
}

/// `spec.executable` itself when it contains a `/`; otherwise the first
/// executable file of that name in the spec's PATH (or the supervisor's).
func resolveExecutable(_ spec: ProcessSpec) throws(SpawnError) -> String {
    if spec.executable.contains("/") { return spec.executable }
    let searchPath = spec.environment["PATH"]
        ?? getenv("PATH").map { String(cString: $0) }
        ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
        let candidate = directory.hasSuffix("/") ? "\(directory)\(spec.executable)" : "\(directory)/\(spec.executable)"
        var info = stat()
        if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
            return candidate
        }
    }
    throw SpawnError(executable: spec.executable, stage: .lookup, errno: ENOENT, path: searchPath)
}

/// A NULL-terminated `char *[]` owning its strings until deinit.
final class CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointer[index] = strdup(string) }
        pointer[strings.count] = nil
    }

    /// `NAME=value` strings, copied byte by byte (no interpolated Swift
    /// strings) and sorted with `strcmp`, so a child's environment reads the
    /// same at every start (a dictionary's order changes from run to run);
    /// sorting Swift strings, whose `<` compares by Unicode canonical order,
    /// cost ten times as much at start.
    init(environment: [String: String]) {
        count = environment.count
        pointer = .allocate(capacity: count + 1)
        var index = 0
        let inherited = ProcessSpec.inheritedNonUTF8
        for (name, value) in environment {
            if let original = inherited[name], original.value.utf8.elementsEqual(value.utf8) {
                pointer[index] = strdup(original.entry.map { CChar(bitPattern: $0) } + [0])
                index += 1
                continue
            }
            // malloc, as strdup would: deinit frees every entry with free().
            let entry = malloc(name.utf8.count + value.utf8.count + 2)!.assumingMemoryBound(to: CChar.self)
            let afterName = copyUTF8(name, to: entry)
            afterName.pointee = CChar(UInt8(ascii: "="))
            copyUTF8(value, to: afterName + 1).pointee = 0
            pointer[index] = entry
            index += 1
        }
        pointer[count] = nil
        var entries = UnsafeMutableBufferPointer(start: pointer, count: count)
        entries.sort { strcmp($0!, $1!) < 0 }
    }

    deinit {
        for index in 0..<count { free(pointer[index]) }
        pointer.deallocate()
    }
}

/// Copies the string's UTF-8 bytes to `destination`; returns the end.
private func copyUTF8(_ string: String, to destination: UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
    var string = string
    return string.withUTF8 { bytes in
        if let base = bytes.baseAddress { memcpy(destination, base, bytes.count) }
        return destination + bytes.count
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
