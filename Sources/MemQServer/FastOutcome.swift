import MemQCore
import MemQWire

/// A fast command's answer, on its way back to the frontend thread.
package struct FastOutcome: Sendable {
    /// The ticket of the request answered.
    package let ticket: UInt64
    /// The reply status.
    package let status: WireStatus
    /// The reply body, serialized once where it was made (a worker, or the frontend answering inline), so the
    /// frontend forwards the bytes without parsing and re-serializing them.
    package let bodyBytes: [UInt8]

    /// The outcome of running a handler for `ticket`.
    package init(ticket: UInt64, status: WireStatus, body: JSONValue) {
        self.init(ticket: ticket, status: status, bodyBytes: body.bytes())
    }

    /// The outcome of running a handler for `ticket`, its body already serialized.
    package init(ticket: UInt64, status: WireStatus, bodyBytes: [UInt8]) {
        self.ticket = ticket
        self.status = status
        self.bodyBytes = bodyBytes
    }

    /// Encodes as the frames of an internal reply message: `[ticket (8 bytes LE), status, body]`.
    package var frames: [[UInt8]] {
        [withUnsafeBytes(of: ticket.littleEndian) { Array($0) }, status.frame, bodyBytes]
    }

    /// Decodes the frames of an internal reply message; `nil` if they are not ``frames``' layout.
    package init?(frames: [[UInt8]]) {
        guard frames.count == 3, frames[0].count == 8, let status = WireStatus(frame: frames[1]) else { return nil }
        let ticket = frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        self.init(ticket: UInt64(littleEndian: ticket), status: status, bodyBytes: frames[2])
    }
}
