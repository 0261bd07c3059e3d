#if canImport(Glibc)
import Glibc
#endif

/// User and group names from `/etc/passwd` and `/etc/group`, read with
/// glibc's file parsers (fgetpwent, fgetgrent). Never through NSS: roost
/// ships as a static binary, and NSS modules it would load (libnss_systemd)
/// crash a static program. A container's accounts are these files.
enum AccountNames {
    static func userName(uid: uid_t) -> String? {
        scan("/etc/passwd", next: { fgetpwent($0) }) { e in e.pointee.pw_uid == uid ? String(cString: e.pointee.pw_name) : nil }
    }

    static func groupName(gid: gid_t) -> String? {
        scan("/etc/group", next: { fgetgrent($0) }) { e in e.pointee.gr_gid == gid ? String(cString: e.pointee.gr_name) : nil }
    }

    static func userExists(_ name: String) -> Bool {
        scan("/etc/passwd", next: { fgetpwent($0) }) { e in String(cString: e.pointee.pw_name) == name ? true : nil } ?? false
    }

    static func groupExists(_ name: String) -> Bool {
        scan("/etc/group", next: { fgetgrent($0) }) { e in String(cString: e.pointee.gr_name) == name ? true : nil } ?? false
    }

    /// The first non-nil `pick` over the file's entries.
    private static func scan<Entry, T>(_ path: String, next: (UnsafeMutablePointer<FILE>) -> UnsafeMutablePointer<Entry>?,
                                       pick: (UnsafeMutablePointer<Entry>) -> T?) -> T? {
        guard let file = fopen(path, "re") else { return nil }
        defer { fclose(file) }
        while let e = next(file) {
            if let found = pick(e) { return found }
        }
        return nil
    }
}
