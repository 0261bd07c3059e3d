// Reads TOML on stdin and prints toml-test's tagged JSON, or exits 1 with the
// error on stderr. Used by ../shared/toml-test/run.py. Reads TOML 1.1 (what
// roost reads) unless TOML_VERSION=1.0.0 (run.py's default case list, which
// also passes that variable on to this program) asks for TOML 1.0.
#if canImport(Glibc)
import Glibc
#endif
import TOML

func readStdin() -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(0, &buf, buf.count)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

func quote(_ s: String) -> String {
    var o = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        case "\r": o += "\\r"
        case "\t": o += "\\t"
        default:
            if u.value < 0x20 || u.value == 0x7F {
                let h = String(u.value, radix: 16)
                o += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                o.unicodeScalars.append(u)
            }
        }
    }
    return o + "\""
}

func tagged(_ v: TOMLValue) -> String {
    func leaf(_ t: String, _ s: String) -> String { "{\"type\":\"\(t)\",\"value\":\(quote(s))}" }
    switch v {
    case .string(let s): return leaf("string", s)
    case .integer(let i): return leaf("integer", String(i))
    case .float(let d):
        if d.isNaN { return leaf("float", "nan") }
        if d.isInfinite { return leaf("float", d < 0 ? "-inf" : "inf") }
        return leaf("float", d.description)
    case .bool(let b): return leaf("bool", b ? "true" : "false")
    case .datetime(let dt):
        let kind: String
        switch dt.kind {
        case .offsetDateTime: kind = "datetime"
        case .localDateTime: kind = "datetime-local"
        case .localDate: kind = "date-local"
        case .localTime: kind = "time-local"
        }
        return leaf(kind, dt.text)
    case .array(let items): return "[" + items.map(tagged).joined(separator: ",") + "]"
    case .table(let t): return table(t)
    }
}

func table(_ t: TOMLTable) -> String {
    "{" + t.map { quote($0.key) + ":" + tagged($0.value) }.joined(separator: ",") + "}"
}

let bytes = readStdin()
let version: TOML.Version
switch getenv("TOML_VERSION").map({ String(cString: $0) }) {
case nil, "1.0.0"?: version = .v1_0
case "1.1.0"?: version = .v1_1
case let other?:
    let m = "TOML_VERSION=\(other): expected 1.0.0 or 1.1.0\n"; _ = write(2, m, m.utf8.count)
    exit(2)
}
do {
    print(table(try TOML.decode(bytes: bytes, version: version)))
} catch {
    let m = "\(error)\n"; _ = write(2, m, m.utf8.count)
    exit(1)
}
