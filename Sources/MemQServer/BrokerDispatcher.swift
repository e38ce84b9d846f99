import Foundation
import Logging
import MemQCore
import MemQTransport
import MemQWire

/// Broker mode: hands work to remote `memqd --worker` processes on the backend endpoint
/// (protocol ``WorkerProtocol``), one request per worker at a time, fast and validation alike.
///
/// Lives on the frontend thread; its backend ROUTER is polled with the frontend's. A worker that
/// misses `heartbeat-liveness` heartbeats is dead; its request goes back to the head of the queue
/// once (estimates are pure, so a retry is safe), and fails with 500 if its second worker dies too.
final class BrokerDispatcher: Dispatcher {
    /// A request waiting for, or held by, a worker.
    private struct Task {
        /// The frontend's ticket (fast) or the broker's own (validation).
        let ticket: UInt64
        /// The command.
        let command: WireCommand
        /// The client's request id.
        let requestID: String
        /// The body.
        let body: JSONValue
        /// The job, for validation.
        let jobID: String?
        /// Whether it was already given to a worker that died.
        var retried = false
    }

    /// A connected worker.
    private struct Worker {
        /// Its routing id on the backend.
        let id: [UInt8]
        /// When it was last heard from.
        var lastSeen: ContinuousClock.Instant
        /// What it is doing.
        var task: Task?
        /// Whether CANCEL was sent for its task.
        var cancelSent = false
    }

    /// The bound backend endpoint.
    let endpoint: String
    /// The backend socket.
    private let backend: ZMQSocket
    /// Validation jobs.
    private let jobs: JobTable
    /// The daemon's logger.
    private let logger: Logger
    /// Queue limits.
    private let fastLimit: Int, slowLimit: Int
    /// Heartbeat interval and the silence after which a worker is dead.
    private let interval: Duration, expiry: Duration
    /// Workers by routing id.
    private var workers: [[UInt8]: Worker] = [:]
    /// Idle workers, longest idle first.
    private var idle: [[UInt8]] = []
    /// Waiting requests, oldest first.
    private var queue: [Task] = []
    /// When heartbeats were last sent.
    private var lastHeartbeat = ContinuousClock.now
    /// The last ticket of a validation task (numbered from 2^62 so they never meet the frontend's).
    private var lastSlowTicket: UInt64 = 1 << 62
    /// Requests given to a second worker after the first died.
    private var requeued = 0

    /// Binds the backend; call on the frontend thread.
    ///
    /// - Throws: ``ServerError`` naming the backend endpoint if it cannot be bound.
    init(context: ZMQContext, config: ServerConfig, curve: CurveKeyPair?, jobs: JobTable, logger: Logger) throws(ServerError) {
        self.jobs = jobs
        self.logger = logger
        fastLimit = config.fastQueue
        slowLimit = config.slowQueue
        interval = .milliseconds(config.heartbeatMs)
        expiry = .milliseconds(config.heartbeatMs * config.heartbeatLiveness)
        do {
            backend = try ZMQSocket(context, type: .router)
            try backend.set(.linger, 0)
            try backend.set(.routerMandatory, true)
            try backend.set(.maxMessageSize, Int64(config.maxMessageBytes + ServerConfig.maxMessageSlackBytes))
            if let curve {
                try backend.set(.curveServer, true)
                try backend.set(.curveSecretKey, curve.secretKey)
                try backend.set(.zapDomain, "memq")
            }
            try backend.bind(config.backend)
            endpoint = (try? backend.lastEndpoint) ?? config.backend
        } catch {
            throw ServerError("cannot bind the broker backend \(config.backend) (backend)", cause: "\(error)")
        }
        logger.info("broker backend listening", metadata: ["backend": "\(endpoint)"])
    }

    var pollSockets: [ZMQSocket] { [backend] }

    var limits: (fast: Int, slow: Int) { (fastLimit, slowLimit) }

    /// The broker has no handler of its own: every request goes to a worker.
    func runInline(_ task: FastTask) -> FastOutcome? { nil }

    func submit(fast task: FastTask) -> Bool {
        guard queue.count(where: { $0.jobID == nil }) < fastLimit else { return false }
        queue.append(Task(ticket: task.ticket, command: task.command, requestID: task.requestID, body: task.body, jobID: nil))
        dispatch()
        return true
    }

    func submit(slow task: SlowTask) -> Bool {
        guard queue.count(where: { $0.jobID != nil }) < slowLimit else { return false }
        lastSlowTicket += 1
        queue.append(Task(ticket: lastSlowTicket, command: .validate, requestID: task.requestID, body: task.body, jobID: task.jobID))
        dispatch()
        return true
    }

    func readable(_ index: Int) -> [FastOutcome] {
        var outcomes: [FastOutcome] = []
        for _ in 0..<1024 {
            guard let message = try? backend.receiveMultipart(flags: .dontWait) else { break }
            handle(message, into: &outcomes)
        }
        dispatch()
        return outcomes
    }

    func tick() -> [FastOutcome] {
        var outcomes: [FastOutcome] = []
        let now = ContinuousClock.now
        for (id, worker) in workers where worker.lastSeen.advanced(by: expiry) < now {
            logger.warning("worker missed its heartbeats; declaring it dead",
                           metadata: ["worker": "\(Self.name(id))", "busy": "\(worker.task != nil)"])
            remove(id, into: &outcomes)
        }
        if lastHeartbeat.advanced(by: interval) <= now {
            lastHeartbeat = now
            for id in workers.keys { send(to: id, .heartbeat) }
        }
        // Validation jobs cancelled or timed out while a worker runs them: tell the worker.
        for (id, worker) in workers where !worker.cancelSent {
            guard let task = worker.task, let jobID = task.jobID, jobs.record(jobID)?.state.isFinal ?? true else { continue }
            workers[id]?.cancelSent = true
            send(to: id, .cancel, [Array(String(task.ticket).utf8)])
        }
        dispatch()
        return outcomes
    }

    func drainQueuedFast() -> [UInt64] {
        let fast = queue.filter { $0.jobID == nil }.map(\.ticket)
        queue.removeAll { $0.jobID == nil }
        return fast
    }

    var statsBody: [String: JSONValue] {
        let busy = workers.values.count { $0.task != nil }
        return [
            "mode": .string("broker"),
            "workers": .object(["connected": .int(workers.count), "busy": .int(busy), "requeued": .int(requeued)]),
            "queues": .object([
                "fast": .object(["depth": .int(queue.count { $0.jobID == nil }), "limit": .int(fastLimit)]),
                "slow": .object(["depth": .int(queue.count { $0.jobID != nil }), "limit": .int(slowLimit)]),
            ]),
        ]
    }

    func close() -> Bool {
        for id in workers.keys { send(to: id, .disconnect) }
        backend.close()
        return true
    }

    // MARK: Messages from workers

    /// Handles one backend message.
    private func handle(_ message: [[UInt8]], into outcomes: inout [FastOutcome]) {
        guard message.count >= 3, let type = WorkerProtocol.type(of: message[1...]) else {
            logger.notice("backend message is not MEMQW/1; ignored", metadata: ["frames": "\(message.count)"])
            return
        }
        let id = message[0]
        let rest = Array(message[3...])
        let known = workers[id] != nil
        workers[id]?.lastSeen = .now
        switch type {
        case .ready:
            if known { remove(id, into: &outcomes) }  // It restarted: whatever it held is lost.
            workers[id] = Worker(id: id, lastSeen: .now)
            idle.append(id)
            logger.info("worker joined", metadata: ["worker": "\(Self.name(id))", "workers": "\(workers.count)"])
        case .heartbeat:
            if !known { send(to: id, .disconnect) }  // Unknown (e.g. we restarted): ask it to re-announce.
        case .reply:
            guard known, rest.count == 3, let worker = workers[id], let task = worker.task,
                  String(decoding: rest[0], as: UTF8.self) == String(task.ticket) else { return }
            let status = WireStatus(frame: rest[1]) ?? .internalError
            let body = (try? JSONValue.parse(Data(rest[2]))) ?? WireError.internalError("a worker sent a reply that is not JSON").body
            workers[id]?.task = nil
            workers[id]?.cancelSent = false
            idle.append(id)
            complete(task, status: status, body: body, into: &outcomes)
        case .progress:
            guard rest.count == 3, let task = workers[id]?.task, let jobID = task.jobID,
                  String(decoding: rest[0], as: UTF8.self) == String(task.ticket),
                  let fraction = Double(String(decoding: rest[1], as: UTF8.self)) else { return }
            jobs.progress(jobID, fraction: fraction, phase: String(decoding: rest[2], as: UTF8.self))
        case .disconnect:
            if known {
                logger.info("worker left", metadata: ["worker": "\(Self.name(id))"])
                remove(id, into: &outcomes)
            }
        case .request, .cancel:
            logger.notice("worker sent a broker-only message; ignored", metadata: ["type": "\(type.rawValue)"])
        }
    }

    /// Forgets a worker, giving its request to another worker (once) or failing it.
    private func remove(_ id: [UInt8], into outcomes: inout [FastOutcome]) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        idle.removeAll { $0 == id }
        guard var task = worker.task else { return }
        if task.retried {
            let error = WireError.internalError("two workers died running this request; giving up (is it crashing them?)")
            complete(task, status: error.status, body: error.body, into: &outcomes)
        } else {
            task.retried = true
            requeued += 1
            logger.notice("re-queueing the request of a dead worker", metadata: ["request-id": "\(task.requestID)"])
            queue.insert(task, at: 0)
        }
    }

    /// Finishes a task: a fast reply to deliver, or a job outcome.
    private func complete(_ task: Task, status: WireStatus, body: JSONValue, into outcomes: inout [FastOutcome]) {
        if let jobID = task.jobID {
            if status.isSuccess {
                jobs.finish(jobID, .success(body))
            } else {
                jobs.finish(jobID, .failure(WireError(status: status, body: body)
                    ?? .internalError("the worker failed the job with status \(status.rawValue)")))
            }
        } else {
            outcomes.append(FastOutcome(ticket: task.ticket, status: status, body: body))
        }
    }

    // MARK: Messages to workers

    /// Gives waiting requests to idle workers, oldest first.
    private func dispatch() {
        while !queue.isEmpty, !idle.isEmpty {
            let id = idle.removeFirst()
            guard workers[id] != nil, workers[id]?.task == nil else { continue }
            let task = queue.removeFirst()
            if let jobID = task.jobID {
                // Skip a job cancelled while waiting; a requeued one is already running.
                let state = jobs.record(jobID)?.state
                guard state == .running || jobs.start(jobID) else {
                    idle.insert(id, at: 0)
                    continue
                }
            }
            workers[id]?.task = task
            workers[id]?.cancelSent = false
            send(to: id, .request, [Array(String(task.ticket).utf8), Array(task.command.rawValue.utf8),
                                    Array(task.requestID.utf8), Array(task.body.serialized())])
        }
    }

    /// Sends one message to a worker without blocking; a worker that cannot take it will time out.
    private func send(to id: [UInt8], _ type: WorkerProtocol.Message, _ rest: [[UInt8]] = []) {
        do {
            _ = try backend.send([id] + WorkerProtocol.frames(type, rest), flags: .dontWait)
        } catch {
            logger.debug("backend send failed", metadata: ["worker": "\(Self.name(id))", "error": "\(error)"])
        }
    }

    /// A printable name for a routing id.
    private static func name(_ id: [UInt8]) -> String {
        id.map { String(format: "%02x", $0) }.joined()
    }
}
