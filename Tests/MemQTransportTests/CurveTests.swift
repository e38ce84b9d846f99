import Foundation
import MemQTransport
import Testing

/// CURVE encryption with a ZAP handler guarding the server, over loopback TCP.
@Suite("CURVE with ZAP", .enabled(if: ZMQLibrary.hasCurve, "libzmq built without CURVE"))
struct CurveTests {
    private let bytes = TestSupport.bytes

    /// A ZAP-guarded CURVE ROUTER on a free loopback port, admitting `allowed` client keys.
    private struct Server {
        let keys: CurveKeyPair
        let zap: ZAPHandler
        let socket: ZMQSocket
        let endpoint: String
        let decisions: Locked<[ZAPDecision]>

        init(_ context: ZMQContext, allowing allowed: Set<String>) throws {
            let decisions = Locked<[ZAPDecision]>([])
            self.decisions = decisions
            keys = try CurveKeyPair.generate()
            // The handler first: libzmq admits every CURVE client when no handler is bound.
            zap = try ZAPHandler(context: context, allowedPublicKeys: allowed) { decision in
                decisions.update { $0.append(decision) }
            }
            socket = try TestSupport.socket(context, .router)
            try socket.set(.curveServer, true)
            try socket.set(.curveSecretKey, keys.secretKey)
            try socket.set(.zapDomain, "memq")
            endpoint = try TestSupport.bindLoopback(socket)
        }
    }

    /// A DEALER that is a CURVE client of `server` with `keys`.
    private func curveClient(_ context: ZMQContext, of server: Server, keys: CurveKeyPair) throws -> ZMQSocket {
        let client = try TestSupport.socket(context, .dealer)
        try client.set(.curveServerKey, server.keys.publicKey)
        try client.set(.curvePublicKey, keys.publicKey)
        try client.set(.curveSecretKey, keys.secretKey)
        try client.connect(server.endpoint)
        return client
    }

    @Test("A client with an authorized key round-trips a message")
    func authorizedClient() throws {
        let context = try ZMQContext()
        let clientKeys = try CurveKeyPair.generate()
        let server = try Server(context, allowing: [clientKeys.publicKey])
        let client = try curveClient(context, of: server, keys: clientKeys)

        #expect(try client.send(bytes("ping")))
        let request = try #require(try server.socket.receiveMultipart())
        #expect(request.count == 2)
        #expect(request.last == bytes("ping"))
        #expect(try server.socket.send([request[0], bytes("pong")]))
        #expect(try client.receiveMultipart() == [bytes("pong")])

        let decisions = server.decisions.value
        #expect(decisions.contains { $0.accepted && $0.publicKey == clientKeys.publicKey && $0.mechanism == "CURVE" })
        #expect(decisions.first?.domain == "memq")
        server.zap.stop()
    }

    @Test("A client with an unknown key gets nothing through, and ZAP says why")
    func unknownKey() throws {
        let context = try ZMQContext()
        let server = try Server(context, allowing: [try CurveKeyPair.generate().publicKey])
        let stranger = try CurveKeyPair.generate()
        let client = try curveClient(context, of: server, keys: stranger)
        try client.set(.receiveTimeout, TestSupport.silenceTimeoutMs)
        try server.socket.set(.receiveTimeout, TestSupport.silenceTimeoutMs)

        _ = try client.send(bytes("let me in"), flags: .dontWait)
        #expect(try server.socket.receiveMultipart() == nil)
        #expect(try client.receiveMultipart() == nil)
        let refused = server.decisions.value.first { $0.publicKey == stranger.publicKey }
        #expect(refused?.statusCode == "400")
        #expect(refused?.statusText.contains("not in the authorized keys") == true)
        server.zap.stop()
    }

    @Test("A plaintext client gets nothing through to a CURVE server")
    func plaintextClient() throws {
        let context = try ZMQContext()
        let server = try Server(context, allowing: [])
        try server.socket.set(.receiveTimeout, TestSupport.silenceTimeoutMs)
        let client = try TestSupport.socket(context, .dealer)
        try client.connect(server.endpoint)

        _ = try client.send(bytes("hello?"), flags: .dontWait)
        #expect(try server.socket.receiveMultipart() == nil)
        #expect(server.decisions.value.allSatisfy { !$0.accepted })
        server.zap.stop()
    }
}
