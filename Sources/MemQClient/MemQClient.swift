import Foundation
import MemQCore
import MemQTransport
import MemQWire

/// A synchronous memqd client with the Lazy Pirate pattern (ZeroMQ guide, chapter 4): each try
/// waits ``ClientConfiguration/timeoutSeconds``; on silence the socket is closed and a fresh one
/// connected, up to ``ClientConfiguration/tries`` times.
///
/// It uses a DEALER socket and matches replies by request id, discarding stale ones. Like every
/// socket owner it is not `Sendable`: create, use and close it on one thread.
///
///     let client = try MemQClient(ClientConfiguration(endpoint: "tcp://127.0.0.1:5555"))
///     let reply = try client.request(.estimate, body: ["model": "resnet50", "batch": 32])
///     // reply.status == .ok, reply.body is the estimate
package final class MemQClient {
    /// The settings.
    package let configuration: ClientConfiguration
    /// The context, the caller's or our own.
    private let context: ZMQContext
    /// The current DEALER socket; replaced after each try that timed out.
    private var socket: ZMQSocket?
    /// A prefix that makes this client's request ids unique.
    private let idPrefix: String
    /// The number of requests sent so far, for request ids.
    private var counter = 0

    /// A client for `configuration`; connects lazily.
    ///
    /// - Parameter context: A context to share with other sockets; a private one by default.
    /// - Throws: ``ClientError/transport(_:)`` if a context cannot be created.
    package init(_ configuration: ClientConfiguration, context: ZMQContext? = nil) throws(ClientError) {
        self.configuration = configuration
        if let context {
            self.context = context
        } else {
            do throws(ZMQError) {
                self.context = try ZMQContext()
            } catch {
                throw .transport(error)
            }
        }
        idPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    deinit {
        socket?.close()
    }

    /// Closes the socket; a later request opens a new one.
    package func close() {
        socket?.close()
        socket = nil
    }

    /// Sends `command` with `body` and returns the daemon's reply, whatever its status.
    ///
    /// - Throws: ``ClientError/noAnswer(endpoint:tries:timeoutSeconds:)`` after every try timed
    ///   out, ``ClientError/transport(_:)`` for a libzmq failure, ``ClientError/badReply(_:)``.
    package func request(_ command: WireCommand, body: JSONValue = .object([:])) throws(ClientError) -> WireReply {
        counter += 1
        let request = WireRequest(command: command, requestID: "\(idPrefix)-\(counter)", body: body)
        return try send(frames: request.frames, requestID: request.requestID)
    }

    /// Sends raw protocol frames (for tests of malformed requests) and waits for the reply whose
    /// request-id frame is `requestID`.
    package func send(frames: [[UInt8]], requestID: String) throws(ClientError) -> WireReply {
        let timeoutMs = max(1, Int(configuration.timeoutSeconds * 1000))
        do {
            for _ in 0..<configuration.tries {
                let socket = try connectedSocket()
                _ = try socket.send(frames)
                let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
                while true {
                    let left = ContinuousClock.now.duration(to: deadline)
                    let leftMs = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                    guard leftMs > 0, try !socket.poll(.readable, timeoutMs: leftMs).isEmpty,
                          let message = try socket.receiveMultipart(flags: .dontWait) else { break }
                    let reply: WireReply
                    do {
                        reply = try WireReply.decode(message)
                    } catch {
                        throw ClientError.badReply(error)
                    }
                    if reply.requestIDText == requestID { return reply }
                    // A late reply to an earlier try: ignore it and keep waiting.
                }
                close()  // Lazy Pirate: a fresh socket for the next try.
            }
        } catch let error as ClientError {
            throw error
        } catch let error as ZMQError {
            close()
            throw .transport(error)
        } catch {
            throw .transport(ZMQError(code: 0, function: "request", detail: "\(error)"))
        }
        throw .noAnswer(endpoint: configuration.endpoint, tries: configuration.tries,
                        timeoutSeconds: configuration.timeoutSeconds)
    }

    /// The open socket, creating and connecting one if needed.
    private func connectedSocket() throws(ZMQError) -> ZMQSocket {
        if let socket { return socket }
        let socket = try ZMQSocket(context, type: .dealer)
        try socket.set(.linger, 0)
        try socket.set(.sendTimeout, Int32(max(1, configuration.timeoutSeconds * 1000)))
        if let curve = configuration.curve {
            try socket.set(.curveServerKey, curve.serverPublicKey)
            try socket.set(.curvePublicKey, curve.clientKeys.publicKey)
            try socket.set(.curveSecretKey, curve.clientKeys.secretKey)
        }
        try socket.connect(configuration.endpoint)
        self.socket = socket
        return socket
    }
}
