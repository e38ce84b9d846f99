import Foundation
import Logging
import MemQCore
import MemQTransport
import MemQWire

/// Broker mode: an MDP/0.2 broker (``MDP``, RFC 18) for service `mdp-service` on the backend endpoint. Workers
/// are `memqd --worker` processes or any conforming MDP worker; each gets one request at a time, fast and
/// validation alike, as MEMQ/1 frames in the REQUEST body, and answers with MEMQ/1 reply frames in FINAL.
///
/// Lives on the frontend thread; its backend ROUTER is polled with the frontend's. A worker that
/// misses `heartbeat-liveness` heartbeats is dead; its request goes back to the head of the queue
/// once (estimates are pure, so a retry is safe), and fails with 500 if its second worker dies too.
/// MDP has no CANCEL: a validation cancelled or timed out while a worker runs it is stopped with DISCONNECT,
/// after which the worker registers again.
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
        /// The framing it used, which the broker answers in.
        var framing: MDP.Framing
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
    /// The service this broker serves.
    private let service: [UInt8]

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
        service = Array(config.mdpService.utf8)
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
        // Validation jobs cancelled or timed out while a worker runs them: DISCONNECT stops the worker (MDP has no
        // cancel); it registers again on a new socket.
        for (id, worker) in workers {
            guard let task = worker.task, let jobID = task.jobID, jobs.record(jobID)?.state.isFinal ?? true else { continue }
            logger.info("stopping a worker's cancelled validation with DISCONNECT", metadata: ["worker": "\(Self.name(id))", "job": "\(jobID)"])
            send(to: id, .disconnect)
            forget(id)
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

    /// Handles one backend message: `[routing-id, ("")?, "MDPW02", command, ...]`.
    private func handle(_ frames: [[UInt8]], into outcomes: inout [FastOutcome]) {
        guard frames.count >= 3, let message = MDP.parseWorker(frames[1...]) else {
            // RFC 18: drop invalid messages.
            logger.notice("backend message is not MDPW02; dropped", metadata: ["frames": "\(frames.count)"])
            return
        }
        let id = frames[0]
        let known = workers[id] != nil
        workers[id]?.lastSeen = .now
        switch message.command {
        case .ready:
            if known { remove(id, into: &outcomes) }  // It registered again: whatever it held is lost.
            guard message.rest.count == 1, message.rest[0] == service else {
                let asked = String(decoding: (message.rest.first ?? []).prefix(64), as: UTF8.self)
                logger.notice("worker asked for a service this broker does not serve; sent DISCONNECT",
                              metadata: ["worker": "\(Self.name(id))", "service": "\(asked)",
                                         "serves": "\(String(decoding: service, as: UTF8.self))"])
                send(to: id, .disconnect, framing: message.framing)
                return
            }
            workers[id] = Worker(id: id, lastSeen: .now, framing: message.framing)
            idle.append(id)
            logger.info("worker joined", metadata: ["worker": "\(Self.name(id))", "workers": "\(workers.count)",
                                                    "framing": "\(message.framing.rawValue)"])
        case .heartbeat:
            if !known { send(to: id, .disconnect, framing: message.framing) }  // Unknown (we restarted): register again.
        case .final:
            guard known, let task = workers[id]?.task, let (client, body) = MDP.addressed(message.rest),
                  client == Self.address(task.ticket) else {
                unexpected(id, message, into: &outcomes)
                return
            }
            workers[id]?.task = nil
            idle.append(id)
            switch Result(catching: { () throws(WireError) in try WireReply.decode(Array(body)) }) {
            case .success(let reply): complete(task, status: reply.status, body: reply.body, into: &outcomes)
            case .failure(let error):
                let failure = WireError.internalError("a worker's FINAL body is not a MEMQ/1 reply: \(error.message)")
                complete(task, status: failure.status, body: failure.body, into: &outcomes)
            }
        case .partial:
            guard known, let task = workers[id]?.task, let (client, body) = MDP.addressed(message.rest),
                  client == Self.address(task.ticket) else {
                unexpected(id, message, into: &outcomes)
                return
            }
            // Progress of a validation; a fast request's client gets one reply, so its PARTIALs are not forwarded.
            guard let jobID = task.jobID, let reply = try? WireReply.decode(Array(body)) else { return }
            let fraction: Double
            switch reply.body["progress"] {
            case .double(let f)?: fraction = f
            case .int(let i)?: fraction = Double(i)
            default: return
            }
            let phase = if case .string(let p)? = reply.body["phase"] { p } else { "" }
            jobs.progress(jobID, fraction: fraction, phase: phase)
        case .disconnect:
            if known {
                logger.info("worker left", metadata: ["worker": "\(Self.name(id))"])
                remove(id, into: &outcomes)
            }
        case .request:
            unexpected(id, message, into: &outcomes)
        }
    }

    /// RFC 18: "The broker MUST respond to any valid but unexpected command by sending DISCONNECT and then no further
    /// commands to that worker."
    private func unexpected(_ id: [UInt8], _ message: MDP.WorkerMessage, into outcomes: inout [FastOutcome]) {
        logger.notice("unexpected command from a worker; sent DISCONNECT",
                      metadata: ["worker": "\(Self.name(id))", "command": "\(message.command)"])
        send(to: id, .disconnect, framing: message.framing)
        remove(id, into: &outcomes)
    }

    /// Forgets a worker without touching its task (already final).
    private func forget(_ id: [UInt8]) {
        workers.removeValue(forKey: id)
        idle.removeAll { $0 == id }
    }

    /// The MDP client address of a task: its ticket in decimal.
    private static func address(_ ticket: UInt64) -> [UInt8] { Array(String(ticket).utf8) }

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
            let request = WireRequest(command: task.command, requestID: task.requestID, body: task.body)
            send(to: id, .request, [Self.address(task.ticket), []] + request.frames)
        }
    }

    /// Sends one message to a worker without blocking, in the framing it uses; a worker that cannot take it will
    /// time out.
    private func send(to id: [UInt8], _ command: MDP.WorkerCommand, _ rest: [[UInt8]] = [], framing: MDP.Framing? = nil) {
        let framing = framing ?? workers[id]?.framing ?? .rfc18
        do {
            _ = try backend.send([id] + MDP.worker(command, rest, framing: framing), flags: .dontWait)
        } catch {
            logger.debug("backend send failed", metadata: ["worker": "\(Self.name(id))", "error": "\(error)"])
        }
    }

    /// A printable name for a routing id.
    private static func name(_ id: [UInt8]) -> String {
        id.map { String(format: "%02x", $0) }.joined()
    }
}
