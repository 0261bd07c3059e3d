/// A decoded TOML value.
public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case datetime(TOMLDateTime)
    case array([TOMLValue])
    case table(TOMLTable)
}

/// A TOML table whose keys keep the order they first appear in the source.
public struct TOMLTable: Equatable, Sendable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: TOMLValue] = [:]

    public init() {}

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> TOMLValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: TOMLValue)]> {
        keys.map { ($0, storage[$0]!) }.makeIterator()
    }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool { a.keys == b.keys && a.storage == b.storage }
}

/// An offset date-time, local date-time, local date or local time.
public struct TOMLDateTime: Equatable, Sendable {
    public enum Kind: Sendable, Equatable { case offsetDateTime, localDateTime, localDate, localTime }
    public var kind: Kind
    public var year = 0, month = 0, day = 0
    public var hour = 0, minute = 0, second = 0
    /// Fractional-second digits as written (at most 9), without the dot.
    public var fraction = ""
    /// Offset in minutes east of UTC; `nil` for local kinds. `Z` is 0.
    public var offsetMinutes: Int?
    /// The offset was written `Z` (printed as `Z`, not `+00:00`).
    public var isZulu = false

    /// RFC 3339 text as the toml crate prints it: `T` between date and time,
    /// `Z` upper case, fraction kept.
    public var text: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func four(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n) }
        let date = "\(four(year))-\(two(month))-\(two(day))"
        var time = "\(two(hour)):\(two(minute)):\(two(second))"
        if !fraction.isEmpty { time += "." + fraction }
        var offset = ""
        if let m = offsetMinutes {
            if isZulu { offset = "Z" } else {
                let a = abs(m)
                offset = (m < 0 ? "-" : "+") + two(a / 60) + ":" + two(a % 60)
            }
        }
        switch kind {
        case .offsetDateTime: return date + "T" + time + offset
        case .localDateTime: return date + "T" + time
        case .localDate: return date
        case .localTime: return time
        }
    }
}

/// A syntax error: 1-based line and column (in characters) and a message.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String
    /// The document nests deeper than `TOML.maxDepth`: the offending line can
    /// be huge (`a = [[[[…`), so callers show the position without it.
    public var isTooDeep = false

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
