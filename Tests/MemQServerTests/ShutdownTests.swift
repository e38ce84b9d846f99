import Foundation
import Glibc
import MemQClient
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

    @Test("memqd started like a shell starts it: SIGTERM/SIGINT under load answers every accepted request, refuses new work, exits 0",
          arguments: ["SIGTERM", "SIGINT"])
    func signalDrainsTheDaemon(signalName: String) throws {
        let signal = signalName == "SIGINT" ? SIGINT : SIGTERM
        let daemon = try DaemonProcess(["--test-handler", "echo", "--endpoint", "tcp://127.0.0.1:*",
                                        "--fast-workers", "2", "--grace-seconds", "20"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let control = try MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: 3, tries: 1))

        // Ten requests of 300 ms for two workers, all accepted and none answered when the signal comes.
        let load = try RawClient(endpoint, timeoutMs: 10_000)
        defer { load.close() }
        let sent = Set((0..<10).map { "load-\($0)" })
        for id in sent.sorted() {
            _ = try load.socket.send(WireRequest(command: .estimate, requestID: id, body: ["sleep_ms": 300]).frames)
        }
        try #require(TestServer.eventually(seconds: 5) { (try? control.request(.stats).body["in_flight"]) == .int(sent.count) },
                     "memqd did not accept the ten requests; stderr: \(daemon.standardError.suffix(1500))")

        daemon.send(signal)
        try #require(TestServer.eventually(seconds: 5) { (try? control.request(.health).body["status"]) == "draining" },
                     "memqd is not draining after \(signalName); exit status \(String(describing: daemon.waitForExit(seconds: 0)))")
        let refused = try? control.request(.estimate, body: ["model": "resnet50"])
        #expect(refused?.status == .unavailable)
        #expect(refused?.error?.code == "shutting_down")

        var answered: [String: WireStatus] = [:]
        while answered.count < sent.count, let reply = try load.receive() {
            answered[reply.requestIDText] = reply.status
        }
        #expect(Set(answered.keys) == sent, "unanswered: \(sent.subtracting(answered.keys).sorted())")
        #expect(answered.values.allSatisfy { $0 == .ok }, "\(answered)")
        let status = daemon.waitForExit(seconds: 20)
        #expect(status == 0, "memqd exit status \(String(describing: status)) after \(signalName); stderr: \(daemon.standardError.suffix(1500))")
        #expect(daemon.standardError.contains("\(signalName): draining"))
        #expect(daemon.standardError.contains("memqd stopped"))
    }
}
