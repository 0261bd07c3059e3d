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
            guard let uid = uid_t(user) else { throw UserLookupError(kind: .noSuchUser(user)) }
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

    /// nil for a numeric name without an entry; throws for an unknown name.
    private static func lookUpUser(_ name: String) throws(UserLookupError) -> (name: String, uid: uid_t, gid: gid_t)? {
        if let entry = AccountFiles.user(named: name, in: passwdFile) { return entry }
        if nssAllowed, let entry = try nssUser(name) { return entry }
        if uid_t(name) != nil { return nil }
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
        if let gid = gid_t(name) { return (gid, nil) }
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

/// Reads `/etc/passwd` and `/etc/group` with glibc's file parsers
/// (fgetpwent, fgetgrent), which never go through NSS: safe in a static
/// binary, and what a container's accounts are.
enum AccountFiles {
    /// The entry whose name is `name`, or whose uid is `name` when numeric.
    static func user(named name: String, in path: String) -> (name: String, uid: uid_t, gid: gid_t)? {
        guard let file = fopen(path, "re") else { return nil }
        defer { fclose(file) }
        let uid = uid_t(name)
        while let e = fgetpwent(file) {
            let entryName = String(cString: e.pointee.pw_name)
            if entryName == name || uid == e.pointee.pw_uid { return (entryName, e.pointee.pw_uid, e.pointee.pw_gid) }
        }
        return nil
    }

    static func group(named name: String, in path: String) -> (name: String, gid: gid_t)? {
        guard let file = fopen(path, "re") else { return nil }
        defer { fclose(file) }
        let gid = gid_t(name)
        while let e = fgetgrent(file) {
            let entryName = String(cString: e.pointee.gr_name)
            if entryName == name || gid == e.pointee.gr_gid { return (entryName, e.pointee.gr_gid) }
        }
        return nil
    }

    /// `primary` and every group whose member list names `user`.
    static func groups(of user: String, primary: gid_t, in path: String) -> [gid_t] {
        var result = [primary]
        guard let file = fopen(path, "re") else { return result }
        defer { fclose(file) }
        while let e = fgetgrent(file) {
            guard var member = e.pointee.gr_mem else { continue }
            while let m = member.pointee {
                if String(cString: m) == user, !result.contains(e.pointee.gr_gid) { result.append(e.pointee.gr_gid) }
                member += 1
            }
        }
        return result
    }
}
