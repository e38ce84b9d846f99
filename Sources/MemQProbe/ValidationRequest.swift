// What to validate: a model, a batch, an optimizer, and the run's limits.
import MemQCore

/// A validation job: train `spec` natively for `steps` steps at `batch` with `optimizer`, compare the measured peak
/// resident memory with the `native` estimate. Codable so the daemon can carry it and the child can read it.
package struct ValidationRequest: Codable, Sendable, Hashable {
    /// The model's display name (a zoo name or a file name).
    package var model: String
    /// The graph as a JSON model spec (docs/model-spec.md), with any `--input` override already applied.
    package var spec: JSONValue
    /// Samples per step.
    package var batch: Int
    /// An optimizer name (`Optimizer.validNames`).
    package var optimizer: String
    /// Training steps to run; the estimate describes the second and later (optimizer state exists).
    package var steps: Int
    /// Largest accepted |estimate - measured| / measured (0.03 for 3%).
    package var tolerance: Double
    /// The child is killed after this many seconds.
    package var timeoutSeconds: Double
    /// Bytes kept free: a run whose estimate exceeds MemAvailable less this margin is refused.
    package var marginBytes: Int
    /// Hidden test option: make the child fail instead of training.
    package var fault: ChildFault?

    /// A request for `graph`, with the defaults of `memq validate`.
    package init(model: String, graph: Graph, batch: Int, optimizer: MemQCore.Optimizer, steps: Int = 3,
                 tolerance: Double = 0.03, timeoutSeconds: Double = 600, marginBytes: Int = 512 << 20,
                 fault: ChildFault? = nil) {
        self.model = model
        self.spec = ModelSpec.json(for: graph)
        self.batch = batch
        self.optimizer = optimizer.rawValue
        self.steps = steps
        self.tolerance = tolerance
        self.timeoutSeconds = timeoutSeconds
        self.marginBytes = marginBytes
        self.fault = fault
    }

    enum CodingKeys: String, CodingKey {
        case model, spec, batch, optimizer, steps, tolerance, fault
        case timeoutSeconds = "timeout_seconds"
        case marginBytes = "margin_bytes"
    }
}
