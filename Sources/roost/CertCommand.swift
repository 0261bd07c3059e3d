import Arguments
import Certificates
import Habitat
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// `roost cert …`: TLS material for hooks.
enum CertCommand {
    static let command = Command(
        name: "cert",
        abstract: "Create TLS keys and certificates for the service.",
        subcommands: [Ensure.command]
    )

    enum Ensure {
        static let command = Command(
            name: "ensure",
            abstract: "Create a key and self-signed certificate once; reuse them while they are good.",
            discussion: """
            Creates the pair only when it is absent, mismatched (the key does not belong to \
            the certificate) or expires within --renew-before days; otherwise it says why \
            the pair is still good and changes nothing. The key is written first (mode 0600 \
            from the start), then the certificate, each atomically, under a lock in the \
            certificate's directory, so containers sharing a volume end with one pair. \
            Exit status: 0 ok; 64 bad arguments; 65 an existing file is not a key or \
            certificate (nothing is overwritten); 73 a file cannot be written.
            """,
            options: [
                .string("cert", valueName: "PATH", required: true, help: "Certificate file (PEM)."),
                .string("key", valueName: "PATH", required: true, help: "Private key file (PEM)."),
                .string("subject", valueName: "SUBJECT", help: "Subject, OpenSSL style: /C=US/ST=…/L=…/O=…/OU=…/CN=…"),
                .strings("san", valueName: "SAN", help: "Subject alternative name: DNS:name or IP:address (repeatable). Default: this host's name and address, and localhost."),
                .int("days", default: 3650, help: "Validity in days."),
                .string("key-type", default: "rsa", help: "rsa or ec (ECDSA P-256)."),
                .int("rsa-bits", default: 2048, help: "RSA key size."),
                .int("renew-before", valueName: "DAYS", help: "Replace a certificate that expires within this many days (default 30, or half of --days when shorter)."),
                .string("owner", valueName: "USER:GROUP", help: "Owner of both files when run as root."),
            ],
            run: run
        )

        static func run(_ arguments: ParsedArguments) throws {
            let cert = arguments.string("cert"), key = arguments.string("key")
            let days = arguments.int("days"), keyType = arguments.string("key-type"), rsaBits = arguments.int("rsa-bits")
            func bad(_ message: String) -> Never {
                writeStderr("roost: cert ensure: \(message)\n")
                Glibc.exit(64)
            }
            let type: CertificateRequest.KeyType
            switch keyType.lowercased() {
            case "rsa":
                guard [2048, 3072, 4096].contains(rsaBits) else { bad("--rsa-bits must be 2048, 3072 or 4096") }
                type = .rsa(bits: rsaBits)
            case "ec", "ecdsa", "p256", "p-256": type = .ecdsaP256
            default: bad("--key-type must be rsa or ec (got '\(keyType)')")
            }
            guard (1...CertificateRequest.maxDays).contains(days) else {
                bad("--days must be between 1 and \(CertificateRequest.maxDays) (got \(days))")
            }
            guard !cert.isEmpty, !key.isEmpty else { bad("--cert and --key must not be empty") }
            guard !samePath(cert, key) else { bad("--cert and --key name the same file (\(cert)): the key would be overwritten") }
            let renewBefore = arguments.optionalInt("renew-before") ?? min(30, days / 2)
            guard renewBefore >= 0, renewBefore < days else { bad("--renew-before must be at least 0 and less than --days") }
            let (sys, _) = SystemInfo.discover(ip: nil, hostname: nil, service: "cert", version: "")
            let parsedSubject: Subject
            do {
                parsedSubject = try arguments.optionalString("subject").map { try Subject(parsing: $0) } ?? Subject(commonName: sys.hostname)
            } catch {
                bad("\(error)")
            }
            var names: [CertificateRequest.AlternativeName] = []
            for item in arguments.strings("san") {
                guard let n = CertificateRequest.AlternativeName(parsing: item) else {
                    bad("--san '\(item)' is not DNS:name or IP:address (a name in ASCII: an international one in its xn-- form)")
                }
                names.append(n)
            }
            if names.isEmpty {
                names = [CertificateRequest.AlternativeName(parsing: "DNS:" + sys.hostname), .dns("localhost")].compactMap { $0 }
                if let ip = CertificateRequest.AlternativeName(parsing: "IP:" + sys.ip) { names.append(ip) }
                names.append(CertificateRequest.AlternativeName(parsing: "IP:127.0.0.1")!)
            }
            // Each name once: a hook often names the same host twice (server
            // name and hostname), and the host may be called localhost.
            names = names.reduce(into: []) { kept, n in if !kept.contains(n) { kept.append(n) } }
            var ownerIDs: (uid: uid_t, gid: gid_t)?
            if let owner = arguments.optionalString("owner") {
                let parts = owner.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let user = parts.first, !user.isEmpty, parts.count == 1 || !parts[1].isEmpty else {
                    bad("--owner '\(owner)' must be USER or USER:GROUP")
                }
                do {
                    let identity = try UserLookup.identity(user: user, group: parts.count > 1 ? parts[1] : nil)
                    ownerIDs = (identity.uid, identity.gid)
                } catch {
                    bad("--owner \(owner): \(error)")
                }
            }
            let options = CertificateEnsurer.Options(
                certPath: cert, keyPath: key,
                request: CertificateRequest(subject: parsedSubject, alternativeNames: names, days: days, keyType: type),
                renewBeforeDays: renewBefore, owner: ownerIDs,
                warn: { writeStderr("roost: cert ensure: warning: \($0)\n") })
            do {
                switch try CertificateEnsurer.ensure(options) {
                case .created(let s, let reason):
                    writeStdout("created \(key) and \(cert) (\(reason)): \(describe(s))\n")
                case .reused(let s):
                    writeStdout("reused \(cert): valid and matching its key, \(describe(s))\n")
                }
            } catch {
                writeStderr("roost: cert ensure: \(error)\n")
                Glibc.exit(error.exitCode)
            }
        }

        /// The same path, or two names of one existing file (a link, `./x`).
        static func samePath(_ a: String, _ b: String) -> Bool {
            if a == b { return true }
            var sa = stat(), sb = stat()
            if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
            func normal(_ p: String) -> String {
                let absolute = FileSystem.absolute(p)
                var parts: [Substring] = []
                for c in absolute.split(separator: "/") where c != "." {
                    if c == ".." { _ = parts.popLast() } else { parts.append(c) }
                }
                return "/" + parts.joined(separator: "/")
            }
            return normal(a) == normal(b)
        }

        static func describe(_ s: CertificateSummary) -> String {
            var t = time_t(Int(s.notValidAfter.timeIntervalSince1970))
            var parts = tm()
            gmtime_r(&t, &parts)
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let date = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
            return "\(s.subject), \(s.alternativeNames.joined(separator: " ")), expires \(date), SHA-256 \(s.fingerprint)"
        }
    }
}
