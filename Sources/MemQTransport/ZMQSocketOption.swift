import CZeroMQ

/// A typed socket option for ``ZMQSocket/set(_:_:)`` and ``ZMQSocket/get(_:)``: the `ZMQ_*` option
/// number plus how its C value is laid out.
///
/// Times are in milliseconds as libzmq takes them (`-1` means "forever"); sizes in bytes or messages.
/// Only the options MemQ uses are defined; PLAIN authentication is deliberately absent (it sends the
/// password in clear), and so is anything DRAFT.
package struct ZMQSocketOption<Value>: Sendable, CustomStringConvertible {
    /// The `ZMQ_*` option number.
    let code: Int32
    /// The libzmq name, such as "ZMQ_LINGER"; appears in errors.
    package let name: String
    /// Bytes to read back at most.
    let capacity: Int
    /// The C representation of a value.
    let encode: @Sendable (Value) -> [UInt8]
    /// The value from its C representation.
    let decode: @Sendable ([UInt8]) -> Value

    /// The libzmq name, such as "ZMQ_LINGER".
    package var description: String { name }
}

extension ZMQSocketOption where Value == Int32 {
    /// An option held in a C `int`.
    private init(int code: Int32, _ name: String) {
        self.init(code: code, name: name, capacity: MemoryLayout<Int32>.size,
                  encode: { withUnsafeBytes(of: $0) { Array($0) } },
                  decode: { bytes in bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } })
    }

    /// How long (ms) `close` waits to deliver queued messages (`ZMQ_LINGER`). ``ZMQSocket/close()``
    /// always sets it to 0 first, so closing never blocks.
    package static var linger: Self { .init(int: ZMQ_LINGER, "ZMQ_LINGER") }
    /// How long (ms) a blocking receive waits before returning `nil`; -1 forever (`ZMQ_RCVTIMEO`).
    package static var receiveTimeout: Self { .init(int: ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO") }
    /// How long (ms) a blocking send waits before returning `false`; -1 forever (`ZMQ_SNDTIMEO`).
    package static var sendTimeout: Self { .init(int: ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO") }
    /// Outgoing messages queued per peer before sends block or drop; 0 unlimited (`ZMQ_SNDHWM`).
    package static var sendHighWaterMark: Self { .init(int: ZMQ_SNDHWM, "ZMQ_SNDHWM") }
    /// Incoming messages queued per peer before the peer is pushed back; 0 unlimited (`ZMQ_RCVHWM`).
    package static var receiveHighWaterMark: Self { .init(int: ZMQ_RCVHWM, "ZMQ_RCVHWM") }
    /// Interval (ms) between ZMTP heartbeat PINGs; 0 off (`ZMQ_HEARTBEAT_IVL`).
    package static var heartbeatInterval: Self { .init(int: ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL") }
    /// How long (ms) to wait for a PONG before dropping the connection (`ZMQ_HEARTBEAT_TIMEOUT`).
    package static var heartbeatTimeout: Self { .init(int: ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT") }
    /// How long (ms, rounded to 100) the peer should keep the connection without traffic
    /// (`ZMQ_HEARTBEAT_TTL`).
    package static var heartbeatTTL: Self { .init(int: ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL") }
}

extension ZMQSocketOption where Value == Int64 {
    /// Largest inbound message in bytes; a peer sending a bigger one is disconnected and the message
    /// dropped; -1 unlimited (`ZMQ_MAXMSGSIZE`, an `int64_t`). Set it before bind/connect.
    package static var maxMessageSize: Self {
        .init(code: ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE", capacity: MemoryLayout<Int64>.size,
              encode: { withUnsafeBytes(of: $0) { Array($0) } },
              decode: { bytes in bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) } })
    }
}

extension ZMQSocketOption where Value == Bool {
    /// A yes/no option held in a C `int` (0 or 1).
    private init(flag code: Int32, _ name: String) {
        self.init(code: code, name: name, capacity: MemoryLayout<Int32>.size,
                  encode: { withUnsafeBytes(of: Int32($0 ? 1 : 0)) { Array($0) } },
                  decode: { bytes in bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } != 0 })
    }

    /// ROUTER only, write-only: a send to an unknown routing id fails with
    /// ``ZMQError/isHostUnreachable`` instead of being dropped silently (`ZMQ_ROUTER_MANDATORY`).
    package static var routerMandatory: Self { .init(flag: ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY") }
    /// Act as CURVE server; needs ``curveSecretKey`` (`ZMQ_CURVE_SERVER`). Set before bind.
    package static var curveServer: Self { .init(flag: ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER") }
    /// Queue messages only to completed connections, so sends block or fail instead of queueing for
    /// a peer that is not there yet (`ZMQ_IMMEDIATE`).
    package static var immediate: Self { .init(flag: ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE") }
    /// Read-only: the last frame received has more frames after it (`ZMQ_RCVMORE`).
    package static var receiveMore: Self { .init(flag: ZMQ_RCVMORE, "ZMQ_RCVMORE") }
}

extension ZMQSocketOption where Value == [UInt8] {
    /// Binary routing id this socket presents to a ROUTER peer, 1 to 255 bytes, not starting with a
    /// zero byte; set before connect (`ZMQ_ROUTING_ID`, formerly `ZMQ_IDENTITY`).
    package static var routingID: Self {
        .init(code: ZMQ_ROUTING_ID, name: "ZMQ_ROUTING_ID", capacity: 255,
              encode: { $0 }, decode: { $0 })
    }

    /// The pre-4.2 name of ``routingID`` (`ZMQ_IDENTITY`).
    package static var identity: Self { routingID }
}

extension ZMQSocketOption where Value == String {
    /// A text option: written without its NUL, read back with trailing NULs removed.
    private init(text code: Int32, _ name: String, capacity: Int) {
        self.init(code: code, name: name, capacity: capacity,
                  encode: { Array($0.utf8) },
                  decode: { bytes in
                      let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
                      return String(decoding: bytes[..<end], as: UTF8.self)
                  })
    }

    /// This socket's long-term CURVE public key, 40 Z85 characters (`ZMQ_CURVE_PUBLICKEY`).
    package static var curvePublicKey: Self { .init(text: ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", capacity: 41) }
    /// This socket's long-term CURVE secret key, 40 Z85 characters (`ZMQ_CURVE_SECRETKEY`).
    package static var curveSecretKey: Self { .init(text: ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", capacity: 41) }
    /// Client side: the server's CURVE public key, 40 Z85 characters; setting it makes this socket a
    /// CURVE client (`ZMQ_CURVE_SERVERKEY`). Set before connect.
    package static var curveServerKey: Self { .init(text: ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", capacity: 41) }
    /// Authentication domain sent to the ZAP handler (`ZMQ_ZAP_DOMAIN`). Set before bind.
    package static var zapDomain: Self { .init(text: ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", capacity: 256) }
    /// Read-only: the endpoint last bound or connected, with the real port after a `*` bind
    /// (`ZMQ_LAST_ENDPOINT`).
    package static var lastEndpoint: Self { .init(text: ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT", capacity: 1024) }
}
