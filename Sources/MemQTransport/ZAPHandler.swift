import CZeroMQ
import Dispatch
import Foundation
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27) that admits CURVE clients whose public key is on a list, on its
/// own thread.
///
/// Create it **before** binding any CURVE server socket of the same context: the initializer
/// returns only once its REP socket is bound to `inproc://zeromq.zap.01`. It answers each request
/// with "200" for mechanism CURVE and an allowed key, and "400" for anything else, including the
/// NULL and PLAIN mechanisms.
///
/// **Keep it running as long as a CURVE server socket is open.** libzmq consults ZAP only if a
/// handler is bound; without one, a CURVE server admits every client that knows the server's
/// public key. So stop it only after closing the server sockets, or by terminating the context.
///
/// The thread ends on ``stop()`` (within about 100 ms) or when the context is shut down.
package final class ZAPHandler: Sendable {
    /// The inproc endpoint libzmq sends ZAP requests to (RFC 27).
    package static let endpoint = "inproc://zeromq.zap.01"
    /// How often (ms) the thread looks at the stop flag while no request arrives.
    private static let stopCheckIntervalMs: Int32 = 100

    /// The thread's life and its last unexpected error.
    private struct Status {
        /// ``stop()`` was called; the thread leaves its loop at the next check.
        var stopRequested = false
        /// Why the thread could not bind, for the initializer to throw.
        var startError: ZMQError?
        /// The last unexpected error while serving.
        var lastError: ZMQError?
        /// The thread is bound and answering.
        var running = false
    }

    /// The context whose CURVE sockets this handler serves.
    private let context: ZMQContext
    /// The admitted public keys (Z85), replaceable while running.
    private let keys: Mutex<Set<String>>
    /// Shared between the handler thread and callers.
    private let status = Mutex(Status())
    /// Called on the handler thread after each answer.
    private let onDecision: (@Sendable (ZAPDecision) -> Void)?
    /// Signalled when the thread has bound its socket (or failed to).
    private let started = DispatchSemaphore(value: 0)
    /// Signalled when the thread has closed its socket and is ending.
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the handler thread and returns once it is bound to ``endpoint``.
    ///
    /// - Parameters:
    ///   - context: The context of the CURVE server sockets to guard.
    ///   - allowedPublicKeys: Client public keys to admit, 40 Z85 characters each.
    ///   - onDecision: Called on the handler thread after each answer (for logging); it must not
    ///     call ``stop()``.
    /// - Throws: ``ZMQError``, e.g. `EADDRINUSE` from `zmq_bind` if the context already has a ZAP
    ///   handler, or ``ZMQError/isTerminated`` if the context is shut down.
    package init(context: ZMQContext, allowedPublicKeys: Set<String>,
                 onDecision: (@Sendable (ZAPDecision) -> Void)? = nil) throws(ZMQError) {
        self.context = context
        self.keys = Mutex(allowedPublicKeys)
        self.onDecision = onDecision
        let thread = Thread { [self] in serve() }
        thread.name = "memq.zap"
        thread.start()
        started.wait()
        if let error = status.withLock({ $0.startError }) {
            finished.wait()
            throw error
        }
    }

    /// Starts a handler admitting the keys of an authorized-keys file; see
    /// ``init(context:allowedPublicKeys:onDecision:)``.
    package convenience init(context: ZMQContext, authorizedKeys: AuthorizedKeys,
                             onDecision: (@Sendable (ZAPDecision) -> Void)? = nil) throws(ZMQError) {
        try self.init(context: context, allowedPublicKeys: authorizedKeys.publicKeys, onDecision: onDecision)
    }

    /// The client public keys currently admitted.
    package var allowedPublicKeys: Set<String> {
        keys.withLock { $0 }
    }

    /// Replaces the admitted keys, e.g. after re-reading the authorized-keys file; applies to
    /// connections authenticated from now on.
    package func setAllowedPublicKeys(_ newKeys: Set<String>) {
        keys.withLock { $0 = newKeys }
    }

    /// Whether the handler thread is still answering requests.
    package var isRunning: Bool {
        status.withLock { $0.running }
    }

    /// The last unexpected error the thread met (it then reopened its socket), if any.
    package var lastError: ZMQError? {
        status.withLock { $0.lastError }
    }

    /// Stops the handler and waits until its thread has closed its socket. Safe to call more than
    /// once and from several threads, but not from `onDecision`.
    package func stop() {
        status.withLock { $0.stopRequested = true }
        finished.wait()
        finished.signal()  // Let any other waiter through too.
    }

    // MARK: The handler thread

    /// The thread's body: bind, answer requests until stopped or terminated, close.
    private func serve() {
        defer { finished.signal() }
        var socket: ZMQSocket
        do {
            socket = try openSocket()
        } catch {
            status.withLock { $0.startError = error }
            started.signal()
            return
        }
        status.withLock { $0.running = true }
        started.signal()

        while !status.withLock({ $0.stopRequested }) {
            do {
                guard let request = try socket.receiveMultipart() else { continue }
                let (reply, decision) = answer(request)
                try socket.send(reply)
                onDecision?(decision)
            } catch where error.isTerminated {
                break
            } catch {
                // The REP socket may now be out of step; replace it, staying bound as far as possible.
                status.withLock { $0.lastError = error }
                release(socket)
                do {
                    socket = try openSocket()
                } catch {
                    status.withLock { status in
                        if !error.isTerminated { status.lastError = error }
                        status.running = false
                    }
                    return
                }
            }
        }
        // Not running before the socket closes, so whoever waited for the close (stop(),
        // ZMQContext.terminate()) sees it.
        status.withLock { $0.running = false }
        release(socket)
    }

    /// Unbinds `socket` from ``endpoint`` (which frees the name at once, unlike closing alone)
    /// and closes it.
    private func release(_ socket: ZMQSocket) {
        try? socket.unbind(Self.endpoint)
        socket.close()
    }

    /// Creates the REP socket and binds it to ``endpoint``.
    ///
    /// When reopening (the thread is already running), it retries `EADDRINUSE` for up to half a
    /// second, since the socket this handler just closed may still hold the name; at start-up,
    /// `EADDRINUSE` means another handler owns the context's ZAP endpoint and is thrown at once.
    private func openSocket() throws(ZMQError) -> ZMQSocket {
        let socket = try ZMQSocket(context, type: .rep)
        try socket.set(.linger, 0)
        try socket.set(.receiveTimeout, Self.stopCheckIntervalMs)
        var attempts = 0
        while true {
            do {
                try socket.bind(Self.endpoint)
                return socket
            } catch where error.code == EADDRINUSE && status.withLock({ $0.running }) && attempts < 50 {
                attempts += 1
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    /// The RFC 27 reply to a request, and the decision for ``onDecision``.
    ///
    /// A request is: version "1.0", request id, domain, address, routing id, mechanism, then the
    /// mechanism's credentials (for CURVE, one frame with the client's 32-byte public key). The
    /// reply is: version, request id, status code, status text, user id, metadata.
    private func answer(_ request: [[UInt8]]) -> (reply: [[UInt8]], decision: ZAPDecision) {
        func text(_ index: Int) -> String {
            index < request.count ? String(decoding: request[index], as: UTF8.self) : ""
        }
        let requestID = request.count > 1 ? request[1] : []
        let mechanism = text(5)
        var publicKey: String?
        let code: String
        let reason: String
        if request.count < 6 || text(0) != "1.0" {
            (code, reason) = ("400", "malformed ZAP request: expected version 1.0 and at least 6 frames")
        } else if mechanism != "CURVE" {
            (code, reason) = ("400", "mechanism \(mechanism) refused: CURVE with an authorized key is required")
        } else if request.count != 7 || request[6].count != 32 {
            (code, reason) = ("400", "malformed CURVE credentials: expected one 32-byte public key")
        } else {
            publicKey = try? Z85.encode(request[6])
            if let publicKey, keys.withLock({ $0.contains(publicKey) }) {
                (code, reason) = ("200", "OK")
            } else {
                (code, reason) = ("400", "CURVE public key is not in the authorized keys")
            }
        }
        let userID = code == "200" ? Array((publicKey ?? "").utf8) : []
        let reply = [Array("1.0".utf8), requestID, Array(code.utf8), Array(reason.utf8), userID, []]
        let decision = ZAPDecision(domain: text(2), address: text(3), mechanism: mechanism,
                                   publicKey: publicKey, statusCode: code, statusText: reason)
        return (reply, decision)
    }
}
