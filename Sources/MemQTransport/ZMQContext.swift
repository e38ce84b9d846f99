import CZeroMQ
import Synchronization

/// A libzmq context (`zmq_ctx`): the I/O threads and the `inproc://` namespace that sockets share.
///
/// A context is safe to use from any thread (libzmq guarantees it), so it is `Sendable`: create one
/// per process, hand it to each socket thread, and create each ``ZMQSocket`` on the thread that
/// uses it.
///
/// Shutting down: ``shutdown()`` makes every blocking call on every socket of the context fail at
/// once with ``ZMQError/isTerminated``, so socket threads leave their loops and close their
/// sockets; ``terminate()`` also waits for those sockets to be closed and then frees the context.
/// If neither is called, the context is terminated when the last reference goes away (each socket
/// holds one, so by then every socket is closed and nothing waits).
package final class ZMQContext: Sendable {
    /// Where the context is in its life.
    private enum State {
        /// Usable.
        case open
        /// `zmq_ctx_shutdown` was called: the handle is valid, every blocking call gets `ETERM`.
        case shutDown
        /// `zmq_ctx_term` was called or has returned: the handle must not be touched.
        case terminated
    }

    /// The `zmq_ctx` pointer. libzmq contexts are thread-safe; every use is guarded by ``state``
    /// so that no call reaches it after `zmq_ctx_term` began.
    private nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    /// The life stage, behind a lock because any thread may shut the context down.
    private let state = Mutex(State.open)

    /// Creates a context with `ioThreads` background I/O threads (libzmq's default is 1).
    ///
    /// - Throws: ``ZMQError`` from `zmq_ctx_new` or `zmq_ctx_set(ZMQ_IO_THREADS)`.
    package init(ioThreads: Int32 = 1) throws(ZMQError) {
        let handle = try Syscalls.contextNew()
        if ioThreads != 1 {
            do {
                try Syscalls.contextSet(handle, ZMQ_IO_THREADS, ioThreads, name: "ZMQ_IO_THREADS")
            } catch {
                try? Syscalls.contextTerm(handle)
                throw error
            }
        }
        self.handle = handle
    }

    deinit {
        // Every socket holds a reference, so all are closed by now and zmq_ctx_term returns at once.
        let needsTerm = state.withLock { state in
            defer { state = .terminated }
            return state != .terminated
        }
        if needsTerm { try? Syscalls.contextTerm(handle) }
    }

    /// Makes every blocking call on this context's sockets fail with ``ZMQError/isTerminated`` and
    /// every later call and socket creation too, without waiting: `zmq_ctx_shutdown`.
    ///
    /// Call it from any thread to wake socket threads so they close their sockets. Calling it again,
    /// or after ``terminate()``, does nothing.
    package func shutdown() {
        state.withLock { state in
            guard state == .open else { return }
            try? Syscalls.contextShutdown(handle)
            state = .shutDown
        }
    }

    /// Shuts the context down, waits until every socket of it is closed, then frees it: `zmq_ctx_term`.
    ///
    /// Blocks until each socket thread has seen ``ZMQError/isTerminated`` and closed its socket, so
    /// call it from a thread that owns no open socket of this context. Calling it again, or from
    /// another thread while it runs, returns at once.
    ///
    /// - Throws: ``ZMQError`` from `zmq_ctx_term` (other than `EINTR`, which is retried).
    package func terminate() throws(ZMQError) {
        let needsTerm = state.withLock { state in
            defer { state = .terminated }
            return state != .terminated
        }
        if needsTerm { try Syscalls.contextTerm(handle) }
    }

    /// Whether ``shutdown()`` or ``terminate()`` has been called.
    package var isShutDown: Bool {
        state.withLock { $0 != .open }
    }

    /// Creates a raw socket of `type`, unless the context has been terminated.
    ///
    /// Only ``ZMQSocket`` calls this; the socket then owns the returned handle.
    func makeSocketHandle(_ type: ZMQSocketType) throws(ZMQError) -> UnsafeMutableRawPointer {
        try state.withLock { state throws(ZMQError) -> UnsafeMutableRawPointer in
            guard state != .terminated else {
                throw ZMQError(code: ETERM, function: "zmq_socket", detail: "\(type) in a terminated context")
            }
            return try Syscalls.socket(handle, type.rawValue, name: "\(type)")
        }
    }
}
