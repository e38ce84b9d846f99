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

    /// Steps a validation may run: the estimate describes the second step and later (optimizer state exists), so
    /// at least 2; at most 100.
    package static let stepsRange = 2...100

    /// Checks a step count against `stepsRange`: `memq validate --steps`, memqd's `steps`, `Validation.run`.
    /// - Throws: `ValidationError.invalidRequest` for field `steps`, saying what is valid.
    package static func check(steps: Int) throws(ValidationError) {
        guard stepsRange.contains(steps) else {
            throw .invalidRequest(field: "steps", message: "must be between \(stepsRange.lowerBound) and \(stepsRange.upperBound) "
                                  + "(the estimate describes the second step and later), got \(steps)")
        }
    }

    /// Parses a tolerance as users type it, `3%` or `0.03` (`Fraction.parse`), and checks it: `memq validate
    /// --tolerance` and memqd's `tolerance`.
    /// - Throws: `ValidationError.invalidRequest` for field `tolerance`, saying what is valid.
    package static func tolerance(parsing text: String) throws(ValidationError) -> Double {
        guard let value = Fraction.parse(text) else {
            throw .invalidRequest(field: "tolerance", message: "'\(text)' is not a fraction; write 3% or 0.03")
        }
        try check(tolerance: value, as: "'\(text)'")
        return value
    }

    /// Checks a tolerance: a fraction above 0 and below 1 (100%).
    /// - Throws: `ValidationError.invalidRequest` for field `tolerance`, saying what is valid.
    package static func check(tolerance: Double) throws(ValidationError) {
        try check(tolerance: tolerance, as: "\(tolerance)")
    }

    private static func check(tolerance: Double, as shown: String) throws(ValidationError) {
        guard tolerance > 0, tolerance < 1 else {
            throw .invalidRequest(field: "tolerance", message: "must be above 0 and below 1 (100%), such as 3% or 0.03, got \(shown)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, spec, batch, optimizer, steps, tolerance, fault
        case timeoutSeconds = "timeout_seconds"
        case marginBytes = "margin_bytes"
    }
}
