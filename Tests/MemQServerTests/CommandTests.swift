import Foundation
import MemQClient
import MemQCore
import MemQServer
import MemQTransport
import MemQWire
import Testing

/// Every command of MEMQ/1 with its status codes, against the diagnostic handler.
@Suite("Commands")
struct CommandTests {
    @Test("Fast commands reach the handler and answer 200 with its body",
          arguments: [WireCommand.estimate, .sweep, .fit, .summary, .models])
    func fastCommands(command: WireCommand) throws {
        let server = try TestServer()
        defer { server.stop() }
        let body: JSONValue = ["model": "resnet50", "batch": 32, "dtype": "fp32", "optimizer": "adam", "runtime": "pytorch"]
        let reply = try server.request(command, body)
        #expect(reply.status == .ok)
        #expect(reply.body["command"] == .string(command.rawValue))
        #expect(reply.body["echo"] == body)
    }

    @Test("A handler's 400 and 404 come back with code, message and field")
    func handlerErrors() throws {
        let server = try TestServer()
        defer { server.stop() }
        let bad = try server.request(.estimate, ["fail": ["status": 400, "code": "invalid_field", "message": "batch must be >= 1", "field": "batch"]])
        #expect(bad.status == .badRequest)
        #expect(bad.error?.code == "invalid_field")
        #expect(bad.error?.field == "batch")
        let unknown = try server.request(.estimate, ["fail": ["status": 404, "code": "unknown_model", "message": "no model resnet5", "field": "model"]])
        #expect(unknown.status == .notFound)
        #expect(unknown.error?.code == "unknown_model")
        #expect(try server.request(.health).status == .ok)
    }

    @Test("A build without the service layer answers 501, never invented figures")
    func unavailable() throws {
        let server = try TestServer(handler: UnavailableHandler())
        defer { server.stop() }
        let reply = try server.request(.estimate, ["model": "resnet50"])
        #expect(reply.status == .notImplemented)
        #expect(reply.error?.message.contains("not available in this build") == true)
        #expect(reply.body["echo"] == nil)
    }

    @Test("validate answers 202 with a job id; job shows progress, then the result")
    func validateLifecycle() throws {
        let server = try TestServer()
        defer { server.stop() }
        let accepted = try server.request(.validate, ["model": "resnet18", "duration_ms": 600])
        #expect(accepted.status == .accepted)
        guard case .string(let id)? = accepted.body["job"] else {
            Issue.record("no job id in \(accepted.body)")
            return
        }
        let sawRunning = try TestServer.eventually {
            let reply = try server.request(.job, ["job": .string(id)])
            guard reply.body["state"] == "running", case .double(let progress)? = reply.body["progress"],
                  case .string(let phase)? = reply.body["phase"] else { return false }
            return progress > 0 && progress < 1 && !phase.isEmpty
        }
        #expect(sawRunning)
        let done = try server.waitForJob(id)
        #expect(done.status == .ok)
        #expect(done.body["state"] == "done")
        #expect(done.body["result"]?["validated"] == .bool(true))
        #expect(done.body["progress"] == .double(1) || done.body["progress"] == .int(1))
    }

    @Test("A validation the handler refuses fails with the handler's status")
    func validateFails() throws {
        let server = try TestServer()
        defer { server.stop() }
        let accepted = try server.request(.validate, ["fail": ["status": 400, "message": "estimate 20 GB exceeds validation-max-estimated-bytes", "field": "batch"]])
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        let failed = try server.waitForJob(id)
        #expect(failed.status == .badRequest)
        #expect(failed.body["state"] == "failed")
        #expect(failed.body["error"]?["field"] == "batch")
    }

    @Test("A validation that overruns validation-max-seconds fails with 408")
    func validateTimeout() throws {
        let server = try TestServer { $0.validationMaxSeconds = 0.2 }
        defer { server.stop() }
        let accepted = try server.request(.validate, ["duration_ms": 3000])
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        let failed = try server.waitForJob(id)
        #expect(failed.status == .timeout)
        #expect(failed.body["state"] == "failed")
        #expect(failed.body["error"]?["code"] == "timeout")
        // The worker was freed by the cancellation: the next job runs.
        let next = try server.request(.validate, ["duration_ms": 20])
        guard case .string(let nextID)? = next.body["job"] else { Issue.record("no job id"); return }
        #expect(try server.waitForJob(nextID).body["state"] == "done")
    }

    @Test("cancel stops a running job; job and cancel of unknown ids answer 404, without an id 400")
    func cancelAndUnknown() throws {
        let server = try TestServer()
        defer { server.stop() }
        let accepted = try server.request(.validate, ["duration_ms": 5000])
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        _ = try TestServer.eventually { try server.request(.job, ["job": .string(id)]).body["state"] == "running" }
        let cancelled = try server.request(.cancel, ["job": .string(id)])
        #expect(cancelled.status == .ok)
        #expect(cancelled.body["state"] == "cancelled")
        #expect(try server.request(.job, ["job": .string(id)]).body["state"] == "cancelled")
        // The slow worker is free again.
        let next = try server.request(.validate, ["duration_ms": 20])
        guard case .string(let nextID)? = next.body["job"] else { Issue.record("no job id"); return }
        #expect(try server.waitForJob(nextID).body["state"] == "done")

        #expect(try server.request(.job, ["job": "v999-nope"]).status == .notFound)
        #expect(try server.request(.cancel, ["job": "v999-nope"]).status == .notFound)
        let missing = try server.request(.job, [:])
        #expect(missing.status == .badRequest)
        #expect(missing.error?.field == "job")
    }

    @Test("health and stats: counts by command and status, latency percentiles, queues")
    func healthAndStats() throws {
        let server = try TestServer()
        defer { server.stop() }
        let health = try server.request(.health)
        #expect(health.status == .ok)
        #expect(health.body["status"] == "ok")
        for _ in 0..<3 { _ = try server.request(.estimate, ["model": "resnet50"]) }
        _ = try server.request(.estimate, ["fail": ["status": 400]])
        let stats = try server.request(.stats)
        #expect(stats.status == .ok)
        #expect(stats.body["requests"]?["estimate"]?["200"] == .int(3))
        #expect(stats.body["requests"]?["estimate"]?["400"] == .int(1))
        #expect(stats.body["requests"]?["health"]?["200"] == .int(1))
        let latency = stats.body["latency_ms"]?["estimate"]
        for key in ["p50", "p90", "p99"] {
            guard case .double(let value)? = latency?[key] else { Issue.record("no \(key) in \(String(describing: latency))"); continue }
            #expect(value > 0)
        }
        #expect(stats.body["queues"]?["fast"]?["limit"] == .int(64))
        #expect(stats.body["queues"]?["slow"]?["depth"] == .int(0))
        #expect(stats.body["dropped_replies"] == .int(0))
        if case .double(let uptime)? = stats.body["uptime_s"] { #expect(uptime > 0) } else { Issue.record("no uptime_s") }
        // One request at a time with the pool idle: the quick ones (all four) were answered on the frontend thread.
        #expect(stats.body["queues"]?["fast"]?["inline"] == .bool(true))
        #expect(stats.body["queues"]?["fast"]?["answered_inline"] == .int(4))
    }

    @Test("Inline answers: slow requests and inline-fast false go through the pool, with the same replies")
    func inlineAndPool() throws {
        for inline in [true, false] {
            let server = try TestServer { $0.inlineFast = inline }
            defer { server.stop() }
            let quick = try server.request(.estimate, ["model": "resnet50"])
            #expect(quick.status == .ok)
            #expect(quick.body["echo"]?["model"] == "resnet50")
            // Asked to sleep: not quick, so a worker runs it even with inline answers on.
            let slow = try server.request(.summary, ["model": "lenet5", "sleep_ms": 5])
            #expect(slow.status == .ok)
            #expect(slow.body["command"] == "summary")
            let failed = try server.request(.estimate, ["fail": ["status": 404, "code": "unknown_model", "message": "no such"]])
            #expect(failed.status == .notFound)
            let stats = try server.request(.stats)
            #expect(stats.body["queues"]?["fast"]?["answered_inline"] == .int(inline ? 2 : 0), "inline-fast \(inline)")
        }
    }

    @Test("A REQ client's delimiter is handled and echoed; a DEALER may pipeline")
    func reqAndPipelining() throws {
        let server = try TestServer()
        defer { server.stop() }
        let req = try RawClient(server.endpoint, type: .req)
        defer { req.close() }
        let reply = try #require(try req.exchange(["MEMQ/1", "health", "via-req", "{}"]))
        #expect(reply.status == .ok)
        #expect(reply.requestIDText == "via-req")

        let dealer = try RawClient(server.endpoint)
        defer { dealer.close() }
        for index in 0..<20 {
            _ = try dealer.socket.send(WireRequest(command: .estimate, requestID: "p\(index)", body: ["n": .int(index)]).frames)
        }
        var seen = Set<String>()
        for _ in 0..<20 {
            let reply = try #require(try dealer.receive())
            #expect(reply.status == .ok)
            #expect(reply.body["echo"]?["n"] == .int(Int(reply.requestIDText.dropFirst()) ?? -1))
            seen.insert(reply.requestIDText)
        }
        #expect(seen.count == 20)
    }

    @Test("A second endpoint (ipc) serves too")
    func ipcEndpoint() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("memqd-test-\(UUID().uuidString.prefix(8)).sock").path
        let server = try TestServer { $0.endpoints.append("ipc://\(path)") }
        defer { server.stop() }
        #expect(server.server.endpoints.count == 2)
        let client = try MemQClient(ClientConfiguration(endpoint: server.server.endpoints[1], timeoutSeconds: 3, tries: 1))
        #expect(try client.request(.health).status == .ok)
    }
}
