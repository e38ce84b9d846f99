import Foundation
import MemQTransport
import Testing

/// Message patterns, options and errors over real libzmq on loopback TCP.
@Suite("ZMQSocket over real libzmq")
struct SocketTests {
    private let bytes = TestSupport.bytes

    @Test("ROUTER receives a DEALER's multipart message after its identity frame, and answers it")
    func routerDealerRoundTrip() throws {
        let context = try ZMQContext()
        let router = try TestSupport.socket(context, .router)
        let endpoint = try TestSupport.bindLoopback(router)
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))

        let dealer = try TestSupport.socket(context, .dealer)
        try dealer.set(.routingID, bytes("client-1"))
        #expect(try dealer.get(.routingID) == bytes("client-1"))
        try dealer.connect(endpoint)

        #expect(try dealer.send([bytes("a"), bytes("bc"), []]))
        let received = try router.receiveMultipart()
        #expect(received == [bytes("client-1"), bytes("a"), bytes("bc"), []])

        #expect(try router.send([bytes("client-1"), bytes("x"), bytes("yz")]))
        #expect(try dealer.receiveMultipart() == [bytes("x"), bytes("yz")])
    }

    @Test("REQ's request reaches ROUTER as identity, empty delimiter, body; the reply needs the same envelope")
    func reqRouterDelimiter() throws {
        let context = try ZMQContext()
        let router = try TestSupport.socket(context, .router)
        let endpoint = try TestSupport.bindLoopback(router)
        let req = try TestSupport.socket(context, .req)
        try req.connect(endpoint)

        #expect(try req.send(bytes("hello")))
        let request = try #require(try router.receiveMultipart())
        #expect(request.count == 3)
        #expect(!request[0].isEmpty)
        #expect(request[1] == [])
        #expect(request[2] == bytes("hello"))

        #expect(try router.send([request[0], [], bytes("world")]))
        #expect(try req.receive() == bytes("world"))
        #expect(try req.hasMoreFrames == false)
    }

    @Test("A frame-by-frame receive reports RCVMORE until the last frame")
    func frameByFrame() throws {
        let context = try ZMQContext()
        let pull = try TestSupport.socket(context, .pull)
        let endpoint = try TestSupport.bindLoopback(pull)
        let push = try TestSupport.socket(context, .push)
        try push.connect(endpoint)

        #expect(try push.send(bytes("one"), flags: .sendMore))
        #expect(try push.send(bytes("two")))
        #expect(try pull.receive() == bytes("one"))
        #expect(try pull.hasMoreFrames)
        #expect(try pull.receive() == bytes("two"))
        #expect(try pull.hasMoreFrames == false)
    }

    @Test("With nothing queued, non-blocking and timed-out receives return nil rather than throwing")
    func eagainIsNil() throws {
        let context = try ZMQContext()
        let pull = try TestSupport.socket(context, .pull, receiveTimeoutMs: 50)
        _ = try TestSupport.bindLoopback(pull)

        #expect(try pull.receiveMultipart(flags: .dontWait) == nil)
        #expect(try pull.receive(flags: .dontWait) == nil)
        #expect(try pull.receiveMultipart() == nil)

        let push = try TestSupport.socket(context, .push)
        try push.set(.immediate, true)
        try push.connect("tcp://127.0.0.1:1")  // Nobody there: with IMMEDIATE, nothing to queue to.
        #expect(try push.send(bytes("x"), flags: .dontWait) == false)
    }

    @Test("poll reports readability only once a message is queued, per socket")
    func pollReadability() throws {
        let context = try ZMQContext()
        let pull = try TestSupport.socket(context, .pull)
        let endpoint = try TestSupport.bindLoopback(pull)
        let idle = try TestSupport.socket(context, .pull)
        _ = try TestSupport.bindLoopback(idle)
        let push = try TestSupport.socket(context, .push)
        try push.connect(endpoint)

        #expect(try pull.poll(.readable, timeoutMs: 0) == [])
        #expect(try push.poll(.writable, timeoutMs: Int(TestSupport.expectTimeoutMs)) == .writable)

        #expect(try push.send(bytes("ready")))
        let events = try ZMQSocket.poll([ZMQPollItem(pull), ZMQPollItem(idle)],
                                        timeoutMs: Int(TestSupport.expectTimeoutMs))
        #expect(events == [.readable, []])
        #expect(try pull.receive(flags: .dontWait) == bytes("ready"))
        #expect(try pull.poll(.readable, timeoutMs: 0) == [])
    }

    @Test("ROUTER_MANDATORY turns a send to an unknown identity into EHOSTUNREACH")
    func routerMandatory() throws {
        let context = try ZMQContext()
        let router = try TestSupport.socket(context, .router)
        try router.set(.routerMandatory, true)
        _ = try TestSupport.bindLoopback(router)

        let error = #expect(throws: ZMQError.self) {
            try router.send([self.bytes("nobody"), self.bytes("x")])
        }
        #expect(error?.isHostUnreachable == true)
        #expect(error?.function == "zmq_send")
    }

    @Test("MAXMSGSIZE drops an oversized message while smaller ones pass")
    func maxMessageSize() throws {
        let context = try ZMQContext()
        let pull = try TestSupport.socket(context, .pull)
        try pull.set(.maxMessageSize, 64)
        #expect(try pull.get(.maxMessageSize) == 64)
        let endpoint = try TestSupport.bindLoopback(pull)
        let push = try TestSupport.socket(context, .push)
        try push.connect(endpoint)

        #expect(try push.send([UInt8](repeating: 1, count: 10)))
        #expect(try pull.receive() == [UInt8](repeating: 1, count: 10))

        #expect(try push.send([UInt8](repeating: 2, count: 1000)))
        try pull.set(.receiveTimeout, TestSupport.silenceTimeoutMs)
        #expect(try pull.receive() == nil)
    }

    @Test("Options read back what was set")
    func optionsRoundTrip() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, type: .dealer)
        try socket.set(.linger, 0)
        try socket.set(.sendHighWaterMark, 10)
        try socket.set(.receiveHighWaterMark, 20)
        try socket.set(.heartbeatInterval, 1000)
        try socket.set(.heartbeatTimeout, 3000)
        try socket.set(.heartbeatTTL, 5000)
        try socket.set(.immediate, true)
        try socket.set(.zapDomain, "memq")
        #expect(try socket.get(.linger) == 0)
        #expect(try socket.get(.sendHighWaterMark) == 10)
        #expect(try socket.get(.receiveHighWaterMark) == 20)
        #expect(try socket.get(.heartbeatInterval) == 1000)
        #expect(try socket.get(.immediate))
        #expect(try socket.get(.zapDomain) == "memq")
        #expect(socket.type == .dealer)
    }

    @Test("unbind and disconnect take the endpoint read back from lastEndpoint")
    func unbindDisconnect() throws {
        let context = try ZMQContext()
        let pull = try TestSupport.socket(context, .pull)
        let endpoint = try TestSupport.bindLoopback(pull)
        let push = try TestSupport.socket(context, .push)
        try push.connect(endpoint)
        try push.disconnect(endpoint)
        try pull.unbind(endpoint)
        let error = #expect(throws: ZMQError.self) { try pull.unbind(endpoint) }
        #expect(error?.function == "zmq_unbind")
    }

    @Test("Errors name the C function, the endpoint and what would be valid")
    func errorDescriptions() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, type: .rep)

        let badEndpoint = #expect(throws: ZMQError.self) { try socket.bind("tcp://nope") }
        #expect(badEndpoint?.function == "zmq_bind")
        #expect(badEndpoint?.description.contains("zmq_bind(tcp://nope)") == true)
        #expect(badEndpoint?.description.contains("tcp://HOST:PORT") == true)

        let badTransport = #expect(throws: ZMQError.self) { try socket.connect("http://127.0.0.1:80") }
        #expect(badTransport?.description.contains("tcp://, ipc:// and inproc://") == true)

        let badKey = #expect(throws: ZMQError.self) { try socket.set(.curveServerKey, "short") }
        #expect(badKey?.description.contains("40 Z85 characters") == true)

        socket.close()
        socket.close()
        #expect(socket.isClosed)
        let closed = #expect(throws: ZMQError.self) { try socket.send(self.bytes("x")) }
        #expect(closed?.description.contains("already closed") == true)
    }
}
