/// A Habitat package identifier: `origin/name[/version[/release]]`.
public struct PackageIdent: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var origin: String
    public var name: String
    public var version: String?
    public var release: String?

    public init(origin: String, name: String, version: String? = nil, release: String? = nil) {
        self.origin = origin
        self.name = name
        self.version = version
        self.release = release
    }

    /// Parses `origin/name`, `origin/name/version` or `origin/name/version/release`;
    /// nil for anything else (empty parts, too few or too many parts).
    public init?(parsing text: String) {
        // Split by byte: a split by Character runs grapheme breaking.
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { String(Substring($0)) }
        guard (2...4).contains(parts.count), !parts.contains(where: \.isEmpty) else { return nil }
        self.init(origin: parts[0], name: parts[1],
                  version: parts.count > 2 ? parts[2] : nil,
                  release: parts.count > 3 ? parts[3] : nil)
        guard problem == nil else { return nil }
    }

    /// Why this ident cannot name a package, or nil. Origins and names hold
    /// only `[A-Za-z0-9_-]` (Habitat's rule; they become directory names
    /// under /hab/pkgs and /hab/svc), at most 255 characters; a version or
    /// release is one path component: no `/`, not `.` or `..`, no spaces or
    /// control characters.
    public var problem: String? {
        for (what, value) in [("origin", origin), ("name", name)] {
            guard !value.isEmpty, value.utf8.count <= 255, value.utf8.allSatisfy(PackageIdent.isNameByte) else {
                return "the \(what) '\(value)' may only hold letters, digits, '_' and '-' (1 to 255 of them)"
            }
        }
        for (what, value) in [("version", version), ("release", release)] {
            guard let value else { continue }
            // Printable ASCII other than space and '/' (nearly every version)
            // passes without a Unicode property lookup per scalar.
            let plainASCII = value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }
            guard !value.isEmpty, value != ".", value != "..", value.utf8.count <= 255,
                  plainASCII || !value.unicodeScalars.contains(where: { $0 == "/" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
            else {
                return "the \(what) '\(value)' must be one path component (no '/', spaces or control characters, not '.' or '..')"
            }
        }
        return nil
    }

    public static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    public var isFullyQualified: Bool { version != nil && release != nil }

    public var description: String {
        // Concatenated by hand: the generic `joined(separator:)` costs more
        // at start-up (runtime type lookups) than the whole plan.sh scan.
        var text = origin + "/" + name
        if let version { text += "/" + version }
        if let release { text += "/" + release }
        return text
    }

    /// True when `self` (possibly partial) names `other`: origin and name
    /// equal, and version/release equal where `self` gives them.
    public func matches(_ other: PackageIdent) -> Bool {
        origin == other.origin && name == other.name
            && (version == nil || version == other.version)
            && (release == nil || release == other.release)
    }
}
