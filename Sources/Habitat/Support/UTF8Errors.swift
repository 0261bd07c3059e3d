extension HabitatError {
    /// Input that is not UTF-8: the error names the first bad byte by its
    /// offset, line and column (bad data, not an unreadable file). Nothing
    /// of the input itself is shown, so no secret can leak through it.
    public static func notUTF8(_ bytes: [UInt8], source: String, kind: Kind = .config) -> HabitatError {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        var column = 1
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                offset += encoded.count
            case .error:
                break loop
            case .emptyInput:
                // Valid after all: nothing better to point at than the end.
                break loop
            }
        }
        let byte = offset < bytes.count ? " 0x" + String(bytes[offset], radix: 16, uppercase: true) : ""
        return HabitatError(kind, source: source, line: line, column: column,
                            "not UTF-8 text: invalid byte\(byte) at byte offset \(offset)")
    }
}
