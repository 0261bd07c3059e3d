import XCTest
@testable import Habitat
import Handlebars

/// One redaction mechanism for source excerpts and diffs (issue 12 item 3).
final class SecretsRedactionTests: XCTestCase {
    func testAssignmentsToSecretKeysAreCut() {
        XCTAssertEqual(Secrets.redactAssignment(in: "db_password = \"hunter2"), "db_password = <redacted>")
        XCTAssertEqual(Secrets.redactAssignment(in: "{\"user\": \"me\", \"api_token\": \"abc"), "{\"user\": \"me\", \"api_token\": <redacted>")
        XCTAssertEqual(Secrets.redactAssignment(in: "tls = { ssl_key = 'x' }"), "tls = { ssl_key = <redacted>")
        XCTAssertNil(Secrets.redactAssignment(in: "port = 8080"))
        XCTAssertNil(Secrets.redactAssignment(in: "motd = \"password: none here\""), "quoted text is not a key")
        XCTAssertNil(Secrets.redactAssignment(in: "key_type = \"rsa\""))
    }

    func testMultiLineSecretStringsAreRedactedWhole() {
        let text = "user = \"me\"\nprivate_key = \"\"\"\nline-one-secret\nline-two-secret\n\"\"\"\nport = 1\n"
        let lines = Secrets.redactedSourceLines(text)
        XCTAssertEqual(lines[0], "user = \"me\"")
        XCTAssertEqual(lines[1], "private_key = <redacted>")
        XCTAssertEqual(lines[2], "<redacted>")
        XCTAssertEqual(lines[3], "<redacted>")
        XCTAssertEqual(lines[5], "port = 1")
        let excerpt = HabitatError.excerpt(text, line: 3, column: 5, redactingSecrets: true)
        XCTAssertFalse(excerpt.joined().contains("line-one-secret"))
    }

    func testMaskCoversEscapedFormsAndEachLine() {
        let pem = "-----BEGIN KEY-----\nAAAAsecretline1\nBBBBsecretline2\n-----END KEY-----"
        let json = "{\"k\":\"" + "-----BEGIN KEY-----\\nAAAAsecretline1\\nBBBBsecretline2\\n-----END KEY-----" + "\",\"q\":\"say \\\"hi\\\" pass\"}"
        let masked = Secrets.mask("plain:\nAAAAsecretline1\njson: \(json)\n", values: [pem, "say \"hi\" pass"])
        for leak in ["AAAAsecretline1", "BBBBsecretline2", "say \\\"hi\\\" pass"] {
            XCTAssertFalse(masked.contains(leak), "\(leak) in \(masked)")
        }
    }

    func testDiffHidesOldValuesOfChangedSecrets() {
        let old = "user = me\npassword = \"old-secret-1\"\n"
        let new = "user = you\npassword = \"new-secret-2\"\n"
        let redacted = "user = you\npassword = \"<redacted>\"\n"
        let diff = "--- a\n+++ b\n@@ -1,2 +1,2 @@\n" + old.split(separator: "\n").map { "-" + $0 }.joined(separator: "\n") + "\n"
            + new.split(separator: "\n").map { "+" + $0 }.joined(separator: "\n") + "\n"
        let shown = Secrets.maskDiff(diff, real: new, redacted: redacted, values: ["new-secret-2"])
        XCTAssertFalse(shown.contains("old-secret-1"), shown)
        XCTAssertFalse(shown.contains("new-secret-2"), shown)
        XCTAssertTrue(shown.contains("-user = me") && shown.contains("+user = you"), shown)
    }

    /// The multi-line string tracking is one pass over each line: a line of
    /// 40,000 `"""` took a minute before an error excerpt was shown.
    func testLongLinesOfDelimitersAreLinear() {
        let many = String(repeating: "\"\"\"", count: 40_001) + "'''"
        let lines = Secrets.redactedSourceLines("token = x\n# " + many + "\nport = 1\n\"\"\"\ntoken2 = '''\nhidden\n'''\nafter = 2\n")
        XCTAssertEqual(lines[0], "token = <redacted>")
        XCTAssertEqual(lines[2], "port = 1", "an odd number of \"\"\" leaves a string open, not a secret one")
        XCTAssertEqual(lines[4], "token2 = <redacted>", "closed again on line 4")
        XCTAssertEqual(lines[5], "<redacted>")
        XCTAssertEqual(lines[7], "after = 2")
    }
}
