import MemQCore
import MemQWire

extension JobTable.Record {
    /// The reply to `job` (and `cancel`) for this job: its status and body.
    ///
    /// queued, running, done and cancelled answer 200; failed answers with the failure's status
    /// (408 for a timeout, 400/404 for a request the handler refused, 500 for an engine fault).
    package var reply: (status: WireStatus, body: JSONValue) {
        var body: [String: JSONValue] = [
            "job": .string(id), "state": .string(state.rawValue),
            "progress": .double((progress * 1000).rounded() / 1000), "phase": .string(phase),
        ]
        let end = finished ?? .now
        if let started {
            let elapsed = started.duration(to: end).components
            body["elapsed_s"] = .double(((Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * 1000).rounded() / 1000)
        }
        if let result { body["result"] = result }
        if let error { body["error"] = error.errorObject }
        let status: WireStatus = state == .failed ? (error?.status ?? .internalError) : .ok
        return (status, .object(body))
    }
}
