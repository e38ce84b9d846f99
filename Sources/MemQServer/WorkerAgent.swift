import Foundation
import Logging
import MemQClient
import MemQCore
import MemQTransport
import MemQWire
import Synchronization

/// `memqd --worker`: an MDP/0.2 worker (``MDP``, RFC 18) of service `mdp-service` behind any conforming broker
/// (memqd's own, or another): it runs one request at a time with the handler, heartbeats both ways, and
/// registers again on a new socket after DISCONNECT or a silent broker. Bodies are MEMQ/1 request frames; the
/// FINAL body is the MEMQ/1 reply, a validation's progress goes in PARTIALs.
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
                while let frames = try? socket.receiveMultipart(flags: .dontWait) {
                    guard let message = MDP.parseWorker(frames[...]) else {
                        logger.notice("the broker sent a message that is not MDPW02; dropped", metadata: ["frames": "\(frames.count)"])
                        continue
                    }
                    brokerSeen = .now
                    switch message.command {
                    case .request:
                        guard let (client, body) = MDP.addressed(message.rest) else {
                            logger.notice("REQUEST without a client address and empty delimiter; dropped")
                            continue
                        }
                        if current != nil {
                            // RFC 18: one request at a time. Answer the extra one rather than lose it.
                            finish(socket, client: client, WireReply(error: .queueFull("worker", limit: 1), requestID: []))
                            continue
                        }
                        do {
                            let request = try WireRequest.decode(body, maxBodyBytes: config.maxMessageBytes)
                            current = WorkerExecution(client: client, request: request, handler: handler,
                                                      limits: config.validationLimits, logger: logger)
                        } catch {
                            finish(socket, client: client, WireReply(error: error.error, requestID: error.requestID))
                        }
                    case .disconnect:
                        // The broker forgets this worker (it restarted, or it cancels the running validation):
                        // RFC 18 says close the socket and register again on a new one.
                        logger.notice("the broker said DISCONNECT; registering again")
                        if let execution = current {
                            execution.cancel.cancel(WireError(status: .ok, code: "cancelled", message: "cancelled by the broker"))
                            current = nil
                        }
                        socket.close()
                        socket = try connect()
                    case .heartbeat:
                        break
                    case .ready, .partial, .final:
                        logger.notice("the broker sent a worker-only command; dropped", metadata: ["command": "\(message.command)"])
                    }
                }
            }
            if let execution = current {
                if let progress = execution.takeProgress() {
                    let body: JSONValue = ["state": "running", "progress": .double(progress.fraction), "phase": .string(progress.phase)]
                    let reply = WireReply(status: .accepted, requestID: execution.request.requestID, body: body)
                    send(socket, .partial, [execution.client, []] + reply.frames)
                }
                if let outcome = execution.outcome {
                    finish(socket, client: execution.client,
                           WireReply(status: outcome.status, requestID: execution.request.requestID, body: outcome.body))
                    current = nil
                }
            }
            let now = ContinuousClock.now
            if heartbeatSent.advanced(by: interval) <= now {
                send(socket, .heartbeat)
                heartbeatSent = now
            }
            // Some brokers (majortomo) do not heartbeat a busy worker: a silent broker counts only while idle.
            if current == nil, brokerSeen.advanced(by: expiry) < now {
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

    /// Sends the FINAL reply to `client`.
    private func finish(_ socket: ZMQSocket, client: [UInt8], _ reply: WireReply) {
        send(socket, .final, [client, []] + reply.frames)
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
            send(socket, .ready, [Array(config.mdpService.utf8)])
            logger.info("worker connected", metadata: ["backend": "\(endpoint)", "service": "\(config.mdpService)",
                                                       "framing": "\(config.mdpFraming.rawValue)"])
            return socket
        } catch {
            throw ServerError("cannot connect to the broker backend \(endpoint) (--connect)", cause: "\(error)")
        }
    }

    /// Sends one message; a failure is logged, and heartbeats sort out the rest.
    private func send(_ socket: ZMQSocket, _ command: MDP.WorkerCommand, _ rest: [[UInt8]] = []) {
        do {
            if try !socket.send(MDP.worker(command, rest, framing: config.mdpFraming), flags: .dontWait) {
                logger.debug("worker could not queue a \(command) message")
            }
        } catch {
            logger.debug("worker send failed", metadata: ["error": "\(error)"])
        }
    }
}
