import Foundation
import Logging
import MemQClient
import MemQCore
import MemQServer
import MemQTransport
import MemQWire

/// An in-process memqd on a free loopback port with the diagnostic (echo) handler, for one test.
/// Every test calls ``stop()`` (also in `defer`), so no server outlives its test.
final class TestServer: Sendable {
    /// The daemon.
    let server: MemQServer
    /// Its first bound endpoint, e.g. tcp://127.0.0.1:41234.
    let endpoint: String

    /// Starts a daemon; `adjust` changes the test configuration first.
    init(handler: any JobHandler = DiagnosticHandler(), mode: ServerMode = .local,
         _ adjust: (inout ServerConfig) -> Void = { _ in }) throws {
        var config = ServerConfig()
        config.endpoints = ["tcp://127.0.0.1:*"]
        config.backend = "tcp://127.0.0.1:*"
        config.graceSeconds = 2
        config.maxMessageBytes = 4096
        adjust(&config)
        var logger = Logger(label: "memqd-test")
        logger.logLevel = .critical
        server = try MemQServer(config: config, handler: handler, mode: mode, logger: logger)
        endpoint = try server.start()[0]
    }

    /// Drains and stops the daemon (idempotent).
    func stop(graceSeconds: Double = 1) {
        server.shutdown(graceSeconds: graceSeconds)
    }

    /// A Lazy Pirate client of this daemon: one try of `timeout` seconds.
    func client(timeout: Double = 3, curve: ClientCurve? = nil) throws -> MemQClient {
        try MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: timeout, tries: 1, curve: curve))
    }

    /// Sends one request on a fresh client and returns the reply.
    func request(_ command: WireCommand, _ body: JSONValue = .object([:])) throws -> WireReply {
        try client().request(command, body: body)
    }

    /// Polls `job` until the job is final (or `seconds` pass) and returns the last reply.
    func waitForJob(_ id: String, seconds: Double = 5) throws -> WireReply {
        let client = try client()
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let reply = try client.request(.job, body: ["job": .string(id)])
            if case .string(let state)? = reply.body["state"], WireJobState(rawValue: state)?.isFinal == true { return reply }
            if Date() > deadline { return reply }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Waits until `condition` holds, checking every 20 ms for at most `seconds`. - Returns: whether it held.
    static func eventually(seconds: Double = 3, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}

