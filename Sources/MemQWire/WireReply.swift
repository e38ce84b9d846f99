import Foundation
import MemQCore

/// One reply of protocol MEMQ/1: `["MEMQ/1", status, request-id, json-body]`.
package struct WireReply: Sendable, Hashable {
    /// The status code.
    package var status: WireStatus
    /// The request id of the request answered, as its bytes (so a malformed one is echoed exactly).
    package var requestID: [UInt8]
    /// The JSON body: the result, or `{"error": {...}}`.
    package var body: JSONValue

    /// A reply with `status` and `body` to the request with `requestID`.
    package init(status: WireStatus, requestID: [UInt8], body: JSONValue) {
        self.status = status
        self.requestID = requestID
        self.body = body
    }

    /// A reply with `status` and `body` to the request with `requestID`.
    package init(status: WireStatus, requestID: String, body: JSONValue) {
        self.init(status: status, requestID: Array(requestID.utf8), body: body)
    }

    /// The error reply for `error`.
    package init(error: WireError, requestID: [UInt8]) {
        self.init(status: error.status, requestID: requestID, body: error.body)
    }

    /// The request id as text.
    package var requestIDText: String { String(decoding: requestID, as: UTF8.self) }

    /// The error the body describes, for a non-2xx reply.
    package var error: WireError? {
        status.isSuccess ? nil : WireError(status: status, body: body)
    }

    /// The four frames to send after the routing envelope.
    package var frames: [[UInt8]] {
        [Array(WireProtocol.version.utf8), status.frame, requestID, body.bytes()]
    }

    /// Decodes the four frames of a reply (a REQ socket has already removed its delimiter).
    ///
    /// - Throws: ``WireError`` (status 500, code "bad_reply") naming the frame that is not as
    ///   protocol MEMQ/1 says.
    package static func decode(_ frames: [[UInt8]]) throws(WireError) -> WireReply {
        func bad(_ message: String) -> WireError {
            WireError(status: .internalError, code: "bad_reply", message: message)
        }
        guard frames.count == WireProtocol.frameCount else {
            throw bad("a reply has 4 frames [\"MEMQ/1\", status, request-id, json-body]; got \(frames.count)")
        }
        guard frames[0] == Array(WireProtocol.version.utf8) else {
            throw bad("reply frame 1 (version) is \"\(String(decoding: frames[0].prefix(32), as: UTF8.self))\", expected \"\(WireProtocol.version)\"")
        }
        guard let status = WireStatus(frame: frames[1]) else {
            throw bad("reply frame 2 (status) is \"\(String(decoding: frames[1].prefix(32), as: UTF8.self))\", expected three digits such as 200")
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(Data(frames[3]))
        } catch {
            throw bad("reply frame 4 (body) is not JSON: \(error)")
        }
        return WireReply(status: status, requestID: frames[2], body: body)
    }
}
