import Dispatch
import Foundation
import Logging
import MemQCore
import MemQTransport
import MemQWire

/// Runs work on this process's worker pools: a fast pool for estimate/sweep/fit/summary/models
/// and a separate slow pool for validation, so a slow job never holds up a fast one.
///
/// Fast workers send their replies to the frontend over an inproc PUSH socket each (created on the
/// worker's own thread) into one PULL socket the frontend polls; slow workers write to the
/// ``JobTable``, which `job` queries read.
final class LocalDispatcher: Dispatcher {
    /// The frontend's end of the reply pipe.
    private let pull: ZMQSocket
    /// Fast commands waiting for a worker.
    private let fastQueue: BoundedQueue<FastTask>
    /// Validation jobs waiting for a worker.
    private let slowQueue: BoundedQueue<SlowTask>
    /// Busy fast workers.
    private let fastBusy = BusyGauge()
    /// Busy slow workers.
    private let slowBusy = BusyGauge()
    /// Signalled by each worker thread as it ends.
    private var ended: [DispatchSemaphore] = []
    /// Pool sizes.
    private let sizes: (fast: Int, slow: Int)
    /// Runs fast commands (on the workers, and on the frontend when answering inline).
    private let handler: any JobHandler
    /// For inline answers.
    private let logger: Logger
    /// Whether quick fast requests are answered on the frontend thread (`inline-fast`).
    private let inlineFast: Bool
    /// Fast requests answered on the frontend thread.
    private var inlineCount = 0

    /// Binds the reply pipe and starts the worker threads; call on the frontend thread.
    ///
    /// - Throws: ``ZMQError`` if the inproc socket cannot be bound.
    init(context: ZMQContext, config: ServerConfig, handler: any JobHandler, jobs: JobTable,
         logger: Logger) throws(ZMQError) {
        let endpoint = "inproc://memqd-replies-\(UUID().uuidString)"
        pull = try ZMQSocket(context, type: .pull)
        try pull.set(.linger, 0)
        try pull.set(.receiveHighWaterMark, 0)
        try pull.bind(endpoint)
        fastQueue = BoundedQueue(capacity: config.fastQueue)
        slowQueue = BoundedQueue(capacity: config.slowQueue)
        sizes = (config.fastWorkers, config.slowWorkers)
        self.handler = handler
        self.logger = logger
        inlineFast = config.inlineFast
        for index in 0..<config.fastWorkers {
            ended.append(Self.spawn("memqd.fast.\(index)") { [fastQueue, fastBusy] in
                Self.runFastWorker(context: context, endpoint: endpoint, queue: fastQueue, busy: fastBusy,
                                   handler: handler, logger: logger)
            })
        }
        let limits = config.validationLimits
        for index in 0..<config.slowWorkers {
            ended.append(Self.spawn("memqd.slow.\(index)") { [slowQueue, slowBusy] in
                Self.runSlowWorker(queue: slowQueue, busy: slowBusy, jobs: jobs, limits: limits,
                                   handler: handler, logger: logger)
            })
        }
    }

    var pollSockets: [ZMQSocket] { [pull] }

    var limits: (fast: Int, slow: Int) { (fastQueue.capacity, slowQueue.capacity) }

    func submit(fast task: FastTask) -> Bool { fastQueue.tryEnqueue(task) }

    func submit(slow task: SlowTask) -> Bool { slowQueue.tryEnqueue(task) }

    /// A hand-off to a worker costs two thread wake-ups (the worker's, then the frontend's for the reply: about
    /// 130 µs together measured on this 2-core VM) around about ten microseconds of work for a warm estimate. So the
    /// frontend runs the requests the handler calls quick (`JobHandler.answersQuickly`) itself, and the fast pool
    /// takes the rest (sweeps, fits, summaries, inline specs), so a long sweep never delays a quick estimate either.
    func runInline(_ task: FastTask) -> FastOutcome? {
        guard inlineFast, handler.answersQuickly(command: task.command, body: task.body) else { return nil }
        inlineCount += 1
        // The request id goes into the logger's metadata only when the level logs per-request detail: setting
        // metadata re-renders the handler's metadata text, a measurable share of a microsecond-scale request.
        var log = logger
        if logger.logLevel <= .debug { log[metadataKey: "request-id"] = "\(task.requestID)" }
        return Self.execute(task, handler: handler, logger: log)
    }

    /// Runs a fast task and turns the result or error into its reply.
    private static func execute(_ task: FastTask, handler: any JobHandler, logger: Logger) -> FastOutcome {
        do {
            let body = try handler.encodedReply(command: task.command, body: task.body, logger: logger)
            return FastOutcome(ticket: task.ticket, status: .ok, bodyBytes: body)
        } catch {
            return FastOutcome(ticket: task.ticket, status: error.status, body: error.body)
        }
    }

    func readable(_ index: Int) -> [FastOutcome] {
        var outcomes: [FastOutcome] = []
        while outcomes.count < 1024, let message = try? pull.receiveMultipart(flags: .dontWait) {
            if let outcome = FastOutcome(frames: message) { outcomes.append(outcome) }
        }
        return outcomes
    }

    func tick() -> [FastOutcome] { [] }

    func drainQueuedFast() -> [UInt64] {
        fastQueue.drain().map(\.ticket)
    }

    var statsBody: [String: JSONValue] {
        [
            "mode": .string("local"),
            "queues": .object([
                "fast": .object(["depth": .int(fastQueue.count), "limit": .int(fastQueue.capacity),
                                 "busy_workers": .int(fastBusy.current), "workers": .int(sizes.fast),
                                 "inline": .bool(inlineFast), "answered_inline": .int(inlineCount)]),
                "slow": .object(["depth": .int(slowQueue.count), "limit": .int(slowQueue.capacity),
                                 "busy_workers": .int(slowBusy.current), "workers": .int(sizes.slow)]),
            ]),
        ]
    }

    func close() -> Bool {
        fastQueue.close()
        slowQueue.close()
        // Workers finish their current task (cancelled by now, if it is a validation) and end.
        let deadline = DispatchTime.now() + 2
        var allEnded = true
        for semaphore in ended where semaphore.wait(timeout: deadline) == .timedOut {
            allEnded = false
        }
        // Replies of the last tasks are no longer needed.
        pull.close()
        return allEnded
    }

    // MARK: Worker threads

    /// Starts a named thread running `body`. - Returns: a semaphore signalled when it ends.
    private static func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.start()
        return done
    }

    /// A fast worker: takes tasks until the queue closes, sends each reply through its own PUSH socket.
    private static func runFastWorker(context: ZMQContext, endpoint: String, queue: BoundedQueue<FastTask>,
                                      busy: BusyGauge, handler: any JobHandler, logger: Logger) {
        let push: ZMQSocket
        do {
            push = try ZMQSocket(context, type: .push)
            try push.set(.sendTimeout, 1000)
            try push.set(.sendHighWaterMark, 0)
            try push.connect(endpoint)
        } catch {
            logger.critical("fast worker cannot open its reply socket", metadata: ["error": "\(error)"])
            return
        }
        defer { push.close() }
        while let task = queue.dequeue() {
            var log = logger
            log[metadataKey: "request-id"] = "\(task.requestID)"
            let outcome = busy.busy { execute(task, handler: handler, logger: log) }
            do {
                if try !push.send(outcome.frames) {
                    log.warning("fast worker could not hand a reply to the frontend in time")
                }
            } catch where error.isTerminated {
                return
            } catch {
                log.error("fast worker cannot send a reply", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A slow worker: runs validation jobs until the queue closes, recording outcomes in `jobs`.
    private static func runSlowWorker(queue: BoundedQueue<SlowTask>, busy: BusyGauge, jobs: JobTable,
                                      limits: ValidationLimits, handler: any JobHandler, logger: Logger) {
        while let task = queue.dequeue() {
            guard jobs.start(task.jobID) else { continue }  // Cancelled while it waited.
            var log = logger
            log[metadataKey: "request-id"] = "\(task.requestID)"
            log[metadataKey: "job"] = "\(task.jobID)"
            log.info("validation job started")
            let outcome: Result<JSONValue, WireError>
            do {
                let result = try busy.busy { () throws(WireError) in
                    try handler.validate(body: task.body, limits: limits,
                                         progress: { fraction, phase in jobs.progress(task.jobID, fraction: fraction, phase: phase) },
                                         cancel: task.cancel, logger: log)
                }
                outcome = task.cancel.error.map { .failure($0) } ?? .success(result)
            } catch {
                outcome = .failure(task.cancel.error ?? error)
            }
            jobs.finish(task.jobID, outcome)
            if case .failure(let error) = outcome {
                log.info("validation job ended", metadata: ["status": "\(error.status.rawValue)", "reason": "\(error.message)"])
            } else {
                log.info("validation job done")
            }
        }
    }
}
