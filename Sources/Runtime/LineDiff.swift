/// A unified diff of two texts, line by line (`--diff`, and `roost dev`'s
/// short report of what changed).
public enum LineDiff {
    enum Op { case same(String), removed(String), added(String) }

    /// `---`/`+++` headers and hunks with `context` lines around changes;
    /// empty when the texts are equal.
    public static func unified(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let ops = diff(a, b)
        guard ops.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Group changes into hunks.
        var i = 0
        var oldLine = 1, newLine = 1
        var positions: [(old: Int, new: Int)] = []
        for op in ops {
            positions.append((oldLine, newLine))
            switch op {
            case .same: oldLine += 1; newLine += 1
            case .removed: oldLine += 1
            case .added: newLine += 1
            }
        }
        while i < ops.count {
            guard let start = ops[i...].firstIndex(where: { if case .same = $0 { return false } else { return true } }) else { break }
            var end = start
            var k = start
            var sameRun = 0
            while k < ops.count {
                if case .same = ops[k] { sameRun += 1; if sameRun > 2 * context { break } } else { sameRun = 0; end = k }
                k += 1
            }
            let from = max(i, start - context)
            let to = min(ops.count - 1, end + context)
            var oldCount = 0, newCount = 0
            var body = ""
            for op in ops[from...to] {
                switch op {
                case .same(let l): body += " " + l + "\n"; oldCount += 1; newCount += 1
                case .removed(let l): body += "-" + l + "\n"; oldCount += 1
                case .added(let l): body += "+" + l + "\n"; newCount += 1
                }
            }
            out += "@@ -\(positions[from].old),\(oldCount) +\(positions[from].new),\(newCount) @@\n" + body
            i = to + 1
        }
        return out
    }

    static func lines(_ s: String) -> [String] {
        var l = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if l.last == "" { l.removeLast() }
        return l
    }

    /// A shortest edit script (the standard library's Myers diff, O((n+m)·d))
    /// between the lines after the common prefix and suffix; within a change,
    /// removed lines come before added ones. A very large changed middle
    /// falls back to "all removed, all added" (Myers keeps O(d²) state).
    static func diff(_ a: [String], _ b: [String]) -> [Op] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let a1 = a[prefix..<(a.count - suffix)], b1 = b[prefix..<(b.count - suffix)]
        var middle: [Op] = []
        if a1.count + b1.count > 4_000 {
            middle = a1.map(Op.removed) + b1.map(Op.added)
        } else {
            var removed = Set<Int>(), inserted = Set<Int>()
            for change in b1.difference(from: a1) {
                switch change {
                case .remove(let offset, _, _): removed.insert(offset)
                case .insert(let offset, _, _): inserted.insert(offset)
                }
            }
            // Offsets count from the slices' starts.
            var x = 0, y = 0
            while x < a1.count || y < b1.count {
                if x < a1.count, removed.contains(x) {
                    middle.append(.removed(a1[a1.startIndex + x])); x += 1
                } else if y < b1.count, inserted.contains(y) {
                    middle.append(.added(b1[b1.startIndex + y])); y += 1
                } else {
                    middle.append(.same(a1[a1.startIndex + x])); x += 1; y += 1
                }
            }
        }
        return a[..<prefix].map(Op.same) + middle + a[(a.count - suffix)...].map(Op.same)
    }
}
