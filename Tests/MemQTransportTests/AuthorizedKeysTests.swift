import Foundation
import MemQTransport
import Testing

/// Reading authorized-keys files.
@Suite("AuthorizedKeys")
struct AuthorizedKeysTests {
    /// The public key from libzmq's CURVE documentation example.
    private let sampleKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    /// The sample key with '#' first: not a key (a Z85 group never starts with '#'), so a comment.
    private let hashKey = "#" + String("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7".dropFirst())

    @Test("Comments (including ones that look like keys), blank lines, labels and CRLF")
    func parses() throws {
        #expect(Z85.isCurveKey(sampleKey))
        #expect(!Z85.isCurveKey(hashKey))
        let text = """
            # MemQ clients\r
            \(sampleKey)   alice's laptop\r

               # indented comment
            \(hashKey)
            """
        let keys = try AuthorizedKeys(parsing: text, source: "test")
        #expect(keys.publicKeys == [sampleKey])
        #expect(try AuthorizedKeys(parsing: "", source: "empty").publicKeys.isEmpty)
    }

    @Test("A malformed key is reported with file, line and what a key looks like")
    func malformed() throws {
        let text = "# ok\n\(sampleKey)\nnot-a-key\n"
        let error = #expect(throws: AuthorizedKeysError.self) {
            _ = try AuthorizedKeys(parsing: text, source: "/etc/memq/authorized_keys")
        }
        #expect(error?.file == "/etc/memq/authorized_keys")
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("/etc/memq/authorized_keys:3: ") == true)
        #expect(error?.description.contains("40 Z85 characters") == true)

        let badCharacter = #expect(throws: AuthorizedKeysError.self) {
            _ = try AuthorizedKeys(parsing: String(sampleKey.dropLast()) + "~", source: "keys")
        }
        #expect(badCharacter?.line == 1)
        #expect(badCharacter?.reason.contains("\"~\"") == true)
    }

    @Test("Loads from a file; a missing file is named in the error")
    func file() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("memq-authorized-keys-\(UUID().uuidString)")
        try "# test\n\(sampleKey)\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try AuthorizedKeys(contentsOfFile: url.path).publicKeys == [sampleKey])

        let missing = url.path + ".missing"
        let error = #expect(throws: AuthorizedKeysError.self) { _ = try AuthorizedKeys(contentsOfFile: missing) }
        #expect(error?.file == missing)
        #expect(error?.line == nil)
        #expect(error?.description.hasPrefix(missing + ": cannot read") == true)
    }
}
