import CZeroMQ

/// A libzmq socket: one end of a messaging pattern (``ZMQSocketType``), owning its `zmq_socket` handle.
///
/// **Not thread-safe.** libzmq sockets must not be used from two threads, so this class is not
/// `Sendable`: create a socket, use it and close it on one dedicated thread (a Foundation `Thread`
/// whose closure captures only the `Sendable` ``ZMQContext``). To talk to a socket's thread from
/// elsewhere, use an `inproc://` PAIR/PUSH socket of the same context, not the socket itself.
///
/// Blocking calls honour the socket's timeouts (``ZMQSocketOption/receiveTimeout``,
/// ``ZMQSocketOption/sendTimeout``) and return `nil`/`false` when they expire, and end with
/// ``ZMQError/isTerminated`` when the context is shut down. Signals (`EINTR`) are retried, which
/// restarts a timeout.
///
/// ``close()`` (or `deinit`) always sets `ZMQ_LINGER` to 0 first, so closing never blocks and
/// unsent messages are dropped.
package final class ZMQSocket {
    /// The context this socket lives in; kept alive until the socket is gone.
    package let context: ZMQContext
    /// The messaging pattern.
    package let type: ZMQSocketType
    /// The `zmq_socket` pointer; `nil` once closed.
    private var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `type` in `context`, on the calling thread, which must be the only thread
    /// to use it.
    ///
    /// - Throws: ``ZMQError`` from `zmq_socket`; ``ZMQError/isTerminated`` if the context is shut down.
    package init(_ context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        self.context = context
        self.type = type
        self.handle = try context.makeSocketHandle(type)
    }

    deinit {
        close()
    }

    /// The open handle, or an `ENOTSOCK` error naming `function` if the socket was closed.
    private func open(_ function: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else {
            throw ZMQError(code: ENOTSOCK, function: function, detail: "\(type) socket")
        }
        return handle
    }

    /// Whether ``close()`` has been called.
    package var isClosed: Bool { handle == nil }

    /// Sets `ZMQ_LINGER` to 0 and closes the socket (`zmq_close`); later calls fail with `ENOTSOCK`.
    /// Closing twice does nothing.
    package func close() {
        guard let handle else { return }
        self.handle = nil
        try? Syscalls.setOption(handle, ZMQ_LINGER, withUnsafeBytes(of: Int32(0)) { Array($0) },
                                name: "ZMQ_LINGER")
        try? Syscalls.close(handle)
    }

    // MARK: Endpoints

    /// Accepts connections on `endpoint` (`zmq_bind`), such as `tcp://127.0.0.1:*` (a free port;
    /// read it back from ``lastEndpoint``), `ipc:///path` or `inproc://name`.
    package func bind(_ endpoint: String) throws(ZMQError) {
        try Syscalls.bind(open("zmq_bind"), endpoint)
    }

    /// Connects to `endpoint` (`zmq_connect`); libzmq connects and reconnects in the background.
    package func connect(_ endpoint: String) throws(ZMQError) {
        try Syscalls.connect(open("zmq_connect"), endpoint)
    }

    /// Stops accepting on a bound `endpoint` (`zmq_unbind`); pass ``lastEndpoint`` after a `*` bind.
    package func unbind(_ endpoint: String) throws(ZMQError) {
        try Syscalls.unbind(open("zmq_unbind"), endpoint)
    }

    /// Drops the connection to a connected `endpoint` (`zmq_disconnect`).
    package func disconnect(_ endpoint: String) throws(ZMQError) {
        try Syscalls.disconnect(open("zmq_disconnect"), endpoint)
    }

    /// The endpoint last bound or connected, with the real port after a `tcp://…:*` bind
    /// (`ZMQ_LAST_ENDPOINT`).
    package var lastEndpoint: String {
        get throws(ZMQError) { try get(.lastEndpoint) }
    }

    // MARK: Options

    /// Sets a socket option (`zmq_setsockopt`), e.g. `try socket.set(.receiveTimeout, 500)`.
    package func set<Value>(_ option: ZMQSocketOption<Value>, _ value: Value) throws(ZMQError) {
        try Syscalls.setOption(open("zmq_setsockopt"), option.code, option.encode(value), name: option.name)
    }

    /// Reads a socket option (`zmq_getsockopt`), e.g. `try socket.get(.receiveMore)`.
    package func get<Value>(_ option: ZMQSocketOption<Value>) throws(ZMQError) -> Value {
        option.decode(try Syscalls.getOption(open("zmq_getsockopt"), option.code,
                                             capacity: option.capacity, name: option.name))
    }

    /// Whether the last frame received has more frames after it (`ZMQ_RCVMORE`).
    package var hasMoreFrames: Bool {
        get throws(ZMQError) { try get(.receiveMore) }
    }

    /// SUB only: receive messages starting with `prefix`; empty means everything (`ZMQ_SUBSCRIBE`).
    package func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        try Syscalls.setOption(open("zmq_setsockopt"), ZMQ_SUBSCRIBE, prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// SUB only: undo one ``subscribe(_:)`` of the same `prefix` (`ZMQ_UNSUBSCRIBE`).
    package func unsubscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        try Syscalls.setOption(open("zmq_setsockopt"), ZMQ_UNSUBSCRIBE, prefix, name: "ZMQ_UNSUBSCRIBE")
    }

    // MARK: Sending

    /// Queues one frame (`zmq_send`); with ``ZMQSendFlags/sendMore`` it is a non-final frame.
    ///
    /// - Returns: `false` if it could not be queued in time (``ZMQSendFlags/dontWait``, or
    ///   ``ZMQSocketOption/sendTimeout`` expired), `true` once queued.
    /// - Throws: ``ZMQError``, e.g. ``ZMQError/isHostUnreachable`` on a ROUTER with
    ///   ``ZMQSocketOption/routerMandatory`` and an unknown routing id, ``ZMQError/isTerminated``.
    @discardableResult
    package func send(_ frame: [UInt8], flags: ZMQSendFlags = []) throws(ZMQError) -> Bool {
        try Syscalls.send(open("zmq_send"), frame, flags: flags.rawValue)
    }

    /// Queues a multipart message, setting `ZMQ_SNDMORE` on every frame but the last (`zmq_send`).
    ///
    /// libzmq delivers a multipart message whole or not at all. On a ROUTER the first frame is the
    /// peer's routing id.
    ///
    /// - Parameter flags: ``ZMQSendFlags/dontWait`` applies to the whole message; `sendMore` is
    ///   added as needed (pass it yourself to leave the message open for a following send).
    /// - Returns: `false` if the first frame could not be queued in time (nothing was sent).
    /// - Throws: ``ZMQError``; if the message is empty, `EINVAL`; if a later frame cannot be queued
    ///   (libzmq does not do that once the first is in), `EAGAIN` naming the frame.
    @discardableResult
    package func send(_ frames: [[UInt8]], flags: ZMQSendFlags = []) throws(ZMQError) -> Bool {
        let handle = try open("zmq_send")
        guard !frames.isEmpty else {
            throw ZMQError(code: EINVAL, function: "zmq_send", detail: "a message needs at least one frame")
        }
        for (index, frame) in frames.enumerated() {
            var frameFlags = flags
            if index < frames.count - 1 { frameFlags.insert(.sendMore) }
            guard try Syscalls.send(handle, frame, flags: frameFlags.rawValue) else {
                if index == 0 { return false }
                throw ZMQError(code: EAGAIN, function: "zmq_send", detail: "frame \(index + 1) of \(frames.count)")
            }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one frame (`zmq_msg_recv`); check ``hasMoreFrames`` for the rest of the message.
    ///
    /// - Returns: `nil` if nothing arrived in time (``ZMQReceiveFlags/dontWait``, or
    ///   ``ZMQSocketOption/receiveTimeout`` expired).
    /// - Throws: ``ZMQError``, e.g. ``ZMQError/isTerminated`` when the context shuts down.
    package func receive(flags: ZMQReceiveFlags = []) throws(ZMQError) -> [UInt8]? {
        try Syscalls.receiveFrame(open("zmq_msg_recv"), flags: flags.rawValue)?.bytes
    }

    /// Receives every frame of the next message (`zmq_msg_recv` until `zmq_msg_more` is 0).
    ///
    /// On a ROUTER the first frame is the sender's routing id; from a REQ peer an empty delimiter
    /// frame follows it.
    ///
    /// - Returns: `nil` if no message arrived in time (``ZMQReceiveFlags/dontWait``, or
    ///   ``ZMQSocketOption/receiveTimeout`` expired).
    /// - Throws: ``ZMQError``, e.g. ``ZMQError/isTerminated`` when the context shuts down.
    package func receiveMultipart(flags: ZMQReceiveFlags = []) throws(ZMQError) -> [[UInt8]]? {
        let handle = try open("zmq_msg_recv")
        guard let first = try Syscalls.receiveFrame(handle, flags: flags.rawValue) else { return nil }
        var frames = [first.bytes]
        var more = first.more
        while more {
            // The rest of a message arrives together with its first frame, so this never waits.
            guard let next = try Syscalls.receiveFrame(handle, flags: flags.rawValue) else {
                throw ZMQError(code: EAGAIN, function: "zmq_msg_recv", detail: "frame \(frames.count + 1) of a message")
            }
            frames.append(next.bytes)
            more = next.more
        }
        return frames
    }

    // MARK: Polling

    /// Waits up to `timeoutMs` for this socket to become readable and/or writable (`zmq_poll`).
    ///
    /// - Parameter timeoutMs: Milliseconds; 0 checks without waiting, -1 waits forever.
    /// - Returns: The subset of `events` that holds now; empty on timeout.
    package func poll(_ events: ZMQPollEvents = .readable, timeoutMs: Int) throws(ZMQError) -> ZMQPollEvents {
        try Self.poll([ZMQPollItem(self, events)], timeoutMs: timeoutMs)[0]
    }

    /// Waits up to `timeoutMs` until any of several sockets (all owned by the calling thread) is
    /// readable or writable as asked (`zmq_poll`).
    ///
    /// - Parameter timeoutMs: Milliseconds; 0 checks without waiting, -1 waits forever.
    /// - Returns: For each item, in order, the subset of its events that holds now; all empty on
    ///   timeout.
    /// - Throws: ``ZMQError``, e.g. ``ZMQError/isTerminated``, or `ENOTSOCK` for a closed socket.
    package static func poll(_ items: [ZMQPollItem], timeoutMs: Int) throws(ZMQError) -> [ZMQPollEvents] {
        var sockets: [(socket: UnsafeMutableRawPointer, events: Int16)] = []
        sockets.reserveCapacity(items.count)
        for item in items {
            sockets.append((try item.socket.open("zmq_poll"), item.events.rawValue))
        }
        return try Syscalls.poll(sockets, timeoutMs: timeoutMs).map(ZMQPollEvents.init(rawValue:))
    }
}

/// Sockets belong to one thread; see ``ZMQSocket``.
@available(*, unavailable, message: "a ZMQSocket is used by one thread only; create it on the thread that uses it")
extension ZMQSocket: Sendable {}
