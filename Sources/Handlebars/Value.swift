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
///
/// Entries live in one array in order. Most objects are small (a config
/// table, `pkg`, a member), and for those a scan comparing keys (short keys
/// are compared in registers) beats hashing every key on insert and lookup;
/// past `indexedCount` entries a dictionary from key to position is kept too.
public struct Object: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Entry = (key: String, value: Value)

    private var entries: [Entry] = []
    /// Key to position in `entries`; present only past `indexedCount` entries.
    private var index: [String: Int]?
    static let indexedCount = 12

    public init() {}

    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements)
    }

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, Value) {
        for (k, v) in pairs { self[k] = v }
    }

    /// The same for an array, without generic code: the generic init, called
    /// from another module, looks up `Array`'s associated types at run time,
    /// which scans every conformance in the binary on its first use.
    public init(_ pairs: [(String, Value)]) {
        entries.reserveCapacity(pairs.count)
        guard pairs.count > Self.indexedCount else {
            for (k, v) in pairs { self[k] = v }
            return
        }
        // One hash per key: `updateValue` finds a repeated key and inserts a
        // new one in the same step (a lookup, then an insert, hashed twice).
        var index = [String: Int](minimumCapacity: pairs.count)
        for (k, v) in pairs {
            if let earlier = index.updateValue(entries.count, forKey: k) {
                index[k] = earlier
                entries[earlier].value = v
            } else {
                entries.append((k, v))
            }
        }
        self.index = index
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in entries.indices where entries[i].key == key { return i }
        return nil
    }

    public subscript(key: String) -> Value? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let newValue {
                if let i = position(of: key) {
                    entries[i].value = newValue
                } else {
                    entries.append((key, newValue))
                    if index != nil {
                        index![key] = entries.count - 1
                    } else if entries.count > Self.indexedCount {
                        rebuildIndex()
                    }
                }
            } else if let i = position(of: key) {
                entries.remove(at: i)
                if index != nil { rebuildIndex() }
            }
        }
    }

    private mutating func rebuildIndex() {
        var index = [String: Int](minimumCapacity: entries.count * 2)
        for (i, entry) in entries.enumerated() { index[entry.key] = i }
        self.index = index
    }

    /// Key/value pairs in insertion order.
    public var pairs: [Entry] { entries }

    public func makeIterator() -> IndexingIterator<[Entry]> {
        entries.makeIterator()
    }

    /// The same entries with keys sorted by Unicode scalar order (as Rust's
    /// `BTreeMap<String, _>` orders them).
    public func sortedByKey() -> Object {
        Object(entries.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            .map { ($0.key, $0.value) })
    }

    /// Same keys in the same order with equal values.
    public static func == (lhs: Object, rhs: Object) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
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
        self = .object(Object(elements))
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
