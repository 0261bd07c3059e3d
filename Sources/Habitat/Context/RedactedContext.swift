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
    /// Masks a diff of a rendered file against `old` text of unknown origin
    /// (a file on disk, rendered from a config roost no longer knows):
    /// `real` and `redacted` are the new file rendered with and without
    /// secrets.
    /// - Each line where the two renderings differ gives a pattern (the
    ///   redacted line's text before and after `<redacted>`); any diff line
    ///   matching one is shown as the redacted line, so an old value in the
    ///   same place is hidden too.
    /// - A removed line that assigns a secret-looking key is cut after the key.
    /// - When a secret spans several lines (the renderings differ in length,
    ///   a PEM key), every removed line that is not a line of the redacted
    ///   rendering is hidden whole: the old secret was probably there.
    /// - Current secret values are masked everywhere, in every escaped form.
    public static func maskDiff(_ diff: String, real: String, redacted: String, values: [String]) -> String {
        let realLines = real.split(separator: "\n", omittingEmptySubsequences: false)
        let redactedLines = redacted.split(separator: "\n", omittingEmptySubsequences: false)
        var patterns: [(prefix: Substring, suffix: Substring, line: Substring)] = []
        let multiLineSecret = realLines.count != redactedLines.count
        if !multiLineSecret {
            for (r, d) in zip(realLines, redactedLines) where r != d {
                let parts = d.split(separator: Secrets.redacted, omittingEmptySubsequences: false)
                guard parts.count > 1 else { continue }
                patterns.append((Substring(parts[0]), Substring(parts[parts.count - 1]), d))
            }
        }
        let known = Set(redactedLines)
        let lines = diff.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let marker = line.first, marker == "-" || marker == "+" || marker == " ",
                  !line.hasPrefix("---"), !line.hasPrefix("+++") else { return String(line) }
            let body = line.dropFirst()
            for p in patterns where (!p.prefix.isEmpty || !p.suffix.isEmpty) && body.hasPrefix(p.prefix) && body.hasSuffix(p.suffix)
                && body.count >= p.prefix.count + p.suffix.count {
                return String(marker) + p.line
            }
            guard marker == "-" else { return String(line) }
            if let cut = redactAssignment(in: body) { return "-" + cut }
            if multiLineSecret && !known.contains(body) { return "-" + Secrets.redacted }
            return String(line)
        }
        return mask(lines.joined(separator: "\n"), values: values)
    }
}
