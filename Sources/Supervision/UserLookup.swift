import CSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a user or group name could not be resolved.
public struct UserLookupError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case noSuchUser(String)
        case noSuchGroup(String)
        case system(String, errno: Int32)
    }

    public let kind: Kind

    public var description: String {
        switch kind {
        case .noSuchUser(let name): return "user '\(name)' does not exist (add it to the image, or set a different svc user)"
        case .noSuchGroup(let name): return "group '\(name)' does not exist (add it to the image, or set a different svc group)"
        case .system(let what, let code): return "cannot look up \(what): \(errnoDescription(code))"
        }
    }
}

/// Resolves user and group names to the ids a child switches to.
public enum UserLookup {
    /// The identity for `user` and `group` (nil: the user's primary group),
    /// with the supplementary groups `getgrouplist` gives for the user.
    /// Purely numeric names without an entry are taken as ids.
    public static func identity(user: String, group: String? = nil) throws(UserLookupError) -> Identity {
        let account = try lookUpUser(user)
        let primary: (gid: gid_t, name: String?)
        if let group {
            primary = try lookUpGroup(group)
        } else if let account {
            primary = (account.gid, try? lookUpGroup(String(account.gid)).name)
        } else {
            throw UserLookupError(kind: .noSuchUser(user))
        }
        guard let account else {
            // Numeric user that is not in /etc/passwd: no supplementary groups to find.
            guard let uid = numericID(user) else { throw UserLookupError(kind: .noSuchUser(user)) }
            return Identity(uid: uid, gid: primary.gid, groups: [primary.gid], userName: nil, groupName: primary.name)
        }
        let groups = try groupList(account.name, primary.gid)
        return Identity(uid: account.uid, gid: primary.gid, groups: groups, userName: account.name, groupName: primary.name)
    }

    /// Whether glibc's NSS may be asked beyond the account files: only in a
    /// dynamically linked roost (see `roost_is_dynamically_linked`).
    static let nssAllowed = roost_is_dynamically_linked() != 0

    static let passwdFile = "/etc/passwd"
    static let groupFile = "/etc/group"

    /// A name that is a user or group id: digits, below 2^32 − 1 (which
    /// the set*id calls read as "no change", so the switch would fail only
    /// in the child, with a misleading message).
    static func numericID(_ name: String) -> UInt32? {
        guard let id = UInt32(name), id != UInt32.max else { return nil }
        return id
    }

    /// nil for a numeric name without an entry; throws for an unknown name.
    private static func lookUpUser(_ name: String) throws(UserLookupError) -> (name: String, uid: uid_t, gid: gid_t)? {
        if let entry = AccountFiles.user(named: name, in: passwdFile) { return entry }
        if nssAllowed, let entry = try nssUser(name) { return entry }
        if numericID(name) != nil { return nil }
        throw UserLookupError(kind: .noSuchUser(name))
    }

    private static func nssUser(_ name: String) throws(UserLookupError) -> (name: String, uid: uid_t, gid: gid_t)? {
        var size = 1024
        while true {
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let code: Int32
            if let uid = uid_t(name) {
                code = getpwuid_r(uid, &entry, &buffer, size, &found)
            } else {
                code = getpwnam_r(name, &entry, &buffer, size, &found)
            }
            if code == ERANGE && size < 1 << 20 { size *= 4; continue }
            if code != 0 && code != ENOENT && code != ESRCH {
                throw UserLookupError(kind: .system("user '\(name)'", errno: code))
            }
            guard found != nil else { return nil }
            return (String(cString: entry.pw_name), entry.pw_uid, entry.pw_gid)
        }
    }

    /// The group's id and name; a numeric name without an entry is taken as an id.
    private static func lookUpGroup(_ name: String) throws(UserLookupError) -> (gid: gid_t, name: String?) {
        if let entry = AccountFiles.group(named: name, in: groupFile) { return (entry.gid, entry.name) }
        if nssAllowed, let entry = try nssGroup(name) { return entry }
        if let gid = numericID(name) { return (gid, nil) }
        throw UserLookupError(kind: .noSuchGroup(name))
    }

    private static func nssGroup(_ name: String) throws(UserLookupError) -> (gid: gid_t, name: String?)? {
        var size = 1024
        while true {
            var entry = group()
            var found: UnsafeMutablePointer<group>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let code: Int32
            if let gid = gid_t(name) {
                code = getgrgid_r(gid, &entry, &buffer, size, &found)
            } else {
                code = getgrnam_r(name, &entry, &buffer, size, &found)
            }
            if code == ERANGE && size < 1 << 24 { size *= 4; continue }
            if code != 0 && code != ENOENT && code != ESRCH {
                throw UserLookupError(kind: .system("group '\(name)'", errno: code))
            }
            guard found != nil else { return nil }
            return (entry.gr_gid, String(cString: entry.gr_name))
        }
    }

    /// Every group listing the user, plus `gid`: from /etc/group in a static
    /// roost, from getgrouplist (all NSS sources) in a dynamic one.
    private static func groupList(_ user: String, _ gid: gid_t) throws(UserLookupError) -> [gid_t] {
        guard nssAllowed else { return AccountFiles.groups(of: user, primary: gid, in: groupFile) }
        var count: Int32 = 32
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var wanted = count
            if getgrouplist(user, gid, &groups, &wanted) >= 0 {
                return Array(groups.prefix(Int(wanted)))
            }
            guard wanted > count, count < 1 << 16 else {
                throw UserLookupError(kind: .system("the groups of '\(user)'", errno: errno))
            }
            count = wanted
        }
    }
}

/// Reads `/etc/passwd` and `/etc/group` itself, never through NSS: safe in
/// a static binary, and what a container's accounts are. Each file is read
/// with one `read` and split in memory (glibc's `fgetpwent` and
/// `fgetgrent` made some 200 `lseek` calls for a Debian image's files).
/// Lines that are not `name:x:id:...` with a decimal id (comments, NIS `+`
/// entries, blank lines) are skipped, as glibc's parsers skip them.
enum AccountFiles {
    /// The entry whose name is `name`, or whose uid is `name` when numeric.
    static func user(named name: String, in path: String) -> (name: String, uid: uid_t, gid: gid_t)? {
        let wanted = Array(name.utf8), uid = uid_t(name)
        var found: (name: String, uid: uid_t, gid: gid_t)?
        forEachRecord(in: path, minimumFields: 4) { record in
            guard let id = number(record[2]), let gid = number(record[3]),
                  uid == id || record[0].elementsEqual(wanted) else { return true }
            found = (String(decoding: record[0], as: UTF8.self), id, gid)
            return false
        }
        return found
    }

    static func group(named name: String, in path: String) -> (name: String, gid: gid_t)? {
        let wanted = Array(name.utf8), gid = gid_t(name)
        var found: (name: String, gid: gid_t)?
        forEachRecord(in: path, minimumFields: 3) { record in
            guard let id = number(record[2]), gid == id || record[0].elementsEqual(wanted) else { return true }
            found = (String(decoding: record[0], as: UTF8.self), id)
            return false
        }
        return found
    }

    /// `primary` and every group whose member list names `user`.
    static func groups(of user: String, primary: gid_t, in path: String) -> [gid_t] {
        var result = [primary]
        let wanted = Array(user.utf8)
        forEachRecord(in: path, minimumFields: 4) { record in
            guard lists(record[3], wanted), let id = number(record[2]), !result.contains(id) else { return true }
            result.append(id)
            return true
        }
        return result
    }

    /// Whether the comma-separated member list holds `name` (compared in
    /// place: splitting every line's list made arrays for nothing).
    private static func lists(_ members: UnsafeBufferPointer<UInt8>, _ name: [UInt8]) -> Bool {
        guard !name.isEmpty else { return false }
        var start = 0
        while start <= members.count {
            var end = start
            while end < members.count && members[end] != UInt8(ascii: ",") { end += 1 }
            if end - start == name.count && members[start..<end].elementsEqual(name) { return true }
            start = end + 1
        }
        return false
    }

    /// One line's first four `:`-separated fields (the fourth runs to the
    /// next `:` or the end of the line), as views into the file's bytes,
    /// valid only while `forEachRecord` calls its body. Field bounds are a
    /// fixed tuple of `Int`s: no array per line (and an array of
    /// `Range<Int>` would cost a runtime conformance lookup at start).
    private struct Record {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Start and end offset of fields 0...3.
        var bounds: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        subscript(field: Int) -> UnsafeBufferPointer<UInt8> {
            let (start, end): (Int, Int)
            switch field {
            case 0: (start, end) = (bounds.0, bounds.1)
            case 1: (start, end) = (bounds.2, bounds.3)
            case 2: (start, end) = (bounds.4, bounds.5)
            default: (start, end) = (bounds.6, bounds.7)
            }
            return UnsafeBufferPointer(rebasing: bytes[start..<end])
        }
        mutating func add(_ start: Int, _ end: Int) {
            switch count {
            case 0: bounds.0 = start; bounds.1 = end
            case 1: bounds.2 = start; bounds.3 = end
            case 2: bounds.4 = start; bounds.5 = end
            default: bounds.6 = start; bounds.7 = end
            }
            count += 1
        }
    }

    /// Calls `body` with each line that has at least `minimumFields`
    /// fields, until it returns false. An unreadable or oversized file has
    /// no lines. (Scanned through a buffer pointer: array slices cost a
    /// retain and release per field, most of a lookup's time.)
    private static func forEachRecord(in path: String, minimumFields: Int, _ body: (Record) -> Bool) {
        guard let file = readWhole(path) else { return }
        file.withUnsafeBufferPointer { bytes in
            let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != newline { lineEnd += 1 }
                var record = Record(bytes: bytes)
                var fieldStart = lineStart
                while record.count < 4 {
                    var fieldEnd = fieldStart
                    while fieldEnd < lineEnd && bytes[fieldEnd] != colon { fieldEnd += 1 }
                    record.add(fieldStart, fieldEnd)
                    if fieldEnd == lineEnd { break }
                    fieldStart = fieldEnd + 1
                }
                if record.count >= minimumFields, !record[0].isEmpty, !body(record) { return }
                lineStart = lineEnd + 1
            }
        }
    }

    /// A decimal id, or nil.
    private static func number(_ field: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard !field.isEmpty, field.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in field {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }

    /// The file's bytes, at most 16 MiB (account files of real images are
    /// a few kB); nil when it cannot be read.
    private static func readWhole(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes: [UInt8] = []
        var want = min(Int(st.st_size), limit) + 1
        var failed = false
        while bytes.count <= limit {
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
                var n: Int
                repeat { n = read(fd, buffer.baseAddress, want) } while n < 0 && errno == EINTR
                failed = n < 0
                count = max(n, 0)
            }
            if failed { return nil }
            if chunk.isEmpty { return bytes }
            bytes += chunk
            want = 65536
        }
        return nil
    }
}
