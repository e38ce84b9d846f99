import Foundation
import MemQCore
import MemQServer
import MemQTransport
import MemQWire
import Testing

/// Nothing a client sends crashes or stalls the daemon: each bad input gets its error reply, and
/// the next good request on the same connection still succeeds.
@Suite("Bad input")
struct BadInputTests {
    @Test("Each malformed request gets its error, then a good request succeeds",
          arguments: [
            (["MEMQ/1", "estimate"], 400, "bad_frames"),
            (["MEMQ/1", "estimate", "r", "{}", "extra", "frames"], 400, "bad_frames"),
            (["HTTP/1.1", "estimate", "r", "{}"], 400, "bad_version"),
            (["MEMQ/1", "estimate", "r", "{\"model\": "], 400, "malformed_json"),
            (["MEMQ/1", "estimate", "r", "[\"resnet50\"]"], 400, "wrong_shape"),
            (["MEMQ/1", "estimate", "r", "42"], 400, "wrong_shape"),
            (["MEMQ/1", "rm -rf", "r", "{}"], 404, "unknown_command"),
            (["MEMQ/1", "estimate", "r", "{\"pad\": \"" + String(repeating: "x", count: 5000) + "\"}"], 413, "body_too_large"),
          ])
    func malformedThenGood(frames: [String], status: Int, code: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        defer { client.close() }
        let reply = try #require(try client.exchange(frames))
        #expect(reply.status.rawValue == status)
        #expect(reply.error?.code == code)
        #expect(reply.error?.message.isEmpty == false)
        let good = try #require(try client.exchange(["MEMQ/1", "estimate", "after", "{\"model\": \"resnet50\"}"]))
        #expect(good.status == .ok)
        #expect(good.requestIDText == "after")
    }

    @Test("A message above ZMQ_MAXMSGSIZE is dropped by libzmq; the daemon serves the next client")
    func hugeMessage() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(server.endpoint, timeoutMs: 500)
        defer { client.close() }
        let huge = [UInt8](repeating: 0x20, count: 4096 + ServerConfig.maxMessageSlackBytes + 10)
        #expect(try client.exchange(bytes: [Array("MEMQ/1".utf8), Array("estimate".utf8), Array("huge".utf8), huge]) == nil)
        #expect(try server.request(.health).status == .ok)
    }

    @Test("Empty frames and binary garbage get 400")
    func garbage() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        defer { client.close() }
        let reply = try #require(try client.exchange(bytes: [[0x00, 0xff, 0x13]]))
        #expect(reply.status == .badRequest)
        let empty = try #require(try client.exchange(bytes: [[], [], [], []]))
        #expect(empty.status == .badRequest)
        #expect(try client.exchange(["MEMQ/1", "health", "ok", "{}"])?.status == .ok)
    }

    @Test("A flood beyond the queue gets 429 for the excess, every request an answer, and the daemon stays up")
    func flood() throws {
        let server = try TestServer {
            $0.fastWorkers = 1
            $0.fastQueue = 4
        }
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        defer { client.close() }
        let total = 200
        for index in 0..<total {
            _ = try client.socket.send(WireRequest(command: .estimate, requestID: "f\(index)", body: ["sleep_ms": 2]).frames)
        }
        var counts: [Int: Int] = [:]
        for _ in 0..<total {
            guard let reply = try client.receive() else { break }
            counts[reply.status.rawValue, default: 0] += 1
        }
        #expect(counts.values.reduce(0, +) == total)
        #expect(counts[429, default: 0] > 0)
        #expect(counts[200, default: 0] > 0)
        #expect(try client.exchange(["MEMQ/1", "estimate", "after-flood", "{}"])?.status == .ok)
        #expect(server.server.stats.count(command: "estimate", status: .tooManyRequests) == counts[429, default: 0])
    }

    @Test("A client that leaves before its reply: the reply is counted as dropped, the daemon keeps serving")
    func clientLeavesMidRequest() throws {
        let server = try TestServer()
        defer { server.stop() }
        let leaver = try RawClient(server.endpoint)
        _ = try leaver.socket.send(WireRequest(command: .estimate, requestID: "gone", body: ["sleep_ms": 300]).frames)
        Thread.sleep(forTimeInterval: 0.05)
        leaver.close()
        #expect(TestServer.eventually { server.server.stats.droppedReplies == 1 })
        #expect(try server.request(.health).status == .ok)
        #expect(try server.request(.stats).body["dropped_replies"] == .int(1))
    }

    @Test("A client that leaves mid-validation: the job finishes and another client reads it")
    func clientLeavesMidValidation() throws {
        let server = try TestServer()
        defer { server.stop() }
        let leaver = try RawClient(server.endpoint)
        let accepted = try #require(try leaver.exchange(["MEMQ/1", "validate", "v", "{\"duration_ms\": 200}"]))
        leaver.close()
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        #expect(try server.request(.estimate, ["model": "resnet50"]).status == .ok)
        #expect(try server.waitForJob(id).body["state"] == "done")
    }
}
