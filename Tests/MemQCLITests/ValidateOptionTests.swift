import MemQCore
import MemQProbe
import MemQWire
import Testing
@testable import memq
@testable import MemQService

/// `memq validate` and memqd's `validate` take the same `steps` and `tolerance`: a value one accepts the other
/// accepts, a value one refuses the other refuses.
@Suite struct ValidateOptionTests {
    /// Whether the CLI parses `arguments` after the model.
    static func cliAccepts(_ arguments: [String]) -> Bool {
        (try? ValidateCommand.parse(["lenet5"] + arguments)) != nil
    }

    /// Whether memqd's validate gets past `field`: the body also has `timeout` 0, which is refused after every
    /// other field is read, so a request whose error names `timeout` was accepted up to there (no child runs).
    static func daemonAccepts(_ field: String, _ value: JSONValue) -> Bool {
        let service = MemQService(allowFiles: false)
        var body: [String: JSONValue] = ["model": "lenet5", "timeout": 0]
        body[field] = value
        do throws(WireError) {
            _ = try service.validate(.object(body),
                                     limits: .init(maxEstimatedBytes: 1 << 30, maxSeconds: 10), launcher: .currentMemq,
                                     progress: { _, _ in }, isCancelled: { true })
            Issue.record("validate ran")
            return true
        } catch {
            #expect(error.field == field || error.field == "timeout", "\(error)")
            return error.field == "timeout"
        }
    }

    @Test(arguments: [(1, false), (2, true), (3, true), (100, true), (101, false), (0, false), (-2, false)])
    func steps(steps: Int, valid: Bool) {
        #expect(Self.cliAccepts(["--steps", String(steps)]) == valid, "CLI --steps \(steps)")
        #expect(Self.daemonAccepts("steps", .int(steps)) == valid, "memqd steps \(steps)")
    }

    @Test(arguments: [("3%", true), ("0.03", true), (" 5 % ", true), ("99.5%", true), ("0.5", true),
                      ("150%", false), ("1.5", false), ("100%", false), ("0", false), ("-1%", false), ("abc", false),
                      ("", false), ("%", false), ("nan", false), ("inf", false)])
    func tolerance(text: String, valid: Bool) {
        #expect(Self.cliAccepts(["--tolerance", text]) == valid, "CLI --tolerance '\(text)'")
        #expect(Self.daemonAccepts("tolerance", .string(text)) == valid, "memqd tolerance '\(text)'")
    }
}
