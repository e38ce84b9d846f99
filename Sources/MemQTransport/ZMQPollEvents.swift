import CZeroMQ

/// What ``ZMQSocket/poll(_:timeoutMs:)`` waits for and reports, per socket (`ZMQ_POLLIN`, `ZMQ_POLLOUT`).
package struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    /// The `ZMQ_POLL*` bits.
    package let rawValue: Int16

    /// Wraps `ZMQ_POLL*` bits.
    package init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message can be received without blocking (`ZMQ_POLLIN`).
    package static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
    package static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
}
