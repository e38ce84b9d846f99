/// One socket and the events to wait for, for ``ZMQSocket/poll(_:timeoutMs:)``.
package struct ZMQPollItem {
    /// The socket to watch; it must belong to the polling thread.
    package let socket: ZMQSocket
    /// The events to wait for.
    package let events: ZMQPollEvents

    /// Watches `socket` for `events` (readable by default).
    package init(_ socket: ZMQSocket, _ events: ZMQPollEvents = .readable) {
        self.socket = socket
        self.events = events
    }
}
