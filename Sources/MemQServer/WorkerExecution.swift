import Foundation
import Logging
import MemQCore
import MemQWire
import Synchronization

/// One request a ``WorkerAgent`` runs on its own thread, so the agent's socket thread keeps
/// heartbeating while the handler works.
final class WorkerExecution: Sendable {
    /// What the socket thread picks up.
    private struct State {
        /// The answer, once the handler returned.
        var outcome: (status: WireStatus, body: JSONValue)?
        /// The latest progress not yet sent.
        var progress: (fraction: Double, phase: String)?
    }

    /// The MDP client address of the request (the broker's envelope), echoed in PARTIAL and FINAL.
    let client: [UInt8]
    /// The request, as its MEMQ/1 frames said.
    let request: WireRequest
    /// Set when the broker says DISCONNECT mid-request.
    let cancel = CancellationFlag()
    /// Shared with the execution thread.
    private let state = Mutex(State())

    /// Starts running `request` on a new thread.
    init(client: [UInt8], request: WireRequest, handler: any JobHandler, limits: ValidationLimits, logger: Logger) {
        self.client = client
        self.request = request
        var log = logger
        log[metadataKey: "request-id"] = "\(request.requestID)"
        let thread = Thread { [self, log] in
            let result: Result<JSONValue, WireError>
            do throws(WireError) {
                switch request.command {
                case .validate:
                    result = .success(try handler.validate(
                        body: request.body, limits: limits,
                        progress: { fraction, phase in self.state.withLock { $0.progress = (fraction, phase) } },
                        cancel: cancel, logger: log))
                case .health:
                    result = .success(.object(["status": "ok", "protocol": .string(WireProtocol.version), "role": "worker"]))
                case .job, .cancel:
                    // Behind a broker a validation answers when it is done (with PARTIAL progress); no job to ask about.
                    throw WireError(status: .badRequest, code: "no_jobs_on_workers",
                                    message: "\(request.command.rawValue) is for memqd's own frontend; through an MDP broker, validate answers when the job is done", field: "command")
                default:
                    result = .success(try handler.handle(command: request.command, body: request.body, logger: log))
                }
            } catch {
                result = .failure(error)
            }
            let outcome: (WireStatus, JSONValue)
            switch result {
            case .success(let body): outcome = (.ok, body)
            case .failure(let error): outcome = (error.status, error.body)
            }
            state.withLock { $0.outcome = outcome }
        }
        thread.name = "memqd.worker.exec"
        thread.start()
    }

    /// The answer, once ready.
    var outcome: (status: WireStatus, body: JSONValue)? { state.withLock { $0.outcome } }

    /// The progress reported since the last call, if any.
    func takeProgress() -> (fraction: Double, phase: String)? {
        state.withLock { state in
            defer { state.progress = nil }
            return state.progress
        }
    }
}
