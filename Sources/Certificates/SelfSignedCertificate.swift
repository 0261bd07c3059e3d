#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import _CryptoExtras
import SwiftASN1
import X509

/// A private key and its self-signed certificate, as PEM text.
public struct KeyPair: Sendable {
    public var keyPEM: String
    public var certificatePEM: String
}

/// Facts about an existing certificate, for deciding whether to keep it and
/// for the one-line report.
public struct CertificateSummary: Sendable {
    public var subject: String
    public var alternativeNames: [String]
    public var notValidAfter: Date
    /// SHA-256 of the DER certificate, as colon-separated hex.
    public var fingerprint: String
}

/// Creates keys and self-signed TLS server certificates (swift-certificates
/// and swift-crypto; no openssl process).
public enum SelfSignedCertificate {
    public static func create(_ request: CertificateRequest, now: Date = Date()) throws -> KeyPair {
        let key: Certificate.PrivateKey
        switch request.keyType {
        case .rsa(let bits):
            key = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)))
        case .ecdsaP256:
            key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        }
        return KeyPair(keyPEM: try key.serializeAsPEM().pemString,
                       certificatePEM: try certificate(for: key, request, now: now).serializeAsPEM().pemString)
    }

    /// A certificate for an existing key (after a crash left the key alone).
    public static func create(_ request: CertificateRequest, keyPEM: String, now: Date = Date()) throws -> KeyPair {
        let key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        return KeyPair(keyPEM: keyPEM, certificatePEM: try certificate(for: key, request, now: now).serializeAsPEM().pemString)
    }

    static func certificate(for key: Certificate.PrivateKey, _ request: CertificateRequest, now: Date) throws -> Certificate {
        let name = try distinguishedName(request.subject)
        var isRSA = false
        if case .rsa = request.keyType { isRSA = true }
        let names: [GeneralName] = request.alternativeNames.map {
            switch $0 {
            case .dns(let n): return .dnsName(n)
            case .ip(let bytes, _): return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
            }
        }
        let extensions = try Certificate.Extensions {
            // CA:TRUE so clients can trust it directly (`--cacert cert.pem`).
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: isRSA, keyCertSign: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames(names)
        }
        var serial = [UInt8](repeating: 0, count: 16)
        for i in serial.indices { serial[i] = UInt8.random(in: 0...255) }
        serial[0] &= 0x7F  // positive
        serial[0] |= 0x01  // no leading zero byte
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(request.days) * 86400),
            issuer: name, subject: name, extensions: extensions, issuerPrivateKey: key)
    }

    static func distinguishedName(_ subject: Subject) throws -> DistinguishedName {
        typealias T = ASN1ObjectIdentifier.RDNAttributeType
        let types: [String: ASN1ObjectIdentifier] = [
            "C": T.countryName, "ST": T.stateOrProvinceName, "L": T.localityName,
            "O": T.organizationName, "OU": T.organizationalUnitName, "CN": T.commonName,
        ]
        return try DistinguishedName(subject.attributes.map { attribute -> RelativeDistinguishedName.Attribute in
            if attribute.key == "C" {
                return try .init(type: types["C"]!, printableString: attribute.value)
            }
            return .init(type: types[attribute.key]!, utf8String: attribute.value)
        })
    }

    /// Parses a PEM certificate; nil when it is not one.
    /// A file holding a chain (the leaf first, then intermediates, as
    /// servers expect it) gives its first certificate.
    public static func parse(certificatePEM: String) -> Certificate? {
        let lines = certificatePEM.split(separator: "\n", omittingEmptySubsequences: false)
        guard let last = lines.firstIndex(where: { $0.hasPrefix("-----END CERTIFICATE-----") }) else { return nil }
        return try? Certificate(pemEncoded: lines[...last].joined(separator: "\n"))
    }

    /// Parses a PEM private key; nil when it is not one.
    public static func parse(keyPEM: String) -> Certificate.PrivateKey? {
        try? Certificate.PrivateKey(pemEncoded: keyPEM)
    }

    public static func summary(of certificate: Certificate) -> CertificateSummary {
        let der = (try? certificate.serializeAsPEM().derBytes) ?? []
        let digest = SHA256.hash(data: der)
        let hex = digest.map { b -> String in
            let s = String(b, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }
        var names: [String] = []
        if let san = try? certificate.extensions.subjectAlternativeNames {
            for n in san {
                switch n {
                case .dnsName(let d): names.append("DNS:\(d)")
                case .ipAddress(let o): names.append("IP:\(ipText(Array(o.bytes)))")
                default: break
                }
            }
        }
        return CertificateSummary(subject: "\(certificate.subject)", alternativeNames: names,
                                  notValidAfter: certificate.notValidAfter, fingerprint: hex.joined(separator: ":"))
    }

    static func ipText(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: bytes.count - 1, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}
