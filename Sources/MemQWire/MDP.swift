/// The Majordomo Protocol, version 0.2 (ZeroMQ RFC 18, https://rfc.zeromq.org/spec/18/), as memqd speaks it
/// between its broker and its workers, and to MDP clients on its frontend.
///
/// After the ROUTER's routing id, RFC 18 writes every command without an empty frame in front:
///
///     client → broker  "MDPC02" 0x01 service body...                  REQUEST
///     broker → client  "MDPC02" 0x02 service body...                  PARTIAL
///                      "MDPC02" 0x03 service body...                  FINAL
///     worker → broker  "MDPW02" 0x01 service                          READY
///                      "MDPW02" 0x03 client "" body...                PARTIAL
///                      "MDPW02" 0x04 client "" body...                FINAL
///                      "MDPW02" 0x05                                  HEARTBEAT
///                      "MDPW02" 0x06                                  DISCONNECT
///     broker → worker  "MDPW02" 0x02 client "" body...                REQUEST
///                      "MDPW02" 0x05 / 0x06                           HEARTBEAT / DISCONNECT
///
/// Some implementations (majortomo 0.2 on PyPI, and brokers derived from the Guide's MDP/0.1 examples) put an
/// empty frame in front of every command, as a REQ socket would. memqd reads both: its broker and frontend answer
/// each peer in the framing that peer used, and its worker sends the framing `mdp-framing` names.
///
/// memqd's bodies are MEMQ/1 frames: a request body is `["MEMQ/1", command, request-id, json-body]`, a reply
/// body `["MEMQ/1", status, request-id, json-body]`. A validation's progress is a PARTIAL whose body is a 202 reply
/// `{"state": "running", "progress": 0.4, "phase": "..."}`.
package enum MDP {
    /// The first frame of the client sub-protocol.
    package static let clientHeader: [UInt8] = Array("MDPC02".utf8)
    /// The first frame of the worker sub-protocol.
    package static let workerHeader: [UInt8] = Array("MDPW02".utf8)
    /// The service memqd's workers register and its broker serves unless configured otherwise.
    package static let defaultService = "memq"

    /// The commands of MDP/Worker (one byte each).
    package enum WorkerCommand: UInt8, Sendable, CaseIterable {
        case ready = 0x01, request = 0x02, partial = 0x03, final = 0x04, heartbeat = 0x05, disconnect = 0x06
    }

    /// The commands of MDP/Client (one byte each).
    package enum ClientCommand: UInt8, Sendable, CaseIterable {
        case request = 0x01, partial = 0x02, final = 0x03
    }

    /// Whether commands start with an empty frame.
    package enum Framing: String, Sendable, Hashable, CaseIterable {
        /// As RFC 18 writes them: the header is the first frame.
        case rfc18
        /// An empty frame before the header (majortomo, Guide-derived peers).
        case delimited

        /// The frames to put before the header.
        package var prefix: [[UInt8]] { self == .delimited ? [[]] : [] }
    }

    /// A worker-protocol message read from its frames (after the routing id, if any).
    package struct WorkerMessage: Sendable, Hashable {
        package var framing: Framing
        package var command: WorkerCommand
        /// The frames after the command.
        package var rest: [[UInt8]]
    }

    /// The frames of a worker-protocol command.
    package static func worker(_ command: WorkerCommand, _ rest: [[UInt8]] = [], framing: Framing) -> [[UInt8]] {
        framing.prefix + [workerHeader, [command.rawValue]] + rest
    }

    /// The frames of a client-protocol reply (PARTIAL or FINAL) for `service`.
    package static func client(_ command: ClientCommand, service: [UInt8], _ body: [[UInt8]], framing: Framing) -> [[UInt8]] {
        framing.prefix + [clientHeader, [command.rawValue], service] + body
    }

    /// Reads a worker-protocol message, or nil if it is not one (wrong header, unknown command, too few frames).
    package static func parseWorker(_ frames: ArraySlice<[UInt8]>) -> WorkerMessage? {
        var frames = frames
        var framing = Framing.rfc18
        if frames.first?.isEmpty == true {
            framing = .delimited
            frames = frames.dropFirst()
        }
        guard frames.count >= 2, frames[frames.startIndex] == workerHeader else { return nil }
        let code = frames[frames.startIndex + 1]
        guard code.count == 1, let command = WorkerCommand(rawValue: code[0]) else { return nil }
        return WorkerMessage(framing: framing, command: command, rest: Array(frames.dropFirst(2)))
    }

    /// For REQUEST, PARTIAL and FINAL: the client address and the body after its empty delimiter, or nil if the
    /// frames are not `client "" body...` with a body.
    package static func addressed(_ rest: [[UInt8]]) -> (client: [UInt8], body: ArraySlice<[UInt8]>)? {
        guard rest.count >= 3, rest[1].isEmpty else { return nil }
        return (rest[0], rest[2...])
    }

    /// A readable name for a command byte frame, for error messages.
    package static func describe(_ frame: [UInt8]) -> String {
        guard frame.count == 1 else { return "\(frame.count) bytes" }
        let hex = String(frame[0], radix: 16)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
