import Foundation
import MemQCore

/// One request of protocol MEMQ/1: `["MEMQ/1", command, request-id, json-body]`.
package struct WireRequest: Sendable, Hashable {
    /// The command, one of ``WireCommand``.
    package var command: WireCommand
    /// The client's id for the request, echoed in the reply (at most 128 UTF-8 bytes; may be empty).
    package var requestID: String
    /// The JSON body, always an object.
    package var body: JSONValue

    /// A request for `command` with `body` (an object; `{}` when the command takes no options).
    package init(command: WireCommand, requestID: String, body: JSONValue = .object([:])) {
        self.command = command
        self.requestID = requestID
        self.body = body
    }

    /// The four frames to send (a REQ socket adds its own empty delimiter in front).
    package var frames: [[UInt8]] {
        [Array(WireProtocol.version.utf8), Array(command.rawValue.utf8), Array(requestID.utf8),
         Array(body.serialized())]
    }

    /// A failed decode: the error to send back and the request id to echo (as far as it was read).
    package struct DecodeFailure: Error, Sendable, Hashable {
        /// The request-id frame's bytes, or empty if the message had no such frame.
        package var requestID: [UInt8]
        /// The reply to send.
        package var error: WireError
    }

    /// Decodes the frames after the routing envelope, checking them in order: frame count, version,
    /// command, request id, body size, JSON, object shape.
    ///
    /// - Parameter maxBodyBytes: The largest body accepted; a larger one fails with 413.
    /// - Throws: ``DecodeFailure`` with a 400, 404 or 413 ``WireError`` naming the frame at fault.
    package static func decode(_ payload: ArraySlice<[UInt8]>, maxBodyBytes: Int) throws(DecodeFailure) -> WireRequest {
        let frames = Array(payload)
        let echoedID = frames.count >= 3 ? Array(frames[2].prefix(WireProtocol.maxRequestIDBytes)) : []
        func fail(_ status: WireStatus, _ code: String, _ message: String, _ field: String) -> DecodeFailure {
            DecodeFailure(requestID: echoedID, error: WireError(status: status, code: code, message: message, field: field))
        }
        guard frames.count == WireProtocol.frameCount else {
            throw fail(.badRequest, "bad_frames",
                       "expected 4 frames [\"MEMQ/1\", command, request-id, json-body] after the routing envelope, got \(frames.count)",
                       "frames")
        }
        guard frames[0] == Array(WireProtocol.version.utf8) else {
            let shown = String(decoding: frames[0].prefix(32), as: UTF8.self)
            throw fail(.badRequest, "bad_version",
                       "frame 1 (version) is \"\(shown)\"; this daemon speaks \"\(WireProtocol.version)\"",
                       "frame 1 (version)")
        }
        guard frames[2].count <= WireProtocol.maxRequestIDBytes,
              let requestID = String(validating: frames[2], as: UTF8.self) else {
            throw fail(.badRequest, "bad_request_id",
                       "frame 3 (request-id) must be UTF-8 text of at most \(WireProtocol.maxRequestIDBytes) bytes, got \(frames[2].count) bytes",
                       "frame 3 (request-id)")
        }
        let commandName = String(decoding: frames[1].prefix(64), as: UTF8.self)
        guard let command = WireCommand(rawValue: commandName), frames[1].count <= 64 else {
            throw DecodeFailure(requestID: echoedID, error: .unknownCommand(commandName))
        }
        guard frames[3].count <= maxBodyBytes else {
            throw fail(.tooLarge, "body_too_large",
                       "frame 4 (body) is \(frames[3].count) bytes; this daemon accepts at most \(maxBodyBytes)",
                       "body")
        }
        let body: JSONValue
        do {
            body = frames[3].isEmpty ? .object([:]) : try JSONValue.parse(bytes: frames[3])
        } catch {
            let reason = if case .invalidJSON(let m) = error { m } else { "\(error)" }
            throw fail(.badRequest, "malformed_json", "frame 4 (body) is not JSON: \(reason)", "body")
        }
        guard case .object = body else {
            throw fail(.badRequest, "wrong_shape",
                       "frame 4 (body) is \(body.typeName); expected a JSON object such as {\"model\": \"resnet50\", \"batch\": 32}",
                       "body")
        }
        return WireRequest(command: command, requestID: requestID, body: body)
    }
}
