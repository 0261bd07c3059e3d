#if canImport(Glibc)
import Glibc
#endif

/// What the certificate should say: subject, alternative names, validity,
/// key type.
public struct CertificateRequest: Sendable, Equatable {
    public enum KeyType: Sendable, Equatable {
        case rsa(bits: Int)
        case ecdsaP256
    }

    /// A subject alternative name.
    public enum AlternativeName: Sendable, Equatable, CustomStringConvertible {
        case dns(String)
        /// 4 or 16 bytes.
        case ip([UInt8], text: String)

        /// `DNS:name`, `IP:addr`, or a bare name or address.
        public init?(parsing text: String) {
            var value = Substring(text)
            var kind: String?
            if let colon = text.firstIndex(of: ":"), ["DNS", "IP"].contains(text[..<colon].uppercased()) {
                kind = text[..<colon].uppercased()
                value = text[text.index(after: colon)...]
            }
            if kind != "DNS", let bytes = AlternativeName.addressBytes(String(value)) {
                self = .ip(bytes, text: String(value))
                return
            }
            // A certificate holds a DNS name as ASCII (IA5String): an
            // international name goes in its xn-- form.
            guard kind != "IP", !value.isEmpty, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            self = .dns(String(value))
        }

        static func addressBytes(_ text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
            return nil
        }

        public var description: String {
            switch self {
            case .dns(let name): return "DNS:\(name)"
            case .ip(_, let text): return "IP:\(text)"
            }
        }
    }

    public var subject: Subject
    public var alternativeNames: [AlternativeName]
    public var days: Int
    /// The longest validity accepted: 100 years (an X.509 date ends in 9999).
    public static let maxDays = 36500
    public var keyType: KeyType

    public init(subject: Subject, alternativeNames: [AlternativeName], days: Int = 3650, keyType: KeyType = .rsa(bits: 2048)) {
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.days = days
        self.keyType = keyType
    }
}

/// An X.509 subject from OpenSSL's `/C=US/O=Example/CN=host` notation.
public struct Subject: Sendable, Equatable, CustomStringConvertible {
    /// Attribute short names in the order given: C, ST, L, O, OU, CN.
    public var attributes: [(key: String, value: String)]

    public static let knownKeys = ["C", "ST", "L", "O", "OU", "CN"]

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `/K=V/K=V`; `\/` is a literal slash in a value.
    public init(parsing text: String) throws(ParseError) {
        guard text.hasPrefix("/") else {
            throw ParseError(description: "subject '\(text)' must start with '/', like /C=US/O=Example/CN=host")
        }
        var parts: [String] = []
        var current = ""
        var escaped = false
        for ch in text.dropFirst() {
            if escaped { current.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == "/" {
                parts.append(current)
                current = ""
            } else { current.append(ch) }
        }
        parts.append(current)
        attributes = []
        for part in parts where !part.isEmpty {
            guard let eq = part.firstIndex(of: "=") else {
                throw ParseError(description: "subject part '\(part)' has no '=' (write KEY=value, e.g. CN=host)")
            }
            let key = part[..<eq].trimmingSpaces().uppercased()
            let value = part[part.index(after: eq)...].trimmingSpaces()
            guard Subject.knownKeys.contains(key) else {
                throw ParseError(description: "unknown subject attribute '\(key)' (known: \(Subject.knownKeys.joined(separator: ", ")))")
            }
            guard !value.isEmpty else { throw ParseError(description: "subject attribute \(key) is empty") }
            if key == "C" && (value.count != 2 || !value.allSatisfy({ $0.isASCII && $0.isLetter })) {
                throw ParseError(description: "country C=\(value) must be a two-letter code like US")
            }
            attributes.append((key, value))
        }
        guard !attributes.isEmpty else { throw ParseError(description: "subject '\(text)' is empty") }
    }

    public init(commonName: String) { attributes = [("CN", commonName)] }

    public var commonName: String? { attributes.last { $0.key == "CN" }?.value }

    public var description: String { attributes.map { "/\($0.key)=\($0.value)" }.joined() }

    public static func == (a: Subject, b: Subject) -> Bool {
        a.attributes.map(\.key) == b.attributes.map(\.key) && a.attributes.map(\.value) == b.attributes.map(\.value)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
