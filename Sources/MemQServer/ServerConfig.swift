import Logging
import MemQWire

/// Everything memqd is configured by: `config/memqd.json`, then command-line flags.
///
/// Each JSON key is also the name of a `memqd` flag (`"fast-workers"` ↔ `--fast-workers`).
package struct ServerConfig: Sendable, Hashable {
    /// The frontend endpoints clients connect to; the first is the main one. Loopback by default.
    package var endpoints: [String] = ["tcp://127.0.0.1:5555"]
    /// Threads computing fast commands (estimate, sweep, fit, summary, models).
    package var fastWorkers = 2
    /// Whether the frontend answers quick requests itself (`JobHandler.answersQuickly`: a CPU estimate of a zoo
    /// model): handing one to a worker costs two thread wake-ups, more than the estimate itself. Everything else
    /// goes to the pools.
    package var inlineFast = true
    /// Threads running validation jobs.
    package var slowWorkers = 1
    /// Fast requests waiting beyond which new ones get 429.
    package var fastQueue = 64
    /// Validation jobs waiting beyond which new ones get 429.
    package var slowQueue = 8
    /// The largest request body, in bytes; larger bodies get 413. libzmq's `ZMQ_MAXMSGSIZE` is set
    /// a little higher (``maxMessageSlackBytes``) so such requests still get an answer.
    package var maxMessageBytes = 1 << 20
    /// The largest estimated peak memory (bytes) a validation job may have.
    package var validationMaxEstimatedBytes = 8 << 30
    /// The longest (seconds) a validation job may run before it fails with 408.
    package var validationMaxSeconds = 300.0
    /// The longest (seconds) one fast request (estimate, sweep, fit, plan, ...) may compute before it is answered
    /// 408 and its worker is freed; 0 sets no limit. Checked at every estimate (`WorkBudget`).
    package var requestTimeoutSeconds = 30.0
    /// How long (seconds) shutdown waits for in-flight work before cancelling it.
    package var graceSeconds = 10.0
    /// Finished validation jobs remembered for `job` queries (the oldest are forgotten first).
    package var jobRetention = 256
    /// The daemon's CURVE secret file (from `memq keygen`); with ``curveAuthorizedKeysFile`` it makes
    /// every endpoint a CURVE server.
    package var curveSecretKeyFile: String?
    /// The authorized-keys file: the client public keys admitted, one per line.
    package var curveAuthorizedKeysFile: String?
    /// The swift-log level: trace, debug, info, notice, warning, error, critical.
    package var logLevel: Logger.Level = .info
    /// Broker mode: where workers connect.
    package var backend = "tcp://127.0.0.1:5556"
    /// Broker and workers: the MDP/0.2 service name workers register (READY) and the broker serves.
    package var mdpService = MDP.defaultService
    /// Workers: whether MDP commands start with an empty frame (`delimited`, for majortomo-like brokers) or not
    /// (`rfc18`, as RFC 18 writes them). memqd's broker reads both and answers each peer in its own framing.
    package var mdpFraming = MDP.Framing.rfc18
    /// Broker and workers: milliseconds between heartbeats.
    package var heartbeatMs = 1000
    /// Broker and workers: heartbeats missed before the peer counts as dead.
    package var heartbeatLiveness = 3
    /// The SQLite database of measured peaks and OOMs (`observe`); nil keeps none.
    package var observationsDB: String?
    /// Loopback TCP port of the Prometheus metrics endpoint (`GET /metrics`); nil serves none.
    package var metricsPort: Int?

    /// The defaults, as in `config/memqd.json`.
    package init() {}

    /// How much larger than ``maxMessageBytes`` libzmq's `ZMQ_MAXMSGSIZE` is set, so a body a
    /// little over the limit gets a 413 instead of a dropped connection.
    package static let maxMessageSlackBytes = 64 << 10

    /// The validation limits for handlers.
    package var validationLimits: ValidationLimits {
        ValidationLimits(maxEstimatedBytes: validationMaxEstimatedBytes, maxSeconds: validationMaxSeconds)
    }

    /// Whether CURVE is configured.
    package var usesCurve: Bool { curveSecretKeyFile != nil || curveAuthorizedKeysFile != nil }
}
