import Dispatch
import Foundation
import Logging
import MemQClient
import MemQTransport
import MemQWire
import Synchronization

/// The memqd daemon: a frontend ROUTER on its own thread, work dispatched to worker pools (or, as
/// a broker, to remote workers), validation jobs in a table, counters in ``stats``.
///
///     let server = MemQServer(config: config, handler: handler, logger: logger)
///     let endpoints = try server.start()      // bound; serving
///     ...
///     server.shutdown()                       // 503 to new work, grace period, stopped
package final class MemQServer: Sendable {
    /// What ``start()`` learnt and ``shutdown(graceSeconds:)`` needs.
    private struct Lifecycle {
        /// The frontend endpoints as bound (real ports after `*`).
        var endpoints: [String] = []
        /// The broker's backend endpoint as bound.
        var backendEndpoint: String?
        /// Why the frontend thread could not start.
        var startError: ServerError?
        /// ``start()`` succeeded.
        var started = false
        /// Whether every worker thread ended when the frontend closed.
        var workersEnded = true
        /// The ZAP handler, when CURVE is on.
        var zap: ZAPHandler?
        /// ``shutdown(graceSeconds:)`` completed.
        var stopped = false
        /// The Prometheus endpoint, when `metrics-port` is set.
        var metrics: MetricsServer?
    }

    /// The configuration.
    package let config: ServerConfig
    /// Local pools or broker.
    package let mode: ServerMode
    /// Request counters and latencies.
    package let stats = ServerStats()
    /// Validation jobs.
    package let jobs: JobTable
    /// The command bodies.
    private let handler: any JobHandler
    /// The daemon's logger.
    private let logger: Logger
    /// The context of every socket of the daemon.
    private let context: ZMQContext
    /// Running or draining.
    private let control = ServerControl()
    /// Start-up results and shutdown state.
    private let lifecycle = Mutex(Lifecycle())
    /// Signalled when the frontend thread has bound (or failed to).
    private let ready = DispatchSemaphore(value: 0)
    /// Signalled when the frontend thread has ended.
    private let ended = DispatchSemaphore(value: 0)

    /// A daemon for `config` whose work is done by `handler`; nothing runs until ``start()``.
    ///
    /// - Throws: ``ServerError`` if a ZeroMQ context cannot be created.
    package init(config: ServerConfig, handler: any JobHandler, mode: ServerMode = .local,
                 logger: Logger) throws(ServerError) {
        self.config = config
        self.handler = handler
        self.mode = mode
        self.logger = logger
        jobs = JobTable(maxSeconds: config.validationMaxSeconds, retention: config.jobRetention)
        do {
            context = try ZMQContext()
        } catch {
            throw ServerError("cannot create a ZeroMQ context", cause: "\(error)")
        }
    }

    /// The frontend endpoints as bound, with real ports after a `tcp://…:*` bind.
    package var endpoints: [String] { lifecycle.withLock { $0.endpoints } }

    /// The broker backend endpoint as bound, in broker mode.
    package var backendEndpoint: String? { lifecycle.withLock { $0.backendEndpoint } }

    /// Loads CURVE keys and starts the ZAP handler (if configured), binds every endpoint, starts the
    /// workers, and returns once requests are being served.
    ///
    /// - Returns: The bound frontend endpoints.
    /// - Throws: ``ServerError`` naming the key file or endpoint that failed.
    @discardableResult
    package func start() throws(ServerError) -> [String] {
        var curve: CurveKeyPair?
        if let secretFile = config.curveSecretKeyFile, let keysFile = config.curveAuthorizedKeysFile {
            let authorized: AuthorizedKeys
            do {
                curve = try CurveKeyFile.readKeyPair(at: secretFile)
                authorized = try AuthorizedKeys(contentsOfFile: keysFile)
            } catch let error as KeyFileError {
                throw ServerError("cannot load the daemon's CURVE key (curve-secret-key-file)", cause: "\(error)")
            } catch {
                throw ServerError("cannot load the authorized keys (curve-authorized-keys-file)", cause: "\(error)")
            }
            // The ZAP handler must be bound before any CURVE socket, or libzmq admits every client.
            let log = logger
            do {
                let zap = try ZAPHandler(context: context, authorizedKeys: authorized) { decision in
                    let level: Logger.Level = decision.accepted ? .debug : .notice
                    log.log(level: level, "ZAP \(decision.accepted ? "admitted" : "refused") a client",
                            metadata: ["address": "\(decision.address)", "mechanism": "\(decision.mechanism)",
                                       "key": "\(decision.publicKey ?? "-")", "reason": "\(decision.statusText)"])
                }
                lifecycle.withLock { $0.zap = zap }
            } catch {
                throw ServerError("cannot start the ZAP authentication handler", cause: "\(error)")
            }
            logger.info("CURVE on", metadata: ["public-key": "\(curve?.publicKey ?? "")", "authorized-keys": "\(authorized.publicKeys.count)"])
        }
        let thread = Thread { [self, curve] in frontendThread(curve: curve) }
        thread.name = "memqd.frontend"
        thread.start()
        ready.wait()
        let (error, endpoints) = lifecycle.withLock { ($0.startError, $0.endpoints) }
        if let error {
            ended.wait()
            lifecycle.withLock { $0.zap }?.stop()
            context.shutdown()
            throw error
        }
        if let port = config.metricsPort {
            let metrics: MetricsServer
            do {
                metrics = try MetricsServer(port: port, stats: stats)
            } catch {
                control.drain(graceSeconds: 0)
                ended.wait()
                throw error
            }
            let jobs = self.jobs, handler = self.handler
            stats.addGauges {
                let active = jobs.activeCounts
                var g: [(name: String, labels: [(String, String)], value: Double)] = [
                    ("memqd_jobs", [("state", "queued")], Double(active.queued)), ("memqd_jobs", [("state", "running")], Double(active.running)),
                ]
                for h in handler.gauges() { g.append((h.name, [], h.value)) }
                return g
            }
            lifecycle.withLock { $0.metrics = metrics }
        }
        lifecycle.withLock { $0.started = true }
        return endpoints
    }

    /// The metrics endpoint's port, when serving one.
    package var metricsPort: Int? { lifecycle.withLock { $0.metrics?.port } }

    /// Stops taking work (503), lets in-flight work finish for `graceSeconds` (the configured grace
    /// by default), cancels what is left, and stops every thread. Blocks until done; safe to call twice.
    package func shutdown(graceSeconds: Double? = nil) {
        guard lifecycle.withLock({ $0.started && !$0.stopped }) else { return }
        control.drain(graceSeconds: graceSeconds ?? config.graceSeconds)
        ended.wait()
        ended.signal()  // Let a concurrent caller through.
        let (zap, workersEnded, alreadyStopped) = lifecycle.withLock { state in
            defer { state.stopped = true }
            return (state.zap, state.workersEnded, state.stopped)
        }
        guard !alreadyStopped else { return }
        // Server sockets are closed by now, so the ZAP handler may go.
        zap?.stop()
        lifecycle.withLock { $0.metrics }?.stop()
        if workersEnded {
            try? context.terminate()
        } else {
            logger.warning("a worker did not stop within the grace period; leaving it behind")
            context.shutdown()
        }
        logger.info("memqd stopped")
    }

    /// Whether shutdown has begun.
    package var isDraining: Bool { control.current != .running }

    // MARK: The frontend thread

    /// Binds, serves until drained, closes. Runs on its own thread.
    private func frontendThread(curve: CurveKeyPair?) {
        defer { ended.signal() }
        let router: ZMQSocket
        let dispatcher: any Dispatcher
        var bound: [String] = []
        do {
            router = try ZMQSocket(context, type: .router)
            try configure(router, curve: curve)
            for endpoint in config.endpoints {
                do {
                    try router.bind(endpoint)
                } catch {
                    throw ServerError("cannot bind endpoint \(endpoint) (endpoints)", cause: "\(error)")
                }
                bound.append((try? router.lastEndpoint) ?? endpoint)
            }
            switch mode {
            case .local:
                dispatcher = try LocalDispatcher(context: context, config: config, handler: handler, jobs: jobs, logger: logger)
            case .broker:
                let broker = try BrokerDispatcher(context: context, config: config, curve: curve, jobs: jobs, logger: logger)
                lifecycle.withLock { $0.backendEndpoint = broker.endpoint }
                dispatcher = broker
            }
        } catch {
            let failure = (error as? ServerError) ?? ServerError("cannot open the frontend", cause: "\(error)")
            lifecycle.withLock { $0.startError = failure }
            ready.signal()
            return
        }
        lifecycle.withLock { $0.endpoints = bound }
        logger.info("memqd listening", metadata: ["endpoints": "\(bound.joined(separator: " "))", "mode": "\(mode)",
                                                  "curve": "\(curve != nil)"])
        ready.signal()

        let frontend = Frontend(router: router, dispatcher: dispatcher, jobs: jobs, stats: stats,
                                control: control, config: config, logger: logger)
        frontend.run()
        let workersEnded = dispatcher.close()
        router.close()
        lifecycle.withLock { $0.workersEnded = workersEnded }
    }

    /// Sets the ROUTER's options: mandatory routing, message size cap, CURVE server.
    private func configure(_ router: ZMQSocket, curve: CurveKeyPair?) throws(ZMQError) {
        try router.set(.linger, 0)
        try router.set(.routerMandatory, true)
        try router.set(.maxMessageSize, Int64(config.maxMessageBytes + ServerConfig.maxMessageSlackBytes))
        if let curve {
            try router.set(.curveServer, true)
            try router.set(.curveSecretKey, curve.secretKey)
            try router.set(.zapDomain, "memq")
        }
    }
}
