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
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...4).contains(parts.count), !parts.contains(where: \.isEmpty) else { return nil }
        self.init(origin: parts[0], name: parts[1],
                  version: parts.count > 2 ? parts[2] : nil,
                  release: parts.count > 3 ? parts[3] : nil)
    }

    public var isFullyQualified: Bool { version != nil && release != nil }

    public var description: String {
        [origin, name, version, release].compactMap { $0 }.joined(separator: "/")
    }

    /// True when `self` (possibly partial) names `other`: origin and name
    /// equal, and version/release equal where `self` gives them.
    public func matches(_ other: PackageIdent) -> Bool {
        origin == other.origin && name == other.name
            && (version == nil || version == other.version)
            && (release == nil || release == other.release)
    }
}
