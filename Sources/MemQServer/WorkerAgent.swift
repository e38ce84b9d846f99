import Foundation
import Logging
import MemQClient
import MemQCore
import MemQTransport
import MemQWire
import Synchronization

/// `memqd --worker`: joins a broker's backend (protocol ``WorkerProtocol``), runs one request at a
/// time with the handler, and heartbeats both ways; if the broker falls silent it reconnects.
package final class WorkerAgent: Sendable {
    /// The broker backend to connect to.
    package let endpoint: String
    /// Heartbeats, limits.
    private let config: ServerConfig
    /// CURVE client settings for a CURVE backend.
    private let curve: ClientCurve?
    /// The command bodies.
    private let handler: any JobHandler
    /// The worker's logger.
    private let logger: Logger
    /// Set by ``stop()``.
    private let stopRequested = Mutex(false)
    /// The socket's context.
    private let context: ZMQContext

    /// A worker for the broker backend at `endpoint`.
    ///
    /// - Throws: ``ServerError`` if a ZeroMQ context cannot be created.
    package init(connectingTo endpoint: String, config: ServerConfig, curve: ClientCurve?, handler: any JobHandler,
                 logger: Logger) throws(ServerError) {
        self.endpoint = endpoint
        self.config = config
        self.curve = curve
        self.handler = handler
        self.logger = logger
        do {
            context = try ZMQContext()
        } catch {
            throw ServerError("cannot create a ZeroMQ context", cause: "\(error)")
        }
    }

    /// Asks ``run()`` to say DISCONNECT and return (within ~20 ms, or after the running request
    /// is cancelled).
    package func stop() {
        stopRequested.withLock { $0 = true }
    }

    /// Serves the broker until ``stop()``, on the calling thread (which owns the socket).
    ///
    /// - Throws: ``ServerError`` if the socket cannot be opened or connected.
    package func run() throws(ServerError) {
        let interval = Duration.milliseconds(config.heartbeatMs)
        let expiry = Duration.milliseconds(config.heartbeatMs * config.heartbeatLiveness)
        var socket = try connect()
        var brokerSeen = ContinuousClock.now
        var heartbeatSent = ContinuousClock.now
        var current: WorkerExecution?
        defer { socket.close() }
        while !stopRequested.withLock({ $0 }) {
            let readable = (try? socket.poll(.readable, timeoutMs: 20))?.contains(.readable) ?? false
            if readable {
                while let message = try? socket.receiveMultipart(flags: .dontWait) {
                    brokerSeen = .now
                    guard let type = WorkerProtocol.type(of: message[...]) else { continue }
                    let rest = Array(message.dropFirst(2))
                    switch type {
                    case .request where rest.count == 4:
                        let ticket = String(decoding: rest[0], as: UTF8.self)
                        guard current == nil else {
                            let error = WireError.queueFull("worker", limit: 1)
                            send(socket, .reply, [rest[0], error.status.frame, Array(error.body.serialized())])
                            continue
                        }
                        guard let command = WireCommand(rawValue: String(decoding: rest[1], as: UTF8.self)),
                              let body = try? JSONValue.parse(Data(rest[3])) else {
                            let error = WireError.internalError("the broker sent a request this worker cannot read")
                            send(socket, .reply, [rest[0], error.status.frame, Array(error.body.serialized())])
                            continue
                        }
                        current = WorkerExecution(ticket: ticket, command: command,
                                                  requestID: String(decoding: rest[2], as: UTF8.self), body: body,
                                                  handler: handler, limits: config.validationLimits, logger: logger)
                    case .cancel:
                        if let current, rest.first.map({ String(decoding: $0, as: UTF8.self) }) == current.ticket {
                            current.cancel.cancel(WireError(status: .ok, code: "cancelled", message: "cancelled by the broker"))
                        }
                    case .disconnect:
                        logger.notice("the broker asked this worker to re-announce itself")
                        socket.close()
                        socket = try connect()
                    default:
                        break
                    }
                }
            }
            if let execution = current {
                if let progress = execution.takeProgress() {
                    send(socket, .progress, [Array(execution.ticket.utf8), Array(String(progress.fraction).utf8),
                                             Array(progress.phase.utf8)])
                }
                if let outcome = execution.outcome {
                    send(socket, .reply, [Array(execution.ticket.utf8), outcome.status.frame, Array(outcome.body.serialized())])
                    current = nil
                }
            }
            let now = ContinuousClock.now
            if heartbeatSent.advanced(by: interval) <= now {
                send(socket, .heartbeat)
                heartbeatSent = now
            }
            if brokerSeen.advanced(by: expiry) < now {
                logger.warning("the broker is silent; reconnecting", metadata: ["backend": "\(endpoint)"])
                socket.close()
                socket = try connect()
                brokerSeen = now
            }
        }
        current?.cancel.cancel(WireError.shuttingDown)
        send(socket, .disconnect)
        logger.info("worker stopped")
    }

    /// A fresh DEALER connected to the broker, having said READY.
    private func connect() throws(ServerError) -> ZMQSocket {
        do {
            let socket = try ZMQSocket(context, type: .dealer)
            try socket.set(.linger, 0)
            try socket.set(.sendTimeout, 1000)
            if let curve {
                try socket.set(.curveServerKey, curve.serverPublicKey)
                try socket.set(.curvePublicKey, curve.clientKeys.publicKey)
                try socket.set(.curveSecretKey, curve.clientKeys.secretKey)
            }
            try socket.connect(endpoint)
            send(socket, .ready)
            logger.info("worker connected", metadata: ["backend": "\(endpoint)"])
            return socket
        } catch {
            throw ServerError("cannot connect to the broker backend \(endpoint) (--connect)", cause: "\(error)")
        }
    }

    /// Sends one message; a failure is logged, and heartbeats sort out the rest.
    private func send(_ socket: ZMQSocket, _ type: WorkerProtocol.Message, _ rest: [[UInt8]] = []) {
        do {
            if try !socket.send(WorkerProtocol.frames(type, rest), flags: .dontWait) {
                logger.debug("worker could not queue a \(type.rawValue) message")
            }
        } catch {
            logger.debug("worker send failed", metadata: ["error": "\(error)"])
        }
    }
}
