import Foundation
import MemQClient
import MemQServer
import MemQTransport
import MemQWire
import Testing

/// CURVE on the frontend: only authorized client keys get answers.
@Suite("CURVE daemon", .enabled(if: ZMQLibrary.hasCurve, "libzmq built without CURVE"))
struct CurveServerTests {
    /// Key files for a daemon and one authorized client in a fresh directory.
    private struct Keys {
        let directory: String
        let server: KeyFilePaths
        let client: KeyFilePaths
        let authorizedFile: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("memq-keys-\(UUID().uuidString)").path
            server = try CurveKeyFile.writeKeyPair(to: directory, name: "memqd")
            client = try CurveKeyFile.writeKeyPair(to: directory, name: "alice")
            authorizedFile = directory + "/authorized_keys"
            try "# admitted clients\n\(client.publicKey) alice\n".write(toFile: authorizedFile, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A CURVE daemon for `keys`.
    private func server(_ keys: Keys) throws -> TestServer {
        try TestServer {
            $0.curveSecretKeyFile = keys.server.secretFile
            $0.curveAuthorizedKeysFile = keys.authorizedFile
        }
    }

    @Test("An authorized client is answered")
    func authorized() throws {
        let keys = try Keys()
        defer { keys.remove() }
        let server = try server(keys)
        defer { server.stop() }
        let curve = try ClientCurve(serverKeyFile: keys.server.publicFile, clientSecretFile: keys.client.secretFile)
        let reply = try server.client(curve: curve).request(.estimate, body: ["model": "resnet50"])
        #expect(reply.status == .ok)
    }

    @Test("A client with an unknown key gets no reply")
    func unknownKey() throws {
        let keys = try Keys()
        defer { keys.remove() }
        let server = try server(keys)
        defer { server.stop() }
        let stranger = ClientCurve(serverPublicKey: try CurveKeyFile.readPublicKey(at: keys.server.publicFile),
                                   clientKeys: try CurveKeyPair.generate())
        #expect(throws: ClientError.self) { try server.client(timeout: 0.4, curve: stranger).request(.health) }
    }

    @Test("A plaintext client gets no reply")
    func plaintext() throws {
        let keys = try Keys()
        defer { keys.remove() }
        let server = try server(keys)
        defer { server.stop() }
        do {
            _ = try server.client(timeout: 0.4).request(.health)
            Issue.record("a plaintext client was answered by a CURVE daemon")
        } catch let error as ClientError {
            #expect(error.description.contains("no memqd answered at \(server.endpoint) after 1 try of 0.4 s"))
        }
    }
}
