import MemQCore
import MemQTransport

/// Where the frontend sends work: local worker pools, or remote workers behind a broker backend.
///
/// Lives on the frontend thread and is used only there; the sockets it exposes are polled
/// together with the frontend ROUTER.
protocol Dispatcher: AnyObject {
    /// Sockets the frontend polls for the dispatcher; ``readable(_:)`` handles them.
    var pollSockets: [ZMQSocket] { get }
    /// Queues a fast command. - Returns: `false` if the fast queue is full.
    func submit(fast task: FastTask) -> Bool
    /// Runs a quick fast command on the calling (frontend) thread when inline answers are on.
    /// - Returns: the reply, or `nil` when the task should be submitted instead.
    func runInline(_ task: FastTask) -> FastOutcome?
    /// Queues a validation job. - Returns: `false` if the slow queue is full.
    func submit(slow task: SlowTask) -> Bool
    /// Handles the readable socket at `index` of ``pollSockets``. - Returns: fast replies to deliver.
    func readable(_ index: Int) -> [FastOutcome]
    /// Periodic work (heartbeats, dead workers). - Returns: fast replies to deliver.
    func tick() -> [FastOutcome]
    /// Removes the fast tasks still waiting (at the end of the grace period). - Returns: their tickets.
    func drainQueuedFast() -> [UInt64]
    /// The fast and slow queue limits, for 429 messages.
    var limits: (fast: Int, slow: Int) { get }
    /// Queue depths and worker counts for `stats`.
    var statsBody: [String: JSONValue] { get }
    /// Stops the workers and closes the sockets. - Returns: whether every worker thread ended.
    func close() -> Bool
}
