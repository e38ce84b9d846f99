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

    /// The broker's ticket for the request.
    let ticket: String
    /// Set by CANCEL.
    let cancel = CancellationFlag()
    /// Shared with the execution thread.
    private let state = Mutex(State())

    /// Starts running `command` with `body` on a new thread.
    init(ticket: String, command: WireCommand, requestID: String, body: JSONValue, handler: any JobHandler,
         limits: ValidationLimits, logger: Logger) {
        self.ticket = ticket
        var log = logger
        log[metadataKey: "request-id"] = "\(requestID)"
        let thread = Thread { [self, log] in
            let result: Result<JSONValue, WireError>
            do throws(WireError) {
                if command == .validate {
                    result = .success(try handler.validate(
                        body: body, limits: limits,
                        progress: { fraction, phase in self.state.withLock { $0.progress = (fraction, phase) } },
                        cancel: cancel, logger: log))
                } else {
                    result = .success(try handler.handle(command: command, body: body, logger: log))
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
