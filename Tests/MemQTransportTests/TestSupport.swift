import Dispatch
import Foundation
import MemQTransport
import Synchronization

/// Small helpers shared by the transport tests.
enum TestSupport {
    /// How long a receive that should succeed may wait, in ms: generous, yet a failure never hangs.
    static let expectTimeoutMs: Int32 = 2000
    /// How long a receive that should get nothing waits, in ms.
    static let silenceTimeoutMs: Int32 = 400

    /// The UTF-8 bytes of `text`, for writing frames.
    static func bytes(_ text: String) -> [UInt8] {
        Array(text.utf8)
    }

    /// A socket of `type` with send and receive timeouts set, so no test can block forever.
    static func socket(_ context: ZMQContext, _ type: ZMQSocketType,
                       receiveTimeoutMs: Int32 = expectTimeoutMs) throws -> ZMQSocket {
        let socket = try ZMQSocket(context, type: type)
        try socket.set(.receiveTimeout, receiveTimeoutMs)
        try socket.set(.sendTimeout, expectTimeoutMs)
        return socket
    }

    /// Binds `socket` to a free loopback TCP port and returns the endpoint with the real port.
    static func bindLoopback(_ socket: ZMQSocket) throws -> String {
        try socket.bind("tcp://127.0.0.1:*")
        return try socket.lastEndpoint
    }

    /// Runs `body` on a new Foundation thread; the returned semaphore is signalled when it ends.
    static func onThread(_ name: String, _ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.start()
        return done
    }

    /// Waits for `semaphore` at most `seconds`; whether it was signalled in time.
    static func waited(_ semaphore: DispatchSemaphore, seconds: Double = 3) -> Bool {
        semaphore.wait(timeout: .now() + seconds) == .success
    }
}
