extension StringProtocol {
    /// The text without the leading and trailing characters that match
    /// `drop` (the standard library has no two-sided trim).
    func trimming(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }

    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String { trimming(\.isWhitespace) }
}
