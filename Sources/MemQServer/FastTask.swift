import MemQCore
import MemQWire

/// A fast command handed from the frontend to a worker.
package struct FastTask: Sendable {
    /// The frontend's number for the request; the reply carries it back.
    package let ticket: UInt64
    /// The command.
    package let command: WireCommand
    /// The client's request id, for logs.
    package let requestID: String
    /// The request body.
    package let body: JSONValue
}
