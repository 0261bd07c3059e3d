import Handlebars

/// The binds configured for one package, checked against its contract.
public struct BindSet: Sendable, Equatable {
    /// One configured bind with the contract the package declares for it.
    public struct Entry: Sendable, Equatable {
        public var spec: BindSpec
        public var required: Bool
        /// Export names the plan's contract asks the bound service for.
        public var contract: [String]
        /// The contract key a member's port fills (`port`, `http-port`, …).
        public var portKey: String

        public init(spec: BindSpec, required: Bool, contract: [String], portKey: String) {
            self.spec = spec
            self.required = required
            self.contract = contract
            self.portKey = portKey
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Collects binds from a binds file, `ROOST_BIND_*` variables and `--bind`
    /// options (later sources replace earlier ones of the same name), then
    /// checks them against the package: an undeclared bind, a required bind
    /// with no members, or a contract key nobody provides is a configuration
    /// error naming the bind and its contract.
    public static func configure(package: ServicePackage, options: [String], environment: [String: String],
                                 bindsFile: String?) throws(HabitatError) -> BindSet {
        var specs: [String: BindSpec] = [:]
        var order: [String] = []
        func add(_ spec: BindSpec) {
            if specs[spec.name] == nil { order.append(spec.name) }
            specs[spec.name] = spec
        }
        if let bindsFile { for s in try BindSpec.parseFile(bindsFile) { add(s) } }
        var declaredVariables: Set<String> = []
        for name in package.declaredBindNames {
            let variable = BindSpec.variableName(forBind: name)
            declaredVariables.insert(variable)
            if let text = environment[variable] {
                add(BindSpec(name: name, members: try BindSpec.parseMembers(text, source: variable), source: variable))
            }
        }
        // A ROOST_BIND_ variable for a bind the package does not declare is a
        // typo or a stale setting: an error, as for --bind and the binds file
        // (ignoring it would quietly start without the members it names).
        if let stray = environment.keys.filter({ $0.hasPrefix("ROOST_BIND_") && !declaredVariables.contains($0) }).sorted().first {
            throw HabitatError(.config, source: stray,
                               "no bind of \(package.ident.name) is named by this variable; \(describeContracts(package))")
        }
        for option in options {
            for item in option.split(separator: " ") { add(try BindSpec.parse(option: String(item))) }
        }

        var entries: [Entry] = []
        for name in order {
            var spec = specs[name]!
            guard let contract = package.contract(ofBind: name) else {
                throw HabitatError(.config, source: spec.source,
                                   "bind '\(name)' is not declared by \(package.ident.name); \(describeContracts(package))")
            }
            let portKey = contract.exports.first { $0.lowercased().contains("port") } ?? "port"
            // A member without HOST:PORT whose exported values hold the
            // contract's port is probed on that port, not taken on trust.
            for i in spec.members.indices where spec.members[i].port == nil {
                spec.members[i].port = Self.port(spec.members[i].cfg[portKey] ?? spec.cfg[portKey])
            }
            let entry = Entry(spec: spec, required: contract.required, contract: contract.exports, portKey: portKey)
            for member in spec.members {
                let provided = Set(spec.cfg.keys).union(member.cfg.keys).union(member.port != nil ? [portKey] : [])
                let missing = contract.exports.filter { !provided.contains($0) }
                if !missing.isEmpty {
                    throw HabitatError(.config, source: spec.source,
                                       "bind '\(name)' member \(member.host) does not provide \(missing.joined(separator: ", ")) (the contract asks for: \(contract.exports.joined(separator: " "))); give HOST:PORT, or the values in a binds file's [\(name).cfg]")
                }
            }
            entries.append(entry)
        }
        let missing = package.binds.map(\.name).filter { specs[$0] == nil }
        if !missing.isEmpty {
            let lines = missing.map { name in
                "\(name) (exports: \(package.contract(ofBind: name)!.exports.joined(separator: " "))): --bind \(name)=HOST:PORT or \(BindSpec.variableName(forBind: name))=HOST:PORT"
            }
            throw HabitatError(.config, source: package.ident.description,
                               "missing required bind(s): " + lines.joined(separator: "; "))
        }
        return BindSet(entries: entries)
    }

    /// A port from an exported value: an integer, or a string of digits, in 1…65535.
    static func port(_ value: Value?) -> Int? {
        let number: Int?
        switch value {
        case .integer(let i)?: number = Int(exactly: i)
        case .string(let s)?: number = Int(s)
        default: number = nil
        }
        return number.flatMap { (1...65535).contains($0) ? $0 : nil }
    }

    static func describeContracts(_ package: ServicePackage) -> String {
        if package.declaredBindNames.isEmpty { return "it declares no binds" }
        let req = package.binds.map { "\($0.name) (required: \($0.exports.joined(separator: " ")))" }
        let opt = package.bindsOptional.map { "\($0.name) (optional: \($0.exports.joined(separator: " ")))" }
        return "it declares: " + (req + opt).joined(separator: ", ")
    }
}

/// What a probe found out about one member address.
public struct MemberStatus: Sendable, Equatable {
    public var bind: String
    /// The host as the operator wrote it.
    public var host: String
    /// One resolved address (the host itself when it is an address); nil when
    /// the name did not resolve.
    public var address: String?
    public var port: Int?
    public var alive: Bool
    /// Why it is not alive ("connection refused", "no such host", …).
    public var reason: String

    public init(bind: String, host: String, address: String?, port: Int?, alive: Bool, reason: String) {
        self.bind = bind
        self.host = host
        self.address = address
        self.port = port
        self.alive = alive
        self.reason = reason
    }

    public var endpoint: String {
        let a = address ?? host
        let shown = a.contains(":") ? "[\(a)]" : a
        return port.map { "\(shown):\($0)" } ?? shown
    }
}

extension BindSet.Entry {
    /// The bind as templates see it, from probe results: one member per
    /// resolved address, alive when it answered, `confirmed` (dead) otherwise.
    public func boundGroup(statuses: [MemberStatus]) -> BoundGroup {
        var members: [Member] = []
        for status in statuses where status.bind == spec.name {
            guard let address = status.address else { continue }
            let memberSpec = spec.members.first { $0.host == status.host && $0.port == status.port }
                ?? spec.members.first { $0.host == status.host }
            var cfg = spec.cfg
            for (k, v) in memberSpec?.cfg ?? Object() { cfg[k] = v }
            if let port = status.port, cfg[portKey] == nil { cfg[portKey] = .integer(Int64(port)) }
            var member = Member(
                memberID: SystemInfo.memberID(hostname: "\(address):\(status.port ?? 0)", service: spec.name),
                ident: PackageIdent(origin: "roost", name: spec.name), service: spec.name, group: "default",
                ip: address, hostname: status.host, cfg: cfg)
            member.health = status.alive ? .alive : .confirmed
            members.append(member)
        }
        return BoundGroup(name: spec.name, members: members)
    }
}
