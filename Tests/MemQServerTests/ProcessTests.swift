import Foundation
import MemQClient
import MemQCore
import MemQWire
import Testing

/// memqd as a process: signals, broker and workers, the Python client.
@Suite("memqd processes", .serialized)
struct ProcessTests {
    /// A client of `endpoint` with one try of `timeout` seconds.
    private func client(_ endpoint: String, timeout: Double = 5) throws -> MemQClient {
        try MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: timeout, tries: 1))
    }

    @Test("SIGTERM during a validation job: the job is cancelled within the grace period and memqd exits 0")
    func sigtermDuringValidation() throws {
        let daemon = try DaemonProcess(["--test-handler", "echo", "--endpoint", "tcp://127.0.0.1:*", "--grace-seconds", "0.5"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let client = try client(endpoint)
        let accepted = try client.request(.validate, body: ["duration_ms": 20_000])
        #expect(accepted.status == .accepted)
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id"); return }
        #expect(TestServer.eventually { (try? client.request(.job, body: ["job": .string(id)]).body["state"]) == "running" })
        daemon.send(SIGTERM)
        let status = daemon.waitForExit(seconds: 5)
        #expect(status == 0, "memqd exit status \(String(describing: status)); stderr: \(daemon.standardError.suffix(1500))")
        #expect(daemon.standardError.contains("SIGTERM"))
    }

    @Test("Broker with two workers: a worker killed mid-job, the job is still answered by the other; SIGTERM ends worker and broker with 0")
    func brokerSurvivesWorkerDeath() throws {
        let heartbeat = ["--heartbeat-ms", "100", "--heartbeat-liveness", "3"]
        let broker = try DaemonProcess(["--broker", "--endpoint", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"] + heartbeat)
        defer { broker.stop() }
        let endpoint = try broker.line(after: "listening")
        let backend = try broker.line(after: "backend")
        let client = try client(endpoint, timeout: 10)
        func connectedWorkers() -> JSONValue? { try? client.request(.stats).body["workers"]?["connected"] }

        let first = try DaemonProcess(["--worker", "--connect", backend, "--test-handler", "echo"] + heartbeat)
        defer { first.stop() }
        #expect(TestServer.eventually(seconds: 5) { connectedWorkers() == .int(1) })

        // The only worker takes the job; then a second joins, and the first dies mid-job.
        let result = Locked<WireReply?>(nil)
        let requester = Thread {
            let reply = try? MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: 10, tries: 1))
                .request(.estimate, body: ["model": "resnet50", "sleep_ms": 800])
            result.update { $0 = reply }
        }
        requester.start()
        #expect(TestServer.eventually { (try? client.request(.stats).body["workers"]?["busy"]) == .int(1) })
        let second = try DaemonProcess(["--worker", "--connect", backend, "--test-handler", "echo"] + heartbeat)
        defer { second.stop() }
        #expect(TestServer.eventually(seconds: 5) { connectedWorkers() == .int(2) })
        first.stop()

        #expect(TestServer.eventually(seconds: 8) { result.value != nil })
        let reply = try #require(result.value)
        #expect(reply.status == .ok)
        #expect(reply.body["echo"]?["model"] == "resnet50")
        let stats = try client.request(.stats)
        #expect(stats.body["workers"]?["requeued"] == .int(1))
        #expect(stats.body["workers"]?["connected"] == .int(1))
        second.send(SIGTERM)
        #expect(second.waitForExit(seconds: 5) == 0, "worker stderr: \(second.standardError.suffix(1500))")
        #expect(second.standardError.contains("SIGTERM: leaving the broker"))
        broker.send(SIGTERM)
        #expect(broker.waitForExit(seconds: 5) == 0, "broker stderr: \(broker.standardError.suffix(1500))")
        #expect(broker.standardError.contains("SIGTERM: draining"))
    }

    @Test("Broker: a validation cancelled while a worker runs it is stopped with DISCONNECT (MDP has no cancel); the worker registers again and serves")
    func brokerCancelsByDisconnect() throws {
        let heartbeat = ["--heartbeat-ms", "100", "--heartbeat-liveness", "10"]
        let broker = try DaemonProcess(["--broker", "--endpoint", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"] + heartbeat)
        defer { broker.stop() }
        let endpoint = try broker.line(after: "listening")
        let backend = try broker.line(after: "backend")
        let client = try client(endpoint, timeout: 10)
        let worker = try DaemonProcess(["--worker", "--connect", backend, "--test-handler", "echo"] + heartbeat)
        defer { worker.stop() }
        #expect(TestServer.eventually(seconds: 5) { (try? client.request(.stats).body["workers"]?["connected"]) == .int(1) })
        let accepted = try client.request(.validate, body: ["duration_ms": 20_000])
        guard case .string(let id)? = accepted.body["job"] else { Issue.record("no job id: \(accepted.body)"); return }
        #expect(TestServer.eventually(seconds: 5) { (try? client.request(.job, body: ["job": .string(id)]).body["state"]) == "running" })
        let cancelled = try client.request(.cancel, body: ["job": .string(id)])
        #expect(cancelled.body["state"] == "cancelled")
        #expect(TestServer.eventually(seconds: 5) { worker.standardError.contains("the broker said DISCONNECT") })
        #expect(TestServer.eventually(seconds: 5) {
            guard let w = try? client.request(.stats).body["workers"] else { return false }
            return w["connected"] == .int(1) && w["busy"] == .int(0)
        })
        let next = try client.request(.estimate, body: ["model": "lenet5"])
        #expect(next.status == .ok)
        #expect(next.body["echo"]?["model"] == "lenet5")
    }

    @Test("request-timeout-seconds: a sweep past the limit is answered 408 and the worker serves the next request")
    func requestTimeout() throws {
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--fast-workers", "1", "--inline-fast", "false",
                                        "--request-timeout-seconds", "0.05"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let client = try client(endpoint, timeout: 60)
        // 16 batches x 3 dtypes x 4 optimizers of ResNet-152: 192 step simulations, seconds of work in a debug build.
        let sweep = try client.request(.sweep, body: ["model": "resnet152", "batch": ["1..32768"],
                                                      "dtype": ["fp32", "bf16", "fp16"],
                                                      "optimizer": ["sgd", "adam", "adamw", "rmsprop"]])
        #expect(sweep.status == .timeout, "body: \(sweep.body)")
        #expect(sweep.body["error"]?["code"] == "timeout")
        if case .string(let message)? = sweep.body["error"]?["message"] { #expect(message.contains("request-timeout-seconds")) }
        let small = try client.request(.summary, body: ["model": "lenet5"])
        #expect(small.status == .ok)
    }

    @Test("scripts/memq_client.py talks to a running daemon; its exit code follows the status",
          .enabled(if: ProcessTests.hasPyzmq, "pyzmq is not installed (python3 -c 'import zmq' failed); run scripts/setup.sh"))
    func pythonClient() throws {
        let server = try TestServer()
        defer { server.stop() }
        let script = ConfigTests.root.appendingPathComponent("scripts/memq_client.py").path
        let ok = try Self.python([script, "--endpoint", server.endpoint, "estimate", #"{"model": "resnet50", "batch": 32}"#])
        #expect(ok.status == 0)
        let body = try JSONValue.parse(Data(ok.output.utf8))
        #expect(body["echo"]?["batch"] == .int(32))
        let unknown = try Self.python([script, "--endpoint", server.endpoint, "job", #"{"job": "nope"}"#])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("unknown_job"))
        let silent = try Self.python([script, "--endpoint", "tcp://127.0.0.1:1", "--timeout", "0.2", "--tries", "2", "health"])
        #expect(silent.status == 3)
    }

    /// Whether `python3 -c 'import zmq'` succeeds.
    static let hasPyzmq: Bool = (try? python(["-c", "import zmq"]).status) == 0

    /// Runs python3 with `arguments`; its exit status and standard output.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
