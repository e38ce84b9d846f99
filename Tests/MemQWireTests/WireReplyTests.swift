import Foundation
import MemQCore
import MemQWire
import Testing

/// Replies and error bodies.
@Suite("Wire replies")
struct WireReplyTests {
    @Test("An error reply carries {\"error\": {code, message, field}} and decodes back to the same error")
    func errorRoundTrip() throws {
        let error = WireError.invalidField("batch", "batch must be an integer >= 1, got -3")
        let reply = WireReply(error: error, requestID: Array("r9".utf8))
        #expect(reply.frames[1] == Array("400".utf8))
        let decoded = try WireReply.decode(reply.frames)
        #expect(decoded.status == .badRequest)
        #expect(decoded.requestIDText == "r9")
        #expect(decoded.error == error)
        #expect(decoded.body["error"]?["field"] == .string("batch"))
    }

    @Test("A reply that is not MEMQ/1 is refused naming the frame",
          arguments: [
            (["MEMQ/1", "200", "r"], "4 frames"),
            (["MEMQ/0", "200", "r", "{}"], "frame 1 (version)"),
            (["MEMQ/1", "OK", "r", "{}"], "frame 2 (status)"),
            (["MEMQ/1", "200", "r", "{"], "frame 4 (body)"),
          ])
    func badReplies(frames: [String], mention: String) {
        do {
            _ = try WireReply.decode(frames.map { Array($0.utf8) })
            Issue.record("decoded \(frames)")
        } catch {
            #expect(error.code == "bad_reply")
            #expect(error.message.contains(mention))
        }
    }

    @Test("Status frames are three ASCII digits")
    func statusFrames() {
        #expect(WireStatus(frame: Array("429".utf8)) == .tooManyRequests)
        #expect(WireStatus(frame: Array("42".utf8)) == nil)
        #expect(WireStatus(frame: Array("4x9".utf8)) == nil)
        #expect(WireStatus.unavailable.description == "503 Service Unavailable")
    }

    @Test("The envelope keeps a REQ peer's delimiter and nothing else")
    func envelope() throws {
        let fromREQ = try #require(WireEnvelope.split([[1, 2], [], Array("MEMQ/1".utf8)]))
        #expect(fromREQ.envelope.frames == [[1, 2], []])
        #expect(Array(fromREQ.payload) == [Array("MEMQ/1".utf8)])
        let fromDEALER = try #require(WireEnvelope.split([[1, 2], Array("MEMQ/1".utf8)]))
        #expect(fromDEALER.envelope.frames == [[1, 2]])
        #expect(WireEnvelope.split([]) == nil)
    }

    @Test("Every command has its lane: work in pools, bookkeeping on the frontend")
    func lanes() {
        #expect(WireCommand.estimate.lane == .fast)
        #expect(WireCommand.models.lane == .fast)
        #expect(WireCommand.validate.lane == .slow)
        #expect(WireCommand.stats.lane == .frontend)
        #expect(!WireCommand.health.takesWork)
    }
}
