import Foundation
import MemQCore
import MemQWire
import Testing

/// Decoding requests: every malformed frame layout gets the status and field the protocol promises.
@Suite("Wire requests")
struct WireRequestTests {
    /// The UTF-8 bytes of `text`.
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Decodes `frames` with a 1 KiB body limit.
    private func decode(_ frames: [[UInt8]]) -> Result<WireRequest, WireRequest.DecodeFailure> {
        do {
            return .success(try WireRequest.decode(frames[...], maxBodyBytes: 1024))
        } catch {
            return .failure(error)
        }
    }

    @Test("A well-formed request decodes, and encodes back to the same frames")
    func roundTrip() throws {
        let frames = [bytes("MEMQ/1"), bytes("estimate"), bytes("r-1"), bytes(#"{"batch":32,"model":"resnet50"}"#)]
        let request = try decode(frames).get()
        #expect(request.command == .estimate)
        #expect(request.requestID == "r-1")
        #expect(request.body["model"] == .string("resnet50"))
        #expect(request.body["batch"] == .int(32))
        #expect(request.frames == frames)
    }

    @Test("An empty body means {}")
    func emptyBody() throws {
        let request = try decode([bytes("MEMQ/1"), bytes("health"), bytes("h"), []]).get()
        #expect(request.body == .object([:]))
    }

    @Test("Malformed requests get the documented status, code and field",
          arguments: [
            (["MEMQ/1", "estimate", "r"], 400, "bad_frames", "frames"),
            (["MEMQ/1", "estimate", "r", "{}", "extra"], 400, "bad_frames", "frames"),
            (["MEMQ/2", "estimate", "r", "{}"], 400, "bad_version", "frame 1 (version)"),
            (["MEMQ/1", "teleport", "r", "{}"], 404, "unknown_command", "command"),
            (["MEMQ/1", "estimate", "r", "{not json"], 400, "malformed_json", "body"),
            (["MEMQ/1", "estimate", "r", "[1, 2]"], 400, "wrong_shape", "body"),
            (["MEMQ/1", "estimate", "r", "\"resnet50\""], 400, "wrong_shape", "body"),
            (["MEMQ/1", "estimate", String(repeating: "x", count: 129), "{}"], 400, "bad_request_id", "frame 3 (request-id)"),
          ])
    func malformed(frames: [String], status: Int, code: String, field: String) {
        guard case .failure(let failure) = decode(frames.map(bytes)) else {
            Issue.record("decoded \(frames) without an error")
            return
        }
        #expect(failure.error.status.rawValue == status)
        #expect(failure.error.code == code)
        #expect(failure.error.field == field)
        if frames.count >= 3, frames[2].utf8.count <= 128 { #expect(failure.requestID == bytes(frames[2])) }
    }

    @Test("A body over the limit gets 413 naming the limit")
    func tooLarge() {
        let body = "{\"pad\": \"" + String(repeating: "a", count: 2000) + "\"}"
        guard case .failure(let failure) = decode([bytes("MEMQ/1"), bytes("estimate"), bytes("big"), bytes(body)]) else {
            Issue.record("accepted a 2 KB body with a 1 KiB limit")
            return
        }
        #expect(failure.error.status == .tooLarge)
        #expect(failure.error.message.contains("at most 1024"))
    }

    @Test("Invalid UTF-8 in the request id is refused")
    func badRequestID() {
        guard case .failure(let failure) = decode([bytes("MEMQ/1"), bytes("health"), [0xff, 0xfe], bytes("{}")]) else {
            Issue.record("accepted a request id that is not UTF-8")
            return
        }
        #expect(failure.error.code == "bad_request_id")
    }
}
