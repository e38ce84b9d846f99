import Foundation
import MemQClient
import MemQCore
import MemQServer
import MemQTransport
import Testing

/// The configuration file and the key files.
@Suite("Configuration and key files")
struct ConfigTests {
    /// The repository root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("config/memqd.json loads and matches the built-in defaults")
    func shippedConfig() throws {
        let config = try ServerConfig(contentsOfFile: Self.root.appendingPathComponent("config/memqd.json").path)
        #expect(config == ServerConfig())
        #expect(config.endpoints == ["tcp://127.0.0.1:5555"])
    }

    @Test("Unknown keys and out-of-range values are refused naming the key and what is valid",
          arguments: [
            (#"{"fast-wrokers": 2}"#, "fast-wrokers", "valid keys"),
            (#"{"fast-workers": 0}"#, "fast-workers", "from 1 to 256"),
            (#"{"endpoints": "tcp://127.0.0.1:5555"}"#, "endpoints", "array of endpoint strings"),
            (#"{"endpoints": [5555]}"#, "endpoints[0]", "tcp://127.0.0.1:5555"),
            (#"{"log-level": "loud"}"#, "log-level", "trace, debug, info"),
            (#"{"inline-fast": "yes"}"#, "inline-fast", "true or false"),
            (#"{"request-timeout-seconds": -1}"#, "request-timeout-seconds", "from 0"),
          ])
    func invalid(json: String, key: String, hint: String) throws {
        do {
            _ = try ServerConfig(json: try JSONValue.parse(Data(json.utf8)), source: "test.json")
            Issue.record("accepted \(json)")
        } catch let error as ConfigError {
            #expect(error.key == key)
            #expect(error.reason.contains(hint))
            #expect(error.description.hasPrefix("test.json: \"\(key)\""))
        }
    }

    @Test("CURVE needs both key files")
    func curveNeedsBoth() {
        var config = ServerConfig()
        config.curveSecretKeyFile = "/tmp/x.secret.json"
        #expect(throws: ConfigError.self) { try config.validated(source: "test") }
    }

    @Test("Key files round-trip, are never overwritten, and the secret file is private",
          .enabled(if: ZMQLibrary.hasCurve))
    func keyFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("memq-kf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = try CurveKeyFile.writeKeyPair(to: directory, name: "memqd")
        let pair = try CurveKeyFile.readKeyPair(at: paths.secretFile)
        #expect(pair.publicKey == paths.publicKey)
        #expect(try CurveKeyFile.readPublicKey(at: paths.publicFile) == paths.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: paths.secretFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: KeyFileError.self) { try CurveKeyFile.writeKeyPair(to: directory, name: "memqd") }
        let broken = directory + "/broken.json"
        try #"{"format": "memq-curve-1", "secret": "short"}"#.write(toFile: broken, atomically: true, encoding: .utf8)
        do {
            _ = try CurveKeyFile.readKeyPair(at: broken)
            Issue.record("read a key file with a short secret")
        } catch {
            #expect(error.reason.contains("\"secret\""))
            #expect(error.reason.contains("40 Z85 characters"))
        }
    }
}
