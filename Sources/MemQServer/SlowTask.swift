import MemQCore

/// A validation job handed from the frontend to a slow worker.
package struct SlowTask: Sendable {
    /// The job id in the ``JobTable``.
    package let jobID: String
    /// The client's request id, for logs.
    package let requestID: String
    /// The request body.
    package let body: JSONValue
    /// The job's cancellation flag.
    package let cancel: CancellationFlag
}
