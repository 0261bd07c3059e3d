#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import X509
import SafeFiles

/// `roost cert ensure`: makes sure a key and a certificate exist, match and
/// stay valid long enough, creating them only when needed.
///
/// Safe on shared volumes: the check-and-create runs under an exclusive lock
/// on `<dir>/.roost-cert.lock`, so containers starting together end up with
/// one pair. The key is written before the certificate, each atomically, so a
/// crash leaves no pair, a whole pair, or a key alone (which the next run
/// completes with a certificate for that same key).
public enum CertificateEnsurer {
    public struct Options: Sendable {
        public var certPath: String
        public var keyPath: String
        public var request: CertificateRequest
        /// Replace a certificate that expires within this many days.
        public var renewBeforeDays: Int
        public var owner: (uid: uid_t, gid: gid_t)?
        /// Told about what was repaired on the way (a key readable by others).
        public var warn: @Sendable (String) -> Void

        public init(certPath: String, keyPath: String, request: CertificateRequest, renewBeforeDays: Int = 30,
                    owner: (uid: uid_t, gid: gid_t)? = nil, warn: @escaping @Sendable (String) -> Void = { _ in }) {
            self.certPath = certPath
            self.keyPath = keyPath
            self.request = request
            self.renewBeforeDays = renewBeforeDays
            self.owner = owner
            self.warn = warn
        }
    }

    public enum Outcome: Sendable {
        case created(CertificateSummary, reason: String)
        case reused(CertificateSummary)
    }

    public enum Failure: Error, CustomStringConvertible {
        /// Existing files hold something that is not a key or a certificate.
        case badExistingData(path: String, reason: String)
        /// A file or the lock cannot be written.
        case cannotWrite(FileWriteError)
        case cryptography(String)

        public var description: String {
            switch self {
            case .badExistingData(let path, let reason): return "\(path): \(reason); nothing was changed (move it away to create a new pair)"
            case .cannotWrite(let e): return e.description
            case .cryptography(let m): return "could not create the key or certificate: \(m)"
            }
        }

        /// 65 bad existing data, 73 cannot create output, 70 internal.
        public var exitCode: Int32 {
            switch self {
            case .badExistingData: 65
            case .cannotWrite: 73
            case .cryptography: 70
            }
        }
    }

    public static func ensure(_ options: Options, now: Date = Date()) throws(Failure) -> Outcome {
        let lockPath = AtomicFile.parentDirectory(options.certPath) + "/.roost-cert.lock"
        let lock: FileLock
        do {
            lock = try FileLock(path: lockPath)
        } catch {
            throw .cannotWrite(error)
        }
        defer { lock.unlock() }
        AtomicFile.removeLeftovers(of: options.keyPath)
        AtomicFile.removeLeftovers(of: options.certPath)

        let keyText = try readText(options.keyPath)
        let certText = try readText(options.certPath)
        var reuseKey: String?
        var reason = "no key or certificate yet"

        if let keyText {
            guard let key = SelfSignedCertificate.parse(keyPEM: keyText) else {
                throw .badExistingData(path: options.keyPath, reason: "not a PEM private key")
            }
            tightenKeyMode(options)
            if let certText {
                guard let cert = SelfSignedCertificate.parse(certificatePEM: certText) else {
                    throw .badExistingData(path: options.certPath, reason: "not a PEM certificate")
                }
                let renewBy = now.addingTimeInterval(Double(options.renewBeforeDays) * 86400)
                if cert.publicKey != key.publicKey {
                    reason = "the key does not match the certificate"
                } else if cert.notValidAfter <= renewBy {
                    reason = cert.notValidAfter <= now ? "the certificate has expired" : "the certificate expires within \(options.renewBeforeDays) days"
                } else if cert.notValidBefore > now.addingTimeInterval(300) {
                    reason = "the certificate is not valid yet"
                } else {
                    return .reused(SelfSignedCertificate.summary(of: cert))
                }
            } else {
                reuseKey = keyText
                reason = "the key has no certificate"
            }
        } else if certText != nil {
            reason = "the certificate has no key"
        }

        let pair: KeyPair
        do {
            pair = reuseKey != nil
                ? try SelfSignedCertificate.create(options.request, keyPEM: reuseKey!, now: now)
                : try SelfSignedCertificate.create(options.request, now: now)
        } catch {
            throw .cryptography("\(error)")
        }
        do {
            if reuseKey == nil {
                try AtomicFile.write(Array(pair.keyPEM.utf8), to: options.keyPath, mode: 0o600, owner: options.owner)
            }
            try AtomicFile.write(Array(pair.certificatePEM.utf8), to: options.certPath, mode: 0o644, owner: options.owner)
        } catch {
            throw .cannotWrite(error)
        }
        guard let cert = SelfSignedCertificate.parse(certificatePEM: pair.certificatePEM) else {
            throw .cryptography("the new certificate does not parse")
        }
        return .created(SelfSignedCertificate.summary(of: cert), reason: reason)
    }

    /// The largest key or certificate file read (a chain included).
    public static let maxFileSize = 1024 * 1024

    /// The file's text, or nil when it does not exist. A file that exists
    /// but cannot be read (permissions, a directory, a FIFO, a device, larger
    /// than `maxFileSize`) is an error: treating it as absent would replace a
    /// key we merely cannot see. The path is the operator's choice, so a
    /// symlink is followed, but its target must be a regular file.
    static func readText(_ path: String) throws(Failure) -> String? {
        switch SafeFile.read(path, limit: maxFileSize, followSymlinks: true) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(.missing): return nil
        case .failure(let problem): throw .badExistingData(path: path, reason: problem.description)
        }
    }

    /// A private key that others can read is made 0600 (its owner keeps
    /// access, nobody else needs it), with a warning: reusing it silently
    /// would leave the leak in place.
    static func tightenKeyMode(_ options: Options) {
        let fd = open(options.keyPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { return }
        let old = String(st.st_mode & 0o777, radix: 8)
        if fchmod(fd, 0o600) == 0 {
            options.warn("\(options.keyPath) was readable by others (mode 0\(old)); its mode is now 0600")
        } else {
            options.warn("\(options.keyPath) is readable by others (mode 0\(old)) and cannot be changed: \(String(cString: strerror(errno)))")
        }
    }
}
