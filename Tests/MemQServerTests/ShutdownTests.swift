import Foundation
import MemQCore
import MemQServer
import MemQWire
import Testing

/// Draining: new work gets 503, in-flight work finishes within the grace period or is cancelled.
@Suite("Shutdown")
struct ShutdownTests {
    @Test("While draining, work gets 503 and health says draining; a running job is cancelled at the deadline")
    func drainCancelsAtDeadline() throws {
        let server = try TestServer()
        defer { server.stop() }
        let accepted = try server.request(.validate, ["duration_ms": 10_000])
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        _ = TestServer.eventually { server.server.jobs.record(id)?.state == .running }
        let done = Locked(false)
        let stopper = Thread {
            server.stop(graceSeconds: 0.5)
            done.update { $0 = true }
        }
        stopper.start()
        #expect(TestServer.eventually { server.server.isDraining })
        let refused = try server.request(.estimate, ["model": "resnet50"])
        #expect(refused.status == .unavailable)
        #expect(refused.error?.code == "shutting_down")
        #expect(try server.request(.validate, [:]).status == .unavailable)
        #expect(try server.request(.health).body["status"] == "draining")
        #expect(TestServer.eventually(seconds: 4) { done.value })
        #expect(server.server.jobs.record(id)?.state == .cancelled)
    }

    @Test("In-flight fast work finishes within the grace period and is answered")
    func drainFinishesInFlight() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(server.endpoint)
        defer { client.close() }
        _ = try client.socket.send(WireRequest(command: .estimate, requestID: "slow", body: ["sleep_ms": 300]).frames)
        Thread.sleep(forTimeInterval: 0.05)
        let stopper = Thread { server.stop(graceSeconds: 3) }
        stopper.start()
        let reply = try #require(try client.receive())
        #expect(reply.status == .ok)
        #expect(reply.requestIDText == "slow")
    }
}
