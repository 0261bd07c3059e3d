import CSupport

/// The supervisor's own binary in memory.
public enum ExecutablePages {
    /// Drops the pages of the executable's mappings touched so far from the
    /// resident set (`MADV_PAGEOUT`: they come back from the page cache or
    /// the file when touched; written data pages are kept, or swapped): a
    /// long-running supervisor keeps only what its idle loop uses.
    /// Returns the number of mappings released (-1: not supported).
    @discardableResult
    public static func release() -> Int {
        Int(roost_release_executable_pages())
    }
}
