import CZeroMQ

/// Flags for ``ZMQSocket/send(_:flags:)`` (the `flags` of `zmq_send`).
package struct ZMQSendFlags: OptionSet, Sendable {
    /// The `ZMQ_*` bits.
    package let rawValue: Int32

    /// Wraps `ZMQ_*` bits.
    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// Do not block: return `false` at once if the message cannot be queued (`ZMQ_DONTWAIT`).
    package static let dontWait = ZMQSendFlags(rawValue: ZMQ_DONTWAIT)
    /// More frames of this message follow (`ZMQ_SNDMORE`); the multipart
    /// ``ZMQSocket/send(_:flags:)`` sets it for you.
    package static let sendMore = ZMQSendFlags(rawValue: ZMQ_SNDMORE)
}
