/// Where a validation job is in its life, as the `state` field of a `job` reply.
package enum WireJobState: String, Sendable, Hashable, CaseIterable {
    /// Waiting for a slow-pool worker.
    case queued
    /// A worker is running it; `progress` and `phase` say how far.
    case running
    /// Finished; `result` holds the body.
    case done
    /// Failed or exceeded its time; `error` says why.
    case failed
    /// Cancelled by a client or by shutdown.
    case cancelled

    /// Whether the job will not change any more.
    package var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .done, .failed, .cancelled: true
        }
    }
}
