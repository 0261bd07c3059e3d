/// Number printing as serde_json (handlebars-rust's JSON values) does it.
public enum NumberFormat {
    /// The shortest text that reads back as `value`, laid out the way the
    /// `ryu` crate (serde_json's float printer) lays it out: `1.0`, `0.5`,
    /// `1e16`, `1.5e-7`, `0.00001`. Non-finite values print as `null`, as
    /// serde_json writes them.
    public static func json(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = decompose(value)
        // `digits` × 10^`exponent`; kk is the position of the decimal point.
        let length = digits.count
        let kk = length + exponent
        var out = negative ? "-" : ""
        if exponent >= 0 && kk <= 16 {
            out += digits + String(repeating: "0", count: exponent) + ".0"
        } else if kk > 0 && kk <= 16 {
            let i = digits.index(digits.startIndex, offsetBy: kk)
            out += digits[..<i] + "." + digits[i...]
        } else if kk > -5 && kk <= 0 {
            out += "0." + String(repeating: "0", count: -kk) + digits
        } else if length == 1 {
            out += digits + "e" + String(kk - 1)
        } else {
            out += String(digits.first!) + "." + digits.dropFirst() + "e" + String(kk - 1)
        }
        return out
    }

    /// Splits a finite, non-zero double into sign, its shortest round-trip
    /// decimal digits (no leading or trailing zeros) and a power of ten.
    public static func decompose(_ value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        // Swift's description is already the shortest round-trip form; only
        // its layout differs ("1e+16", "0.001", "123.5").
        var text = Swift.abs(value).description
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        exp -= fracPart.count
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst() }
        while digits.hasSuffix("0") && digits.count > 1 {
            digits.removeLast()
            exp += 1
        }
        return (value.sign == .minus, digits, exp)
    }
}
