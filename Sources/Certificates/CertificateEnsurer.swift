#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import X509

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

        public init(certPath: String, keyPath: String, request: CertificateRequest, renewBeforeDays: Int = 30,
                    owner: (uid: uid_t, gid: gid_t)? = nil) {
            self.certPath = certPath
            self.keyPath = keyPath
            self.request = request
            self.renewBeforeDays = renewBeforeDays
            self.owner = owner
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

    /// The file's text, or nil when it does not exist. A file that exists
    /// but cannot be read (permissions, a directory, an I/O error) is an
    /// error: treating it as absent would replace a key we merely cannot see.
    static func readText(_ path: String) throws(Failure) -> String? {
        func unreadable() -> Failure { .badExistingData(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw unreadable()
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw unreadable() }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
