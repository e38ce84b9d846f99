import ArgumentParser
import Dispatch
import Foundation
import Logging
import MemQClient
import MemQServer
import MemQWire

/// memqd: the MemQ daemon. Answers MEMQ/1 requests over ZeroMQ (docs/protocol.md).
@main
struct Memqd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memqd",
        abstract: "MemQ's daemon: answers estimate/sweep/fit/summary/models/validate requests over ZeroMQ (protocol MEMQ/1).",
        discussion: """
            Settings come from --config (a JSON file like config/memqd.json; every key is also a flag \
            of the same name), then from the flags, which win. Without --config the built-in defaults \
            apply: one loopback endpoint tcp://127.0.0.1:5555, 2 fast workers, 1 validation worker.

            Examples:
              memqd --config config/memqd.json
              memqd --endpoint tcp://127.0.0.1:5555 --endpoint ipc:///tmp/memqd.sock --fast-workers 4
              memq keygen --dir keys --name memqd     # then:
              memqd --curve-secret-key-file keys/memqd.secret.json --curve-authorized-keys-file keys/authorized_keys
              memqd --broker --backend tcp://127.0.0.1:5556        # scale out:
              memqd --worker --connect tcp://127.0.0.1:5556        # on each worker host

            Try it with scripts/memq_client.py --endpoint tcp://127.0.0.1:5555 health.
            SIGTERM or SIGINT: new work gets 503, in-flight work has --grace-seconds to finish, then memqd exits 0.
            On start, memqd prints one line per bound endpoint to standard output ("listening ENDPOINT").
            """)

    @Option(name: .long, help: ArgumentHelp("A JSON configuration file, e.g. config/memqd.json.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("endpoint"), help: ArgumentHelp(
        "An endpoint to bind (repeatable; replaces the configured list), e.g. tcp://127.0.0.1:5555, ipc:///tmp/memqd.sock; tcp://127.0.0.1:* picks a free port.",
        valueName: "endpoint"))
    var endpoints: [String] = []

    @Option(help: "Threads for estimate/sweep/fit/summary/models (default 2).")
    var fastWorkers: Int?
    @Option(help: ArgumentHelp("Answer fast requests on the frontend thread while the fast pool is idle (default true); false sends every request through the pool.", valueName: "true|false"))
    var inlineFast: Bool?
    @Option(help: "Threads for validation jobs (default 1).")
    var slowWorkers: Int?
    @Option(help: "Fast requests that may wait before new ones get 429 (default 64).")
    var fastQueue: Int?
    @Option(help: "Validation jobs that may wait before new ones get 429 (default 8).")
    var slowQueue: Int?
    @Option(help: "Largest request body in bytes; larger ones get 413 (default 1048576).")
    var maxMessageBytes: Int?
    @Option(help: "Largest estimated peak memory, in bytes, a validation job may have (default 8 GiB).")
    var validationMaxEstimatedBytes: Int?
    @Option(help: "Longest a validation job may run, in seconds; then it fails with 408 (default 300).")
    var validationMaxSeconds: Double?
    @Option(help: "Seconds in-flight work may take to finish after SIGTERM (default 10).")
    var graceSeconds: Double?
    @Option(help: "Longest one fast request (estimate, sweep, fit, plan, ...) may compute, in seconds; then it is answered 408 and its worker freed; 0 for no limit (default 30).")
    var requestTimeoutSeconds: Double?
    @Option(help: "Finished validation jobs remembered for `job` queries (default 256).")
    var jobRetention: Int?
    @Option(help: ArgumentHelp("The daemon's CURVE secret key file (from `memq keygen`); turns CURVE on for every endpoint.", valueName: "file"))
    var curveSecretKeyFile: String?
    @Option(help: ArgumentHelp("Client public keys admitted under CURVE, one per line.", valueName: "file"))
    var curveAuthorizedKeysFile: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?
    @Option(help: ArgumentHelp("SQLite database of measured peaks and OOMs reported with `observe` (kept across restarts); later answers widen their margin from it.", valueName: "file"))
    var observationsDb: String?
    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://127.0.0.1:PORT/metrics.", valueName: "port"))
    var metricsPort: Int?

    @Flag(help: "Broker mode: hand client requests to `memqd --worker` processes connected to --backend.")
    var broker = false
    @Option(help: ArgumentHelp("Broker: the endpoint workers connect to (default tcp://127.0.0.1:5556).", valueName: "endpoint"))
    var backend: String?
    @Flag(help: "Worker mode: join the broker at --connect instead of serving clients.")
    var worker = false
    @Option(help: ArgumentHelp("Worker: the broker's backend endpoint.", valueName: "endpoint"))
    var connect: String?
    @Option(help: ArgumentHelp("Broker and worker: the MDP/0.2 service name workers register and the broker serves (default memq).", valueName: "name"))
    var mdpService: String?
    @Option(help: ArgumentHelp("Worker: rfc18 (RFC 18 framing, the default) or delimited (an empty frame before each command, for majortomo-like brokers).", valueName: "framing"))
    var mdpFraming: String?
    @Option(help: ArgumentHelp("Worker with a CURVE broker: the broker's public key file.", valueName: "file"))
    var serverKey: String?
    @Option(help: ArgumentHelp("Worker with a CURVE broker: this worker's secret key file.", valueName: "file"))
    var clientKey: String?
    @Option(help: "Broker and worker: milliseconds between heartbeats (default 1000).")
    var heartbeatMs: Int?
    @Option(help: "Broker and worker: missed heartbeats after which the peer is dead (default 3).")
    var heartbeatLiveness: Int?

    @Flag(help: .hidden)
    var echo = false
    @Option(help: .hidden)
    var testHandler: String?

    mutating func validate() throws {
        if broker && worker { throw ValidationError("--broker and --worker exclude each other; pick one role per process") }
        if worker && connect == nil { throw ValidationError("--worker needs --connect ENDPOINT, the broker's backend (e.g. tcp://127.0.0.1:5556)") }
        if connect != nil && !worker { throw ValidationError("--connect is for --worker; a daemon serving clients binds --endpoint") }
        if (serverKey == nil) != (clientKey == nil) {
            throw ValidationError("--server-key and --client-key go together (the broker's public key file and this worker's secret key file)")
        }
        if let testHandler, !["echo", "slow"].contains(testHandler) {
            throw ValidationError("--test-handler must be echo or slow (for tests of the daemon only)")
        }
    }

    /// Takes over SIGTERM and SIGINT before anything else runs (argument parsing, logging, Dispatch,
    /// any thread), then parses the command line and runs.
    static func main() {
        SignalWaiter.install()
        main(nil)
    }

    func run() throws {
        let config = try loadConfig()
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "memqd")
        let handler: any JobHandler = switch testHandler {
        case "echo": DiagnosticHandler()
        case "slow": DiagnosticHandler(defaultDelayMs: 2000)
        default: try makeHandler(config: config)
        }
        if echo {
            try runEcho(config: config)
        } else if worker, let connect {
            try runWorker(connect: connect, config: config, handler: handler, logger: logger)
        } else {
            try runServer(config: config, handler: handler, logger: logger)
        }
    }

    /// The configuration file (if any) with the flags applied on top.
    private func loadConfig() throws -> ServerConfig {
        var config = try config.map { path throws(ConfigError) in try ServerConfig(contentsOfFile: path) } ?? ServerConfig()
        if !endpoints.isEmpty { config.endpoints = endpoints }
        if let fastWorkers { config.fastWorkers = try Self.check("--fast-workers", fastWorkers, 1...256) }
        if let inlineFast { config.inlineFast = inlineFast }
        if let slowWorkers { config.slowWorkers = try Self.check("--slow-workers", slowWorkers, 1...64) }
        if let fastQueue { config.fastQueue = try Self.check("--fast-queue", fastQueue, 1...1_000_000) }
        if let slowQueue { config.slowQueue = try Self.check("--slow-queue", slowQueue, 1...100_000) }
        if let maxMessageBytes { config.maxMessageBytes = try Self.check("--max-message-bytes", maxMessageBytes, 256...(1 << 30)) }
        if let validationMaxEstimatedBytes { config.validationMaxEstimatedBytes = try Self.check("--validation-max-estimated-bytes", validationMaxEstimatedBytes, 1...Int.max) }
        if let validationMaxSeconds {
            guard validationMaxSeconds > 0 else { throw ValidationError("--validation-max-seconds must be above 0, got \(validationMaxSeconds)") }
            config.validationMaxSeconds = validationMaxSeconds
        }
        if let graceSeconds {
            guard (0...3600).contains(graceSeconds) else { throw ValidationError("--grace-seconds must be in 0...3600 (as in the config file), got \(graceSeconds)") }
            config.graceSeconds = graceSeconds
        }
        if let requestTimeoutSeconds {
            guard (0...86_400).contains(requestTimeoutSeconds) else {
                throw ValidationError("--request-timeout-seconds must be in 0...86400 (0: no limit), got \(requestTimeoutSeconds)")
            }
            config.requestTimeoutSeconds = requestTimeoutSeconds
        }
        if let jobRetention { config.jobRetention = try Self.check("--job-retention", jobRetention, 1...1_000_000) }
        if let curveSecretKeyFile { config.curveSecretKeyFile = curveSecretKeyFile }
        if let curveAuthorizedKeysFile { config.curveAuthorizedKeysFile = curveAuthorizedKeysFile }
        if let observationsDb { config.observationsDB = observationsDb }
        if let metricsPort { config.metricsPort = try Self.check("--metrics-port", metricsPort, 0...65535) }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(logLevel)\"")
            }
            config.logLevel = level
        }
        if let backend { config.backend = backend }
        if let mdpService {
            if let reason = ServerConfig.invalidServiceName(mdpService) { throw ValidationError("--mdp-service \(reason)") }
            config.mdpService = mdpService
        }
        if let mdpFraming {
            guard let framing = MDP.Framing(rawValue: mdpFraming) else {
                throw ValidationError("--mdp-framing must be rfc18 or delimited, got \(mdpFraming.prefix(40))")
            }
            config.mdpFraming = framing
        }
        if let heartbeatMs { config.heartbeatMs = try Self.check("--heartbeat-ms", heartbeatMs, 10...600_000) }
        if let heartbeatLiveness { config.heartbeatLiveness = try Self.check("--heartbeat-liveness", heartbeatLiveness, 1...100) }
        return try config.validated(source: self.config ?? "command line")
    }

    /// `value` if it lies in `range`, else a usage error naming `flag`.
    private static func check(_ flag: String, _ value: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// Serves clients (locally or as a broker) until SIGTERM/SIGINT, then drains and returns.
    private func runServer(config: ServerConfig, handler: any JobHandler, logger: Logger) throws {
        let server = try MemQServer(config: config, handler: handler, mode: broker ? .broker : .local, logger: logger)
        let stop = DispatchSemaphore(value: 0)
        SignalWaiter.onStopSignal { name in
            logger.notice("\(name): draining", metadata: ["grace-seconds": "\(config.graceSeconds)"])
            stop.signal()
        }
        for endpoint in try server.start() { Self.announce("listening \(endpoint)") }
        if let backend = server.backendEndpoint { Self.announce("backend \(backend)") }
        if let port = server.metricsPort { Self.announce("metrics http://127.0.0.1:\(port)/metrics") }
        stop.wait()
        server.shutdown()
    }

    /// Works for a broker until SIGTERM/SIGINT.
    private func runWorker(connect: String, config: ServerConfig, handler: any JobHandler, logger: Logger) throws {
        var curve: ClientCurve?
        if let serverKey, let clientKey { curve = try ClientCurve(serverKeyFile: serverKey, clientSecretFile: clientKey) }
        let agent = try WorkerAgent(connectingTo: connect, config: config, curve: curve, handler: handler, logger: logger)
        SignalWaiter.onStopSignal { name in
            logger.notice("\(name): leaving the broker")
            agent.stop()
        }
        Self.announce("worker \(connect)")
        try agent.run()
    }

    /// Echoes every message until SIGTERM/SIGINT (benchmark baseline).
    private func runEcho(config: ServerConfig) throws {
        let echo = try EchoServer()
        let stop = DispatchSemaphore(value: 0)
        SignalWaiter.onStopSignal { _ in stop.signal() }
        for endpoint in try echo.start(endpoints: config.endpoints) { Self.announce("listening \(endpoint)") }
        stop.wait()
        echo.stop()
    }

    /// Prints a line for scripts and tests to read, at once.
    private static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
