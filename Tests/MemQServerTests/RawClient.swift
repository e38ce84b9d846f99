import Foundation
import MemQTransport
import MemQWire

/// A bare DEALER (or REQ) socket for sending frames the protocol forbids, with timeouts.
final class RawClient {
    /// The context, private to this client.
    let context: ZMQContext
    /// The socket.
    let socket: ZMQSocket

    /// A client of `type` connected to `endpoint`; receives give up after `timeoutMs`.
    init(_ endpoint: String, type: ZMQSocketType = .dealer, timeoutMs: Int32 = 3000,
         configure: (ZMQSocket) throws -> Void = { _ in }) throws {
        context = try ZMQContext()
        socket = try ZMQSocket(context, type: type)
        try socket.set(.linger, 0)
        try socket.set(.receiveTimeout, timeoutMs)
        try socket.set(.sendTimeout, 3000)
        try configure(socket)
        try socket.connect(endpoint)
    }

    /// Sends `frames` (text) and returns the decoded reply, or `nil` on timeout.
    func exchange(_ frames: [String]) throws -> WireReply? {
        try exchange(bytes: frames.map { Array($0.utf8) })
    }

    /// Sends `frames` and returns the decoded reply, or `nil` on timeout.
    func exchange(bytes frames: [[UInt8]]) throws -> WireReply? {
        _ = try socket.send(frames)
        return try receive()
    }

    /// The next reply, or `nil` on timeout; a leading empty delimiter (echoed because the request
    /// looked like a REQ's) is removed, as a REQ socket would.
    func receive() throws -> WireReply? {
        guard var message = try socket.receiveMultipart() else { return nil }
        if message.count == WireProtocol.frameCount + 1, message.first?.isEmpty == true { message.removeFirst() }
        return try WireReply.decode(message)
    }

    /// Closes the socket and the context.
    func close() {
        socket.close()
        try? context.terminate()
    }
}
