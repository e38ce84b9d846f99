/// The broker–worker protocol MEMQW/1, Majordomo-style (ZeroMQ RFC 7, simplified), on the backend
/// endpoint. A worker's DEALER talks to the broker's ROUTER; every message starts with
/// `"MEMQW/1"` and a message type:
///
///     worker → broker  READY                                     joined, idle
///                      HEARTBEAT                                 alive
///                      REPLY ticket status json-body             the request's answer; idle again
///                      PROGRESS ticket fraction phase             a validation job's progress
///                      DISCONNECT                                leaving
///     broker → worker  REQUEST ticket command request-id json-body
///                      HEARTBEAT
///                      CANCEL ticket                             stop that validation
///                      DISCONNECT                                forget me; send READY again
///
/// Both sides send HEARTBEAT every `heartbeat-ms`; a peer silent for `heartbeat-liveness` intervals
/// is dead. The broker gives a dead worker's request to another worker once.
package enum WorkerProtocol {
    /// The first frame of every message.
    package static let version = "MEMQW/1"

    /// The second frame: what the message is.
    package enum Message: String, Sendable, CaseIterable {
        /// Worker joined and is idle.
        case ready = "READY"
        /// Broker hands a request to a worker.
        case request = "REQUEST"
        /// Worker answers a request.
        case reply = "REPLY"
        /// Worker reports a validation's progress.
        case progress = "PROGRESS"
        /// Either side is alive.
        case heartbeat = "HEARTBEAT"
        /// Broker asks a worker to stop a validation.
        case cancel = "CANCEL"
        /// Either side leaves (or, from the broker, asks the worker to re-announce itself).
        case disconnect = "DISCONNECT"
    }

    /// The frames of a message of `type` followed by `rest`.
    package static func frames(_ type: Message, _ rest: [[UInt8]] = []) -> [[UInt8]] {
        [Array(version.utf8), Array(type.rawValue.utf8)] + rest
    }

    /// The message type of `frames` (after any routing id), or `nil` if it is not MEMQW/1.
    package static func type(of frames: ArraySlice<[UInt8]>) -> Message? {
        guard frames.count >= 2, frames[frames.startIndex] == Array(version.utf8) else { return nil }
        return Message(rawValue: String(decoding: frames[frames.startIndex + 1], as: UTF8.self))
    }
}
