import Foundation
import MemQClient
import MemQCore
import MemQTransport
import MemQWire
import Testing

/// Whether majortomo can be imported.
enum Majortomo {
    static let installed: Bool = (try? ProcessTests.python(["-c", "import majortomo.broker, majortomo.worker"]).status) == 0
}

/// MDP/0.2 (RFC 18) against an independent implementation: majortomo 0.2 from PyPI (a pure-Python broker, client
/// and worker; scripts/setup.sh installs it), driven by scripts/mdp_interop.py.
@Suite("MDP/0.2 with majortomo", .serialized,
       .enabled(if: Majortomo.installed, "majortomo is not installed (python3 -c 'import majortomo.broker' failed); run scripts/setup.sh"))
struct MDPInteropTests {
    static let script = ConfigTests.root.appendingPathComponent("scripts/mdp_interop.py").path
    /// Fast heartbeats, and a liveness long enough for a loaded CI machine.
    static let heartbeat = ["--heartbeat-ms", "250", "--heartbeat-liveness", "12"]

    /// Runs `mdp_interop.py MODE ARGS...` to completion and parses the JSON line it prints.
    static func interop(_ arguments: [String]) throws -> JSONValue {
        let run = try ProcessTests.python([script] + arguments)
        #expect(run.status == 0, "mdp_interop.py \(arguments.first ?? "") exited \(run.status)")
        return try JSONValue.parse(Data(run.output.utf8))
    }

    @Test("memqd workers behind a majortomo broker answer a majortomo client exactly as memqd itself answers")
    func memqdWorkersBehindMajortomo() throws {
        let broker = try DaemonProcess(python: Self.script, ["broker", "tcp://127.0.0.1:*"])
        defer { broker.stop() }
        let url = try broker.line(after: "broker")
        let workers = try (0..<2).map { _ in
            try DaemonProcess(["--worker", "--connect", url, "--mdp-framing", "delimited"] + Self.heartbeat)
        }
        defer { workers.forEach { $0.stop() } }
        for worker in workers { _ = try worker.line(after: "worker") }
        let local = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*"])
        defer { local.stop() }
        let direct = try MemQClient(ClientConfiguration(endpoint: try local.line(after: "listening"), timeoutSeconds: 30, tries: 1))

        let body = #"{"model": "resnet50", "batch": 2, "optimizer": "adam"}"#
        let viaMajortomo = try Self.interop(["client", url, "estimate", body])
        let expected = try direct.request(.estimate, body: try JSONValue.parse(Data(body.utf8)))
        #expect(viaMajortomo["status"] == .int(200), "\(viaMajortomo)")
        #expect(viaMajortomo["request_id"] == "mt-1")
        #expect(expected.status == .ok)
        #expect(viaMajortomo["body"]?["peak_bytes"] == expected.body["peak_bytes"])
        #expect(viaMajortomo["body"]?["breakdown"] == expected.body["breakdown"])
        #expect(viaMajortomo["body"]?["model"] == "resnet50")

        // Errors travel as MEMQ/1 replies in FINAL, with their status.
        let unknown = try Self.interop(["client", url, "estimate", #"{"model": "resnet5O"}"#])
        #expect(unknown["status"] == .int(404))
        #expect(unknown["body"]?["error"]?["code"] == "unknown_model")
        let malformed = try Self.interop(["client", url, "estimate", "{not json"])
        #expect(malformed["status"] == .int(400))
        #expect(malformed["body"]?["error"]?["code"] == "malformed_json")

        for worker in workers {
            worker.send(SIGTERM)
            #expect(worker.waitForExit(seconds: 5) == 0, "worker stderr: \(worker.standardError.suffix(1500))")
        }
    }

    @Test("A validation through a majortomo broker sends its progress as PARTIALs, then the FINAL answer")
    func validationProgressAsPartials() throws {
        let broker = try DaemonProcess(python: Self.script, ["broker", "tcp://127.0.0.1:*"])
        defer { broker.stop() }
        let url = try broker.line(after: "broker")
        let worker = try DaemonProcess(["--worker", "--connect", url, "--mdp-framing", "delimited", "--test-handler", "echo"] + Self.heartbeat)
        defer { worker.stop() }
        _ = try worker.line(after: "worker")
        let reply = try Self.interop(["client", url, "validate", #"{"duration_ms": 600}"#])
        #expect(reply["status"] == .int(200), "\(reply)")
        guard case .int(let partials)? = reply["partials"] else { Issue.record("no partials count: \(reply)"); return }
        #expect(partials >= 3, "\(reply)")
    }

    @Test("A majortomo worker behind memqd's broker answers memqd clients and RFC 18 clients")
    func majortomoWorkerBehindMemqd() throws {
        let broker = try DaemonProcess(["--broker", "--endpoint", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"] + Self.heartbeat)
        defer { broker.stop() }
        let endpoint = try broker.line(after: "listening")
        let backend = try broker.line(after: "backend")
        let worker = try DaemonProcess(python: Self.script, ["worker", backend])
        defer { worker.stop() }
        _ = try worker.line(after: "majortomo-worker")
        let client = try MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: 10, tries: 1))
        #expect(TestServer.eventually(seconds: 5) { (try? client.request(.stats).body["workers"]?["connected"]) == .int(1) })

        let reply = try client.request(.estimate, body: ["model": "resnet50", "batch": 2])
        #expect(reply.status == .ok)
        #expect(reply.body["answered_by"] == "majortomo")
        #expect(reply.body["command"] == "estimate")
        #expect(reply.body["body"]?["batch"] == .int(2))

        // An RFC 18 client (no empty frame, REQUEST 0x01) on the same frontend gets FINAL 0x03 with the service.
        let rfc = try Self.interop(["rfc-client", endpoint, "sweep", #"{"model": "lenet5"}"#])
        #expect(rfc["header"] == "MDPC02")
        #expect(rfc["command"] == "03")
        #expect(rfc["service"] == "memq")
        #expect(rfc["status"] == .int(200))
        #expect(rfc["body"]?["answered_by"] == "majortomo")
        #expect(rfc["body"]?["command"] == "sweep")

        broker.send(SIGTERM)
        #expect(broker.waitForExit(seconds: 5) == 0, "broker stderr: \(broker.standardError.suffix(1500))")
    }
}

/// MDP/0.2 client requests on memqd's frontend, frame by frame (no Python needed).
@Suite("MDP/0.2 on the frontend")
struct MDPFrontendTests {
    /// Sends `frames` on a bare DEALER and returns every frame of the answer.
    private func exchange(_ server: TestServer, _ frames: [[UInt8]]) throws -> [[UInt8]] {
        let raw = try RawClient(server.endpoint)
        defer { raw.close() }
        _ = try raw.socket.send(frames)
        return try raw.socket.receiveMultipart() ?? []
    }

    private func request(_ command: String, _ body: String, service: String = "memq", code: UInt8 = 0x01) -> [[UInt8]] {
        [MDP.clientHeader, [code], Array(service.utf8), Array("MEMQ/1".utf8), Array(command.utf8), Array("r7".utf8), Array(body.utf8)]
    }

    @Test("REQUEST 0x01 for service memq is answered FINAL 0x03 + the MEMQ/1 reply, in the client's framing")
    func answeredAsFinal() throws {
        let server = try TestServer()
        defer { server.stop() }
        let plain = try exchange(server, request("estimate", #"{"batch": 3}"#))
        #expect(plain.count == 7)
        #expect(Array(plain.prefix(3)) == [MDP.clientHeader, [0x03], Array("memq".utf8)])
        let reply = try WireReply.decode(Array(plain.dropFirst(3)))
        #expect(reply.status == .ok)
        #expect(reply.requestIDText == "r7")
        #expect(reply.body["echo"]?["batch"] == .int(3))
        // With an empty frame first (majortomo's framing), the answer starts with one too.
        let delimited = try exchange(server, [[]] + request("health", "{}"))
        #expect(delimited.count == 8)
        #expect(delimited.first == [])
        #expect(delimited[1] == MDP.clientHeader)
    }

    @Test("Another service, another command byte, or too few frames: FINAL with a MEMQ/1 error naming the frame")
    func refusals() throws {
        let server = try TestServer()
        defer { server.stop() }
        func error(_ frames: [[UInt8]]) throws -> (WireStatus, JSONValue?) {
            let answer = try exchange(server, frames)
            #expect(answer.count == 7)
            let reply = try WireReply.decode(Array(answer.dropFirst(3)))
            return (reply.status, reply.body["error"])
        }
        let service = try error(request("estimate", "{}", service: "echo"))
        #expect(service.0 == .notFound)
        #expect(service.1?["code"] == "unknown_service")
        let command = try error(request("estimate", "{}", code: 0x02))
        #expect(command.0 == .badRequest)
        #expect(command.1?["code"] == "bad_command")
        let short = try error([MDP.clientHeader, [0x01]])
        #expect(short.0 == .badRequest)
        #expect(short.1?["code"] == "bad_frames")
    }
}
