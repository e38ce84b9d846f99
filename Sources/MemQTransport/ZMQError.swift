import CZeroMQ

/// A failed libzmq call: which C function, its `errno`, libzmq's text for it, and what it was about.
///
/// `EAGAIN` never reaches you as a `ZMQError` from receive, send or poll: "nothing now" comes back
/// as `nil`/`false`. `ETERM` does, as the recognisable ``isTerminated``, and means "the context is
/// shutting down: close this socket and leave your loop".
package struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error number, as `zmq_errno()` reported it (a POSIX `errno` or a libzmq one like `ETERM`).
    package let code: Int32
    /// libzmq's text for ``code``, from `zmq_strerror()`.
    package let message: String
    /// The C function that failed, such as `"zmq_bind"`.
    package let function: String
    /// What the call was about: an endpoint, an option name, a frame position; `nil` if nothing useful.
    package let detail: String?

    /// Records a failure of `function` with error number `code`.
    package init(code: Int32, function: String, detail: String? = nil) {
        self.code = code
        self.message = Syscalls.strerror(code)
        self.function = function
        self.detail = detail
    }

    /// The context was shut down or terminated (`ETERM`): close the socket and stop using it.
    package var isTerminated: Bool { code == ETERM }

    /// A ROUTER with `ZMQ_ROUTER_MANDATORY` has no peer with that routing id (`EHOSTUNREACH`):
    /// the peer is gone or never connected.
    package var isHostUnreachable: Bool { code == EHOSTUNREACH }

    /// The call would have blocked (`EAGAIN`). Only seen when a multipart send stalls mid-message.
    package var isWouldBlock: Bool { code == EAGAIN }

    /// The operation is not valid in the socket's current state (`EFSM`), e.g. two sends in a row on REQ.
    package var isWrongState: Bool { code == EFSM }

    /// One line: the function and its subject, libzmq's message, the errno, and what would be valid.
    package var description: String {
        var text = function
        if let detail { text += "(\(detail))" }
        text += ": \(message) (errno \(code))"
        if let hint { text += "; \(hint)" }
        return text
    }

    /// What the caller could do instead, for the mistakes a user can make.
    private var hint: String? {
        switch (function, code) {
        case ("zmq_bind", EINVAL), ("zmq_connect", EINVAL), ("zmq_unbind", EINVAL), ("zmq_disconnect", EINVAL):
            return "endpoints look like tcp://HOST:PORT (bind may use tcp://127.0.0.1:* for a free port), "
                + "ipc:///path/to/socket or inproc://name"
        case (_, EPROTONOSUPPORT):
            return "valid transports are tcp://, ipc:// and inproc://"
        case ("zmq_bind", EADDRINUSE) where detail == "inproc://zeromq.zap.01":
            return "this context already has a ZAP handler; keep one ZAPHandler per context"
        case ("zmq_bind", EADDRINUSE) where detail?.hasPrefix("inproc://") == true:
            return "another socket of this context is bound to that name; choose another inproc:// name"
        case ("zmq_bind", EADDRINUSE):
            return "another socket already listens there; choose another port, or tcp://127.0.0.1:* "
                + "and read the chosen one back from lastEndpoint"
        case ("zmq_bind", EADDRNOTAVAIL):
            return "bind to an address of this host, such as 127.0.0.1 or *"
        case ("zmq_unbind", ENOENT), ("zmq_disconnect", ENOENT):
            return "pass exactly the endpoint that was bound/connected (for a wildcard bind, lastEndpoint)"
        case ("zmq_setsockopt", EINVAL) where detail?.hasPrefix("ZMQ_CURVE_") == true:
            return "CURVE keys are 40 Z85 characters (or 32 raw bytes), e.g. from CurveKeyPair.generate()"
        case ("zmq_setsockopt", EINVAL) where detail == "ZMQ_ROUTING_ID":
            return "a routing id is 1 to 255 bytes and must not start with a zero byte"
        case ("zmq_setsockopt", EINVAL), ("zmq_getsockopt", EINVAL):
            return "this option does not apply to this socket type, or the value is out of range"
        case ("zmq_curve_keypair", ENOTSUP), ("zmq_curve_public", ENOTSUP):
            return "this libzmq was built without CURVE (ZMQLibrary.hasCurve is false); install one built with libsodium"
        case ("zmq_curve_public", EINVAL):
            return "a CURVE secret key is 40 Z85 characters"
        case ("zmq_z85_encode", _):
            return "Z85 encodes a byte count that is a multiple of 4"
        case ("zmq_z85_decode", _):
            return "Z85 text is a multiple of 5 characters from 0-9 a-z A-Z .-:+=^!/*?&<>()[]{}@%$#"
        case (_, ENOTSOCK):
            return "the socket was already closed"
        case (_, EFSM):
            return "REQ must alternate send/receive and REP receive/send"
        default:
            return nil
        }
    }
}
