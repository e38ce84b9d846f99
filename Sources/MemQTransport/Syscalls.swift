import CZeroMQ

/// The only place MemQTransport calls libzmq: one thin wrapper per C function.
///
/// In the manner of swift-system's `Syscalls.swift`, every wrapper here
/// - calls exactly one libzmq function (named in its doc comment) and nothing else of libzmq,
/// - retries while the call fails with `EINTR` (a signal arrived; libzmq asks to call again),
/// - turns `-1`/`NULL` into a ``ZMQError`` that keeps `zmq_errno()` (read right after the
///   failing call, on the same thread) and the C function's name,
/// - returns `nil` or `false` for `EAGAIN` where "nothing now" is an expected outcome
///   (non-blocking calls, receive/send timeouts) rather than a failure.
///
/// Everything above this file works with Swift values and ``ZMQError`` only.
enum Syscalls {
    // MARK: Errors

    /// The human-readable text for an error number: `zmq_strerror()`.
    static func strerror(_ code: Int32) -> String {
        guard let text = zmq_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Calls `body` again while it fails with `EINTR`; any other failure becomes a ``ZMQError``.
    ///
    /// - Parameters:
    ///   - function: The C function's name, kept in the error.
    ///   - detail: What the call was about (an endpoint, an option), kept in the error.
    ///   - failed: Whether `body`'s result signals failure (`-1`, `NULL`).
    @inline(__always)
    private static func retryingOnInterrupt<Result>(
        _ function: String, detail: String? = nil,
        failed: (Result) -> Bool, _ body: () -> Result
    ) throws(ZMQError) -> Result {
        while true {
            let result = body()
            guard failed(result) else { return result }
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(code: code, function: function, detail: detail)
        }
    }

    /// Like ``retryingOnInterrupt(_:detail:failed:_:)`` for calls returning `int` (`-1` on failure).
    @inline(__always)
    private static func checked(
        _ function: String, detail: String? = nil, _ body: () -> Int32
    ) throws(ZMQError) -> Int32 {
        try retryingOnInterrupt(function, detail: detail, failed: { $0 == -1 }, body)
    }

    // MARK: Library

    /// The linked libzmq's version: `zmq_version()`.
    static func version() -> (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether the linked libzmq was built with a capability ("curve", "ipc", ...): `zmq_has()`.
    static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }

    // MARK: Contexts

    /// Creates a context: `zmq_ctx_new()`.
    static func contextNew() throws(ZMQError) -> UnsafeMutableRawPointer {
        let handle = try retryingOnInterrupt("zmq_ctx_new", failed: { $0 == nil }) { zmq_ctx_new() }
        return handle!
    }

    /// Sets an integer context option such as `ZMQ_IO_THREADS`: `zmq_ctx_set()`.
    static func contextSet(_ context: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32,
                           name: String) throws(ZMQError) {
        _ = try checked("zmq_ctx_set", detail: name) { zmq_ctx_set(context, option, value) }
    }

    /// Makes every blocking call on the context's sockets fail with `ETERM`, without freeing
    /// anything: `zmq_ctx_shutdown()`.
    static func contextShutdown(_ context: UnsafeMutableRawPointer) throws(ZMQError) {
        _ = try checked("zmq_ctx_shutdown") { zmq_ctx_shutdown(context) }
    }

    /// Shuts the context down, waits until all its sockets are closed, then frees it:
    /// `zmq_ctx_term()`.
    static func contextTerm(_ context: UnsafeMutableRawPointer) throws(ZMQError) {
        _ = try checked("zmq_ctx_term") { zmq_ctx_term(context) }
    }

    // MARK: Sockets

    /// Creates a socket of a `ZMQ_*` type in a context: `zmq_socket()`.
    static func socket(_ context: UnsafeMutableRawPointer, _ type: Int32,
                       name: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        let handle = try retryingOnInterrupt("zmq_socket", detail: name, failed: { $0 == nil }) {
            zmq_socket(context, type)
        }
        return handle!
    }

    /// Closes a socket: `zmq_close()`.
    static func close(_ socket: UnsafeMutableRawPointer) throws(ZMQError) {
        _ = try checked("zmq_close") { zmq_close(socket) }
    }

    /// Accepts connections on an endpoint: `zmq_bind()`.
    static func bind(_ socket: UnsafeMutableRawPointer, _ endpoint: String) throws(ZMQError) {
        _ = try checked("zmq_bind", detail: endpoint) { zmq_bind(socket, endpoint) }
    }

    /// Connects to an endpoint: `zmq_connect()`.
    static func connect(_ socket: UnsafeMutableRawPointer, _ endpoint: String) throws(ZMQError) {
        _ = try checked("zmq_connect", detail: endpoint) { zmq_connect(socket, endpoint) }
    }

    /// Stops accepting on a bound endpoint: `zmq_unbind()`.
    static func unbind(_ socket: UnsafeMutableRawPointer, _ endpoint: String) throws(ZMQError) {
        _ = try checked("zmq_unbind", detail: endpoint) { zmq_unbind(socket, endpoint) }
    }

    /// Drops a connection made with `zmq_connect`: `zmq_disconnect()`.
    static func disconnect(_ socket: UnsafeMutableRawPointer, _ endpoint: String) throws(ZMQError) {
        _ = try checked("zmq_disconnect", detail: endpoint) { zmq_disconnect(socket, endpoint) }
    }

    /// Sets a socket option from raw bytes: `zmq_setsockopt()`.
    static func setOption(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: [UInt8],
                          name: String) throws(ZMQError) {
        _ = try checked("zmq_setsockopt", detail: name) {
            value.withUnsafeBytes { zmq_setsockopt(socket, option, $0.baseAddress, $0.count) }
        }
    }

    /// Reads a socket option into at most `capacity` bytes: `zmq_getsockopt()`.
    static func getOption(_ socket: UnsafeMutableRawPointer, _ option: Int32, capacity: Int,
                          name: String) throws(ZMQError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        _ = try checked("zmq_getsockopt", detail: name) {
            buffer.withUnsafeMutableBytes { zmq_getsockopt(socket, option, $0.baseAddress, &size) }
        }
        return Array(buffer.prefix(size))
    }

    // MARK: Messages

    /// Queues one frame (the bytes are copied): `zmq_send()`.
    ///
    /// - Returns: `false` when the call would block (`EAGAIN`: `ZMQ_DONTWAIT` given, or
    ///   `ZMQ_SNDTIMEO` expired), `true` once queued.
    static func send(_ socket: UnsafeMutableRawPointer, _ frame: [UInt8], flags: Int32) throws(ZMQError) -> Bool {
        do {
            _ = try checked("zmq_send") {
                frame.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) }
            }
            return true
        } catch where error.code == EAGAIN {
            return false
        }
    }

    /// Receives one frame and whether more frames of the same message follow:
    /// `zmq_msg_init()`, `zmq_msg_recv()`, `zmq_msg_data()`, `zmq_msg_size()`,
    /// `zmq_msg_more()`, `zmq_msg_close()`.
    ///
    /// - Returns: `nil` when nothing arrived (`EAGAIN`: `ZMQ_DONTWAIT` given, or
    ///   `ZMQ_RCVTIMEO` expired).
    static func receiveFrame(_ socket: UnsafeMutableRawPointer,
                             flags: Int32) throws(ZMQError) -> (bytes: [UInt8], more: Bool)? {
        try withUnsafeTemporaryAllocation(of: zmq_msg_t.self, capacity: 1) { buffer throws(ZMQError) in
            let message = buffer.baseAddress!
            _ = try checked("zmq_msg_init") { zmq_msg_init(message) }
            defer { zmq_msg_close(message) }
            do throws(ZMQError) {
                _ = try checked("zmq_msg_recv") { zmq_msg_recv(message, socket, flags) }
            } catch where error.code == EAGAIN {
                return nil
            }
            let size = zmq_msg_size(message)
            let bytes: [UInt8]
            if size == 0 {
                bytes = []
            } else {
                let data = UnsafeRawBufferPointer(start: zmq_msg_data(message), count: size)
                bytes = Array(data)
            }
            return (bytes, zmq_msg_more(message) == 1)
        }
    }

    // MARK: Polling

    /// Waits up to `timeoutMs` (-1: forever, 0: just look) until any socket has any of its
    /// `events` (`ZMQ_POLLIN`, `ZMQ_POLLOUT`): `zmq_poll()`.
    ///
    /// On `EINTR` it polls again for the time that is left.
    ///
    /// - Returns: Each socket's `revents`, in order.
    static func poll(_ sockets: [(socket: UnsafeMutableRawPointer, events: Int16)],
                     timeoutMs: Int) throws(ZMQError) -> [Int16] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.socket, fd: 0, events: $0.events, revents: 0) }
        let clock = ContinuousClock()
        let deadline = timeoutMs > 0 ? clock.now.advanced(by: .milliseconds(timeoutMs)) : nil
        var timeout = timeoutMs
        while true {
            let count = items.withUnsafeMutableBufferPointer {
                zmq_poll($0.baseAddress, Int32($0.count), timeout)
            }
            if count >= 0 { return items.map(\.revents) }
            let code = zmq_errno()
            guard code == EINTR else { throw ZMQError(code: code, function: "zmq_poll") }
            if let deadline {
                let left = clock.now.duration(to: deadline).components
                timeout = max(0, Int(left.seconds) * 1000 + Int(left.attoseconds / 1_000_000_000_000_000))
            }
        }
    }

    // MARK: CURVE and Z85

    /// Generates a CURVE key pair as two 40-character Z85 strings: `zmq_curve_keypair()`.
    static func curveKeyPair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        _ = try checked("zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return (string(fromNulTerminated: publicKey), string(fromNulTerminated: secretKey))
    }

    /// Derives the Z85 public key from a Z85 secret key: `zmq_curve_public()`.
    static func curvePublic(secretKey: String) throws(ZMQError) -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        _ = try checked("zmq_curve_public", detail: "secret key of \(secretKey.utf8.count) characters") {
            zmq_curve_public(&publicKey, secretKey)
        }
        return string(fromNulTerminated: publicKey)
    }

    /// Encodes bytes (a multiple of 4 long) as Z85 text: `zmq_z85_encode()`.
    static func z85Encode(_ bytes: [UInt8]) throws(ZMQError) -> String {
        var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        _ = try retryingOnInterrupt("zmq_z85_encode", detail: "\(bytes.count) bytes", failed: { $0 == nil }) {
            bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, $0.count) }
        }
        return string(fromNulTerminated: text)
    }

    /// Decodes Z85 text (a multiple of 5 long) to bytes: `zmq_z85_decode()`.
    static func z85Decode(_ text: String) throws(ZMQError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: text.utf8.count / 5 * 4)
        _ = try retryingOnInterrupt("zmq_z85_decode", detail: "\(text.utf8.count) characters", failed: { $0 == nil }) {
            zmq_z85_decode(&bytes, text)
        }
        return bytes
    }

    /// The Swift string before the first NUL of a C character buffer.
    private static func string(fromNulTerminated buffer: [CChar]) -> String {
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
