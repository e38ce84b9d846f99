/// The MemQ wire protocol, version 1: constants for the frame layout.
///
/// A request, after the ROUTER routing envelope, is four frames:
///
///     ["MEMQ/1", command, request-id, json-body]
///
/// and a reply is
///
///     ["MEMQ/1", status, request-id, json-body]
///
/// where `status` is an HTTP-like code in ASCII ("200"). docs/protocol.md has the full contract.
package enum WireProtocol {
    /// The version frame that starts every request and reply.
    package static let version = "MEMQ/1"
    /// The number of frames of a request or reply after the routing envelope.
    package static let frameCount = 4
    /// The longest request id, in UTF-8 bytes.
    package static let maxRequestIDBytes = 128
    /// The names of the four frames, for error messages.
    package static let frameNames = ["version", "command", "request-id", "body"]
}
