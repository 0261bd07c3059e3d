import Handlebars

/// How the operator says where a bind's members are. Without a gossip ring,
/// roost takes them from the orchestrator's names and addresses:
///
/// - `--bind NAME=HOST[:PORT][,HOST[:PORT]…]` on the command line,
/// - `ROOST_BIND_<NAME>=HOST[:PORT][,…]` in the environment (NAME uppercased,
///   `-` as `_`),
/// - a binds file (TOML) for full control: per-bind and per-member exported
///   `cfg`, and an optional HTTP check path.
///
/// A host that resolves to several addresses gives one member per address.
public struct BindSpec: Sendable, Equatable {
    public struct MemberSpec: Sendable, Equatable {
        public var host: String
        public var port: Int?
        /// Exported values of this member (merged over the bind's `cfg`).
        public var cfg: Object

        public init(host: String, port: Int? = nil, cfg: Object = Object()) {
            self.host = host
            self.port = port
            self.cfg = cfg
        }
    }

    public var name: String
    public var members: [MemberSpec]
    /// Exported values every member of this bind shares.
    public var cfg: Object
    /// When set, a member is alive only if `GET <path>` answers 2xx or 3xx.
    public var httpCheckPath: String?
    /// Where this spec came from (`--bind`, a variable, a file), for messages.
    public var source: String

    public init(name: String, members: [MemberSpec], cfg: Object = Object(), httpCheckPath: String? = nil, source: String) {
        self.name = name
        self.members = members
        self.cfg = cfg
        self.httpCheckPath = httpCheckPath
        self.source = source
    }

    /// Parses `NAME=HOST[:PORT][,HOST[:PORT]…]`. Habitat's `NAME:SERVICE.GROUP`
    /// form gets an error that says what to write instead.
    public static func parse(option text: String, source: String = "--bind") throws(HabitatError) -> BindSpec {
        guard let eq = text.firstIndex(of: "=") else {
            if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].contains(".") {
                let name = text[..<colon]
                throw HabitatError(.config, source: source,
                                   "'\(text)' is a Supervisor bind (NAME:SERVICE.GROUP); roost has no gossip ring: give the members' addresses as \(name)=HOST[:PORT][,HOST[:PORT]]")
            }
            throw HabitatError(.config, source: source, "'\(text)' must be of the form NAME=HOST[:PORT][,HOST[:PORT]]")
        }
        let name = String(text[..<eq])
        guard isValidName(name) else {
            throw HabitatError(.config, source: source, "'\(name)' is not a bind name (letters, digits, '-' and '_')")
        }
        return BindSpec(name: name, members: try parseMembers(String(text[text.index(after: eq)...]), source: source),
                        source: source)
    }

    /// `HOST[:PORT]` items separated by commas or spaces; IPv6 as `[::1]:80`.
    public static func parseMembers(_ text: String, source: String) throws(HabitatError) -> [MemberSpec] {
        var members: [MemberSpec] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            members.append(try parseMember(String(item), source: source))
        }
        guard !members.isEmpty else {
            throw HabitatError(.config, source: source, "no members given: write HOST[:PORT][,HOST[:PORT]]")
        }
        return members
    }

    static func parseMember(_ item: String, source: String) throws(HabitatError) -> MemberSpec {
        var host = item
        var portText: String?
        if item.hasPrefix("[") {
            guard let close = item.firstIndex(of: "]") else {
                throw HabitatError(.config, source: source, "'\(item)': missing ']' after the IPv6 address")
            }
            host = String(item[item.index(after: item.startIndex)..<close])
            let rest = item[item.index(after: close)...]
            if rest.hasPrefix(":") { portText = String(rest.dropFirst()) } else if !rest.isEmpty {
                throw HabitatError(.config, source: source, "'\(item)': expected ':PORT' after ']'")
            }
        } else if let colon = item.lastIndex(of: ":") {
            if item.firstIndex(of: ":") != colon {
                host = item  // a bare IPv6 address
            } else {
                host = String(item[..<colon])
                portText = String(item[item.index(after: colon)...])
            }
        }
        guard !host.isEmpty else { throw HabitatError(.config, source: source, "'\(item)': empty host") }
        try refuseControlCharacters(host, what: "host", source: source)
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw HabitatError(.config, source: source, "'\(item)': '\(portText)' is not a port (1-65535)")
            }
            port = p
        }
        return MemberSpec(host: host, port: port)
    }

    /// Hosts and check paths cross to the probe child as tab-separated
    /// lines and go into an HTTP request: a control character (tab, newline,
    /// carriage return…) would read as another field, member or header.
    static func refuseControlCharacters(_ text: String, what: String, source: String) throws(HabitatError) {
        guard let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) else { return }
        let code = String(bad.value, radix: 16, uppercase: true)
        throw HabitatError(.config, source: source,
                           "\(what) \(text.debugDescription) holds a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code))")
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    /// The environment variable that configures bind `name`.
    public static func variableName(forBind name: String) -> String {
        "ROOST_BIND_" + name.uppercased().replacing("-", with: "_")
    }

    /// Binds from a TOML binds file:
    ///
    /// ```toml
    /// [backend]
    /// hosts = ["backend.local:8080"]   # like --bind
    /// http_check = "/healthz"          # optional
    /// [backend.cfg]                    # exported by every member
    /// protocol = "http"
    /// [[backend.members]]              # members with their own values
    /// host = "10.0.0.9"
    /// port = 9000
    /// cfg = { username = "admin" }
    /// ```
    public static func parseFile(_ path: String) throws(HabitatError) -> [BindSpec] {
        guard let text = FileSystem.readString(path) else {
            throw HabitatError(.missingInput, source: path, "cannot read the binds file")
        }
        let table = try decodeTOMLDocument(text, source: path)
        var specs: [BindSpec] = []
        for (name, value) in table {
            let where_ = "\(path) [\(name)]"
            guard case .object(let t) = value else {
                throw HabitatError(.config, source: path, "'\(name)' must be a table ([\(name)])")
            }
            guard isValidName(name) else { throw HabitatError(.config, source: where_, "not a bind name") }
            var spec = BindSpec(name: name, members: [], source: path)
            for (key, v) in t {
                switch (key, v) {
                case ("hosts", .array(let items)):
                    for item in items {
                        guard case .string(let s) = item else {
                            throw HabitatError(.config, source: where_, "hosts must be strings like \"host:port\"")
                        }
                        spec.members += try parseMembers(s, source: where_)
                    }
                case ("hosts", .string(let s)):
                    spec.members += try parseMembers(s, source: where_)
                case ("http_check", .string(let s)):
                    try refuseControlCharacters(s, what: "http_check", source: where_)
                    spec.httpCheckPath = s.hasPrefix("/") ? s : "/" + s
                case ("cfg", .object(let o)):
                    spec.cfg = o
                case ("members", .array(let items)):
                    for item in items {
                        guard case .object(let m) = item, case .string(let host)? = m["host"] else {
                            throw HabitatError(.config, source: where_, "each [[\(name).members]] needs host = \"…\"")
                        }
                        try refuseControlCharacters(host, what: "host", source: where_)
                        var member = MemberSpec(host: host)
                        if let p = m["port"] {
                            guard case .integer(let i) = p, (1...65535).contains(i) else {
                                throw HabitatError(.config, source: where_, "port must be an integer 1-65535")
                            }
                            member.port = Int(i)
                        }
                        member.cfg = m["cfg"]?.objectValue ?? Object()
                        spec.members.append(member)
                    }
                case ("hosts", _):
                    throw HabitatError(.config, source: where_, "hosts must be a list of \"host:port\" strings")
                case ("http_check", _):
                    throw HabitatError(.config, source: where_, "http_check must be a path string like \"/healthz\"")
                case ("cfg", _):
                    throw HabitatError(.config, source: where_, "cfg must be a table of exported values")
                case ("members", _):
                    throw HabitatError(.config, source: where_, "members must be an array of tables ([[\(name).members]])")
                default:
                    throw HabitatError(.config, source: where_,
                                       "unknown key '\(key)' (known: hosts, http_check, cfg, members)")
                }
            }
            guard !spec.members.isEmpty else {
                throw HabitatError(.config, source: where_, "no members: give hosts = [\"host:port\"] or [[\(name).members]]")
            }
            specs.append(spec)
        }
        return specs
    }
}
