/// A JSON-like value that templates navigate.
///
/// Objects keep their keys in insertion order (as serde_json built with
/// `preserve_order`, so `#each` follows the order of the source data).
/// Integers and floats are distinct cases because handlebars-rust prints the
/// float `1.0` as `1.0` and the integer `1` as `1`.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// An unsigned integer above `Int64.max` (serde_json keeps these exactly).
    case unsigned(UInt64)
    case float(Double)
    case string(String)
    case array([Value])
    case object(Object)
}

/// An ordered string-keyed map: lookups by key, iteration in insertion order.
/// Replacing an existing key keeps its position; new keys are appended.
public struct Object: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, Value)...) {
        keys.reserveCapacity(elements.count)
        storage.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, Value) {
        for (k, v) in pairs { self[k] = v }
    }

    /// The same for an array, without generic code: the generic init, called
    /// from another module, looks up `Array`'s associated types at run time,
    /// which scans every conformance in the binary on its first use.
    public init(_ pairs: [(String, Value)]) {
        keys.reserveCapacity(pairs.count)
        storage.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Key/value pairs in insertion order.
    public var pairs: [(key: String, value: Value)] { keys.map { ($0, storage[$0]!) } }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> {
        pairs.makeIterator()
    }

    /// The same entries with keys sorted by Unicode scalar order (as Rust's
    /// `BTreeMap<String, _>` orders them).
    public func sortedByKey() -> Object {
        Object(keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            .map { ($0, storage[$0]!) })
    }

    public static func == (lhs: Object, rhs: Object) -> Bool {
        lhs.keys == rhs.keys && lhs.storage == rhs.storage
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        var o = Object()
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
    public init(nilLiteral: ()) { self = .null }
}

extension Value {
    /// The object's member, or nil when this is not an object or has no such key.
    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: Object? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
