import Dispatch
import Foundation
import MemQTransport
import Synchronization

/// A bare ZeroMQ echo server for benchmarks (`memqd --echo`): one ROUTER on one thread sending
/// every message straight back. Measured with the same clients as memqd, it shows what the
/// transport alone costs.
package final class EchoServer: Sendable {
    /// The context.
    private let context: ZMQContext
    /// The bound endpoints.
    private let bound = Mutex<[String]>([])
    /// Set by ``stop()``.
    private let stopRequested = Mutex(false)
    /// Signalled when bound, and when the thread ends.
    private let ready = DispatchSemaphore(value: 0), ended = DispatchSemaphore(value: 0)

    /// An echo server; nothing runs until ``start(endpoints:)``.
    package init() throws(ServerError) {
        do {
            context = try ZMQContext()
        } catch {
            throw ServerError("cannot create a ZeroMQ context", cause: "\(error)")
        }
    }

    /// Binds `endpoints` and starts echoing. - Returns: the bound endpoints.
    /// - Throws: ``ServerError`` naming the endpoint that cannot be bound.
    package func start(endpoints: [String]) throws(ServerError) -> [String] {
        let failure = Mutex<ServerError?>(nil)
        let thread = Thread { [self] in
            defer { ended.signal() }
            let socket: ZMQSocket
            do {
                socket = try ZMQSocket(context, type: .router)
                try socket.set(.linger, 0)
                var names: [String] = []
                for endpoint in endpoints {
                    try socket.bind(endpoint)
                    names.append((try? socket.lastEndpoint) ?? endpoint)
                }
                bound.withLock { $0 = names }
            } catch {
                failure.withLock { $0 = ServerError("cannot bind the echo server", cause: "\(error)") }
                ready.signal()
                return
            }
            ready.signal()
            while !stopRequested.withLock({ $0 }) {
                guard (try? socket.poll(.readable, timeoutMs: 50))?.contains(.readable) == true else { continue }
                while let message = try? socket.receiveMultipart(flags: .dontWait) {
                    _ = try? socket.send(message, flags: .dontWait)
                }
            }
            socket.close()
        }
        thread.name = "memqd.echo"
        thread.start()
        ready.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return bound.withLock { $0 }
    }

    /// Stops echoing and closes the socket.
    package func stop() {
        stopRequested.withLock { $0 = true }
        ended.wait()
        ended.signal()
        try? context.terminate()
    }
}
