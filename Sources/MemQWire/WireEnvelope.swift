/// The routing envelope in front of a message on a ROUTER socket: the peer's routing id, and for a
/// REQ peer the empty delimiter frame that follows it.
package struct WireEnvelope: Sendable, Hashable {
    /// The frames to put back in front of the reply: `[routing-id]` or `[routing-id, ""]`.
    package var frames: [[UInt8]]

    /// An envelope of exactly these frames.
    package init(frames: [[UInt8]]) {
        self.frames = frames
    }

    /// The routing id of the peer.
    package var routingID: [UInt8] { frames.first ?? [] }

    /// Splits a message received on a ROUTER into its envelope and the protocol frames after it.
    ///
    /// The first frame is the routing id. If the second is empty, the peer is a REQ socket (or a
    /// DEALER imitating one) and the delimiter belongs to the envelope, so the reply carries it too.
    /// - Returns: `nil` for a message with no frames.
    package static func split(_ message: [[UInt8]]) -> (envelope: WireEnvelope, payload: ArraySlice<[UInt8]>)? {
        guard let first = message.first else { return nil }
        if message.count > 1, message[1].isEmpty {
            return (WireEnvelope(frames: [first, []]), message[2...])
        }
        return (WireEnvelope(frames: [first]), message[1...])
    }
}
