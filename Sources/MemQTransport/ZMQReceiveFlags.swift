import CZeroMQ

/// Flags for ``ZMQSocket/receive(flags:)`` and ``ZMQSocket/receiveMultipart(flags:)``
/// (the `flags` of `zmq_msg_recv`).
package struct ZMQReceiveFlags: OptionSet, Sendable {
    /// The `ZMQ_*` bits.
    package let rawValue: Int32

    /// Wraps `ZMQ_*` bits.
    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// Do not block: return `nil` at once if nothing is queued (`ZMQ_DONTWAIT`).
    package static let dontWait = ZMQReceiveFlags(rawValue: ZMQ_DONTWAIT)
}
