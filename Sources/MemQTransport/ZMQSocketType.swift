import CZeroMQ

/// The messaging pattern of a socket: the `ZMQ_*` socket type passed to `zmq_socket`.
package enum ZMQSocketType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Client of request/reply: strictly send, receive, send, ... (`ZMQ_REQ`).
    case req
    /// Server of request/reply: strictly receive, send, receive, ... (`ZMQ_REP`).
    case rep
    /// Asynchronous client: round-robins sends, fair-queues receives (`ZMQ_DEALER`).
    case dealer
    /// Asynchronous server: each received message starts with the peer's routing id frame,
    /// each sent message must start with one (`ZMQ_ROUTER`).
    case router
    /// Publisher: sends to every matching subscriber, drops when they are slow (`ZMQ_PUB`).
    case pub
    /// Subscriber: receives what matches its ``ZMQSocket/subscribe(_:)`` prefixes (`ZMQ_SUB`).
    case sub
    /// Pipeline sender, round-robin to pullers (`ZMQ_PUSH`).
    case push
    /// Pipeline receiver, fair-queued from pushers (`ZMQ_PULL`).
    case pull
    /// Exclusive one-to-one pair, typically over inproc (`ZMQ_PAIR`).
    case pair

    /// The `ZMQ_*` constant.
    package var rawValue: Int32 {
        switch self {
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        }
    }

    /// The type for a `ZMQ_*` constant, or `nil` for one not wrapped here.
    package init?(rawValue: Int32) {
        guard let type = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = type
    }

    /// The libzmq name without prefix, such as "ROUTER".
    package var description: String {
        switch self {
        case .req: "REQ"
        case .rep: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pub: "PUB"
        case .sub: "SUB"
        case .push: "PUSH"
        case .pull: "PULL"
        case .pair: "PAIR"
        }
    }
}
