import Logging
import MemQCore
import MemQTransport
import MemQWire

/// The frontend thread's loop: the only code that touches the client-facing ROUTER.
///
/// It decodes requests, answers `job`/`cancel`/`health`/`stats` itself, lets the ``Dispatcher`` answer quick
/// requests inline or hands them to its workers, and sends the replies. Every send is non-blocking: a reply to a
/// client that left (`EHOSTUNREACH` under `ZMQ_ROUTER_MANDATORY`) or whose pipe is full is dropped
/// and counted.
final class Frontend {
    /// A request waiting for a worker's reply.
    private struct Pending {
        /// Where the reply goes.
        let envelope: WireEnvelope
        /// The request id to echo.
        let requestID: [UInt8]
        /// The command, for stats.
        let command: WireCommand
        /// When it arrived, for latency.
        let received: ContinuousClock.Instant
    }

    /// The client-facing socket.
    private let router: ZMQSocket
    /// Where work goes.
    private let dispatcher: any Dispatcher
    /// Validation jobs.
    private let jobs: JobTable
    /// Counters.
    private let stats: ServerStats
    /// Running or draining.
    private let control: ServerControl
    /// The configuration.
    private let config: ServerConfig
    /// The daemon's logger.
    private let logger: Logger
    /// Requests handed to workers, by ticket.
    private var pending: [UInt64: Pending] = [:]
    /// The last ticket given out.
    private var lastTicket: UInt64 = 0

    /// A frontend around a bound `router`; call on the thread that created the sockets.
    init(router: ZMQSocket, dispatcher: any Dispatcher, jobs: JobTable, stats: ServerStats,
         control: ServerControl, config: ServerConfig, logger: Logger) {
        self.router = router
        self.dispatcher = dispatcher
        self.jobs = jobs
        self.stats = stats
        self.control = control
        self.config = config
        self.logger = logger
    }

    /// Serves until shutdown: draining ends when nothing is in flight, or at the grace deadline
    /// (then running jobs are cancelled, waiting fast requests get 503, and after one more second
    /// whatever is still unanswered gets 503 too).
    func run() {
        let items = [ZMQPollItem(router)] + dispatcher.pollSockets.map { ZMQPollItem($0) }
        var graceExpiredAt: ContinuousClock.Instant?
        var gaugesAt = ContinuousClock.now
        while true {
            let ready: [ZMQPollEvents]
            do {
                ready = try ZMQSocket.poll(items, timeoutMs: 20)
            } catch {
                if !error.isTerminated { logger.critical("frontend poll failed", metadata: ["error": "\(error)"]) }
                break
            }
            if ready[0].contains(.readable) { receiveRequests() }
            for index in 1..<ready.count where ready[index].contains(.readable) {
                deliver(dispatcher.readable(index - 1))
            }
            deliver(dispatcher.tick())
            for id in jobs.expire() {
                logger.warning("validation job exceeded its time", metadata: ["job": "\(id)"])
            }
            // Queue depths for the metrics endpoint, at most once a second (the dispatcher lives on this thread).
            if config.metricsPort != nil, gaugesAt.duration(to: .now) > .seconds(1) {
                gaugesAt = .now
                stats.setQueueGauges(Self.queueGauges(dispatcher.statsBody), in_flight: pending.count)
            }

            guard case .draining(let deadline) = control.current else { continue }
            let now = ContinuousClock.now
            let active = jobs.activeCounts
            if pending.isEmpty && active.queued == 0 && active.running == 0 { break }
            if let expiredAt = graceExpiredAt {
                if now >= expiredAt.advanced(by: .seconds(1)) { break }
            } else if now >= deadline {
                graceExpiredAt = now
                logger.notice("grace period over; cancelling in-flight work",
                              metadata: ["pending": "\(pending.count)", "jobs": "\(active.queued + active.running)"])
                jobs.cancelAll(reason: WireError(status: .unavailable, code: "cancelled",
                                                 message: "memqd shut down before the job finished (grace-seconds \(config.graceSeconds))"))
                for ticket in dispatcher.drainQueuedFast() { answer(ticket, error: .shuttingDown) }
            }
        }
        for ticket in pending.keys.sorted() { answer(ticket, error: .shuttingDown) }
    }

    /// `queues.LANE.depth` and `.busy_workers` of the dispatcher's stats body.
    static func queueGauges(_ body: [String: JSONValue]) -> [(lane: String, depth: Int, busy: Int)] {
        guard case .object(let queues)? = body["queues"] else { return [] }
        return queues.keys.sorted().compactMap { lane in
            guard case .object(let q)? = queues[lane], case .int(let depth)? = q["depth"] else { return nil }
            if case .int(let busy)? = q["busy_workers"] { return (lane, depth, busy) }
            return (lane, depth, 0)
        }
    }

    // MARK: Requests

    /// Reads every waiting request (at most 1024 per turn, so replies keep flowing under a flood).
    private func receiveRequests() {
        for _ in 0..<1024 {
            let message: [[UInt8]]
            do {
                guard let received = try router.receiveMultipart(flags: .dontWait) else { return }
                message = received
            } catch {
                if !error.isTerminated { logger.error("frontend receive failed", metadata: ["error": "\(error)"]) }
                return
            }
            handle(message)
        }
    }

    /// Decodes and routes one message.
    private func handle(_ message: [[UInt8]]) {
        let received = ContinuousClock.now
        guard var (envelope, payload) = WireEnvelope.split(message) else { return }
        if payload.first == MDP.clientHeader, !unwrapMDP(&envelope, &payload, received: received) { return }
        let request: WireRequest
        do {
            request = try WireRequest.decode(payload, maxBodyBytes: config.maxMessageBytes)
        } catch {
            logger.info("bad request", metadata: ["request-id": "\(String(decoding: error.requestID, as: UTF8.self))",
                                                  "error": "\(error.error)"])
            send(WireReply(error: error.error, requestID: error.requestID), to: envelope,
                 command: ServerStats.invalidCommand, received: received)
            return
        }
        let requestID = Array(request.requestID.utf8)
        logger.debug("request", metadata: ["request-id": "\(request.requestID)", "command": "\(request.command)"])
        func reply(_ status: WireStatus, _ body: JSONValue) {
            send(WireReply(status: status, requestID: requestID, body: body), to: envelope,
                 command: request.command.rawValue, received: received)
        }
        func fail(_ error: WireError) { reply(error.status, error.body) }

        if request.command.takesWork, control.current != .running {
            fail(.shuttingDown)
            return
        }
        switch request.command.lane {
        case .fast:
            lastTicket += 1
            let task = FastTask(ticket: lastTicket, command: request.command, requestID: request.requestID, body: request.body)
            if let outcome = dispatcher.runInline(task) {
                send(status: outcome.status, requestID: requestID, body: outcome.bodyBytes, to: envelope,
                     command: request.command.rawValue, received: received)
                return
            }
            guard dispatcher.submit(fast: task) else {
                fail(.queueFull("fast", limit: dispatcher.limits.fast))
                return
            }
            pending[lastTicket] = Pending(envelope: envelope, requestID: requestID, command: request.command, received: received)
        case .slow:
            let (id, flag) = jobs.create()
            guard dispatcher.submit(slow: SlowTask(jobID: id, requestID: request.requestID, body: request.body, cancel: flag)) else {
                jobs.remove(id)
                fail(.queueFull("validation", limit: dispatcher.limits.slow))
                return
            }
            logger.info("validation job queued", metadata: ["request-id": "\(request.requestID)", "job": "\(id)"])
            reply(.accepted, .object(["job": .string(id), "state": .string(WireJobState.queued.rawValue)]))
        case .frontend:
            switch answerLocally(request) {
            case .success(let (status, body)): reply(status, body)
            case .failure(let error): fail(error)
            }
        }
    }

    /// An MDP/0.2 client's REQUEST (`"MDPC02" 0x01 service body...`): the body is a MEMQ/1 request, and every
    /// reply goes back as `"MDPC02" 0x03 service` (FINAL) + the MEMQ/1 reply frames, in the framing the client used.
    /// - Returns: false if the message was answered with an error here (not a REQUEST, another service).
    private func unwrapMDP(_ envelope: inout WireEnvelope, _ payload: inout ArraySlice<[UInt8]>,
                           received: ContinuousClock.Instant) -> Bool {
        let frames = Array(payload.prefix(3))
        let service = frames.count >= 3 ? frames[2] : []
        envelope.frames += [MDP.clientHeader, [MDP.ClientCommand.final.rawValue], service]
        func refuse(_ error: WireError) -> Bool {
            logger.info("bad MDP request", metadata: ["error": "\(error)"])
            send(WireReply(error: error, requestID: []), to: envelope, command: ServerStats.invalidCommand, received: received)
            return false
        }
        guard frames.count >= 3 else {
            return refuse(WireError(status: .badRequest, code: "bad_frames", message: "an MDPC02 REQUEST is \"MDPC02\", 0x01, service, then the body (RFC 18); got \(payload.count) frames", field: "frames"))
        }
        guard frames[1] == [MDP.ClientCommand.request.rawValue] else {
            return refuse(WireError(status: .badRequest, code: "bad_command", message: "MDPC02 command \(MDP.describe(frames[1])) is not REQUEST (0x01, RFC 18); a client sends only REQUEST", field: "frame 2 (command)"))
        }
        guard service == Array(config.mdpService.utf8) else {
            return refuse(WireError(status: .notFound, code: "unknown_service", message: "this broker serves MDP service \"\(config.mdpService)\", not \"\(String(decoding: service.prefix(64), as: UTF8.self))\"", field: "frame 3 (service)"))
        }
        payload = payload.dropFirst(3)
        return true
    }

    /// The answer to job, cancel, health or stats.
    private func answerLocally(_ request: WireRequest) -> Result<(WireStatus, JSONValue), WireError> {
        switch request.command {
        case .health:
            let draining = control.current != .running
            return .success((.ok, .object([
                "status": .string(draining ? "draining" : "ok"), "protocol": .string(WireProtocol.version),
                "uptime_s": .double((stats.uptimeSeconds * 1000).rounded() / 1000),
            ])))
        case .stats:
            var body = stats.snapshot()
            for (key, value) in dispatcher.statsBody { body[key] = value }
            let active = jobs.activeCounts
            body["jobs"] = .object(["queued": .int(active.queued), "running": .int(active.running)])
            body["in_flight"] = .int(pending.count)
            body["draining"] = .bool(control.current != .running)
            return .success((.ok, .object(body)))
        case .job, .cancel:
            guard case .string(let id)? = request.body["job"], !id.isEmpty else {
                let got = request.body["job"].map { "got \($0.typeName)" } ?? "it is missing"
                return .failure(.invalidField("job", "\"job\" must be the job id string from a validate reply, e.g. {\"job\": \"v1-abc\"}; \(got)"))
            }
            let record = request.command == .job
                ? jobs.record(id)
                : jobs.cancel(id, reason: WireError(status: .ok, code: "cancelled",
                                                    message: "cancelled by request \(request.requestID)"))
            guard let record else { return .failure(.unknownJob(id)) }
            if request.command == .cancel { logger.info("job cancelled", metadata: ["job": "\(id)", "state": "\(record.state)"]) }
            return .success(record.reply)
        default:
            return .failure(.internalError("command \(request.command) reached the frontend lane"))
        }
    }

    // MARK: Replies

    /// Sends fast replies from the dispatcher.
    private func deliver(_ outcomes: [FastOutcome]) {
        for outcome in outcomes {
            guard let waiting = pending.removeValue(forKey: outcome.ticket) else { continue }
            send(status: outcome.status, requestID: waiting.requestID, body: outcome.bodyBytes,
                 to: waiting.envelope, command: waiting.command.rawValue, received: waiting.received)
        }
    }

    /// Answers a pending request with an error.
    private func answer(_ ticket: UInt64, error: WireError) {
        deliver([FastOutcome(ticket: ticket, status: error.status, body: error.body)])
    }

    /// Sends one reply without blocking, counting it (or its drop) in the stats.
    private func send(_ reply: WireReply, to envelope: WireEnvelope, command: String, received: ContinuousClock.Instant) {
        send(status: reply.status, requestID: reply.requestID, body: reply.body.bytes(), to: envelope,
             command: command, received: received)
    }

    /// Sends one reply whose body is already serialized, without blocking, counting it (or its drop) in the stats.
    private func send(status: WireStatus, requestID: [UInt8], body: [UInt8], to envelope: WireEnvelope, command: String,
                      received: ContinuousClock.Instant) {
        // The reply frames of protocol MEMQ/1: version, status, request id, JSON body.
        let frames = envelope.frames + [Array(WireProtocol.version.utf8), status.frame, requestID, body]
        var delivered = false
        do {
            delivered = try router.send(frames, flags: .dontWait)
        } catch where error.isHostUnreachable {
            delivered = false
        } catch {
            logger.error("frontend send failed",
                         metadata: ["request-id": "\(String(decoding: requestID, as: UTF8.self))", "error": "\(error)"])
        }
        stats.record(command: command, status: status, latency: received.duration(to: .now))
        if !delivered {
            stats.recordDroppedReply()
            logger.notice("reply dropped: the client is gone or not reading",
                          metadata: ["request-id": "\(String(decoding: requestID, as: UTF8.self))", "command": "\(command)",
                                     "status": "\(status.rawValue)"])
        }
    }
}
