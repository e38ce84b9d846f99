import Foundation
import MemQTransport
import Testing

/// The ZAP handler spoken to directly over RFC 27, and its life cycle.
@Suite("ZAPHandler")
struct ZAPHandlerTests {
    private let bytes = TestSupport.bytes

    /// Sends one ZAP request over `req` and returns the reply's status code, after checking the
    /// reply's version and request id.
    private func status(_ req: ZMQSocket, id: String, mechanism: String, credentials: [[UInt8]]) throws -> String? {
        let request = [bytes("1.0"), bytes(id), bytes("memq"), bytes("127.0.0.1"), [], bytes(mechanism)] + credentials
        #expect(try req.send(request))
        let reply = try #require(try req.receiveMultipart())
        #expect(reply.count == 6)
        #expect(reply.first == bytes("1.0"))
        #expect(reply.count > 1 && reply[1] == bytes(id))
        return reply.count > 2 ? String(decoding: reply[2], as: UTF8.self) : nil
    }

    @Test("Answers 200 only to CURVE with an allowed key; 400 to unknown keys, NULL, PLAIN and junk",
          .enabled(if: ZMQLibrary.hasCurve))
    func answers() throws {
        let context = try ZMQContext()
        let allowed = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        let handler = try ZAPHandler(context: context, allowedPublicKeys: [allowed.publicKey])
        let req = try TestSupport.socket(context, .req)
        try req.connect(ZAPHandler.endpoint)

        #expect(try status(req, id: "1", mechanism: "CURVE", credentials: [Z85.decode(allowed.publicKey)]) == "200")
        #expect(try status(req, id: "2", mechanism: "CURVE", credentials: [Z85.decode(other.publicKey)]) == "400")
        #expect(try status(req, id: "3", mechanism: "NULL", credentials: []) == "400")
        #expect(try status(req, id: "4", mechanism: "PLAIN", credentials: [bytes("user"), bytes("pw")]) == "400")
        #expect(try status(req, id: "5", mechanism: "CURVE", credentials: [bytes("short")]) == "400")

        handler.setAllowedPublicKeys([other.publicKey])
        #expect(handler.allowedPublicKeys == [other.publicKey])
        #expect(try status(req, id: "6", mechanism: "CURVE", credentials: [Z85.decode(allowed.publicKey)]) == "400")
        #expect(try status(req, id: "7", mechanism: "CURVE", credentials: [Z85.decode(other.publicKey)]) == "200")

        #expect(try req.send([bytes("2.0"), bytes("8")]))
        let reply = try #require(try req.receiveMultipart())
        #expect(reply.count == 6 && reply[2] == bytes("400"))
        #expect(handler.lastError == nil)
        handler.stop()
    }

    @Test("A second handler in the same context is refused at start")
    func secondHandlerRefused() throws {
        let context = try ZMQContext()
        let first = try ZAPHandler(context: context, allowedPublicKeys: [])
        let error = #expect(throws: ZMQError.self) { _ = try ZAPHandler(context: context, allowedPublicKeys: []) }
        #expect(error?.code == EADDRINUSE)
        #expect(first.isRunning)
        first.stop()
    }

    @Test("stop() ends the thread and frees the endpoint; stopping twice is fine")
    func stopFreesEndpoint() throws {
        let context = try ZMQContext()
        let handler = try ZAPHandler(context: context, allowedPublicKeys: [])
        #expect(handler.isRunning)
        let start = ContinuousClock.now
        handler.stop()
        handler.stop()
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(!handler.isRunning)
        let again = try ZAPHandler(context: context, allowedPublicKeys: [])
        again.stop()
    }

    @Test("Terminating the context stops the handler")
    func terminationStops() throws {
        let context = try ZMQContext()
        let handler = try ZAPHandler(context: context, allowedPublicKeys: [])
        let terminated = TestSupport.onThread("test.terminate-zap") { try? context.terminate() }
        #expect(TestSupport.waited(terminated))
        #expect(!handler.isRunning)
        handler.stop()
    }
}
