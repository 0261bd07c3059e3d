import Handlebars

extension RenderContext {
    /// The same context with every secret in `cfg` replaced by `<redacted>`
    /// (see `Secrets`): rendering it shows where secrets go in a file
    /// without showing them, for diffs that people and logs read.
    public var redacted: RenderContext {
        var copy = self
        copy.overrides["cfg"] = Secrets.redact(.object(config.merged), alsoAt: Secrets.pathsFromSecretFiles(config.provenance))
        return copy
    }
}

extension Secrets {
    /// Masks, in a diff against `old` text of unknown origin (a file on
    /// disk, rendered from a config roost no longer knows), every line that
    /// looks like a secret-bearing line of the new rendering: `real` and
    /// `redacted` are the new file rendered with and without secrets; each
    /// line where they differ gives a pattern (the redacted line's text
    /// before and after `<redacted>`), and any diff line matching one is
    /// shown redacted. Current secret values are masked everywhere too.
    public static func maskDiff(_ diff: String, real: String, redacted: String, values: [String]) -> String {
        let realLines = real.split(separator: "\n", omittingEmptySubsequences: false)
        let redactedLines = redacted.split(separator: "\n", omittingEmptySubsequences: false)
        var patterns: [(prefix: Substring, suffix: Substring, line: Substring)] = []
        if realLines.count == redactedLines.count {
            for (r, d) in zip(realLines, redactedLines) where r != d {
                let parts = String(d).components(separatedBy: Secrets.redacted)
                guard parts.count > 1 else { continue }
                patterns.append((Substring(parts[0]), Substring(parts[parts.count - 1]), d))
            }
        }
        let lines = diff.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let marker = line.first, marker == "-" || marker == "+" || marker == " ",
                  !line.hasPrefix("---"), !line.hasPrefix("+++") else { return String(line) }
            let body = line.dropFirst()
            for p in patterns where !p.prefix.isEmpty && body.hasPrefix(p.prefix) && body.hasSuffix(p.suffix)
                && body.count >= p.prefix.count + p.suffix.count {
                return String(marker) + p.line
            }
            return String(line)
        }
        return mask(lines.joined(separator: "\n"), values: values)
    }
}
