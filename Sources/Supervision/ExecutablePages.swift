import CSupport

/// The supervisor's own binary in memory.
public enum ExecutablePages {
    /// Drops the pages of the executable's read-only mappings touched so far
    /// from the resident set (they stay in the page cache and come back when
    /// touched): a long-running supervisor keeps only what its idle loop uses.
    /// Returns the number of mappings released (-1: not supported).
    @discardableResult
    public static func release() -> Int {
        Int(roost_release_executable_pages())
    }
}
