import Foundation
import MemQCore
import MemQProbe
import MemQReport
import MemQWire

extension MemQService {
    /// Limits a daemon puts on validation jobs.
    package struct ValidationLimits: Sendable {
        package var maxEstimatedBytes: Int
        package var maxSeconds: Double
        package init(maxEstimatedBytes: Int, maxSeconds: Double) {
            self.maxEstimatedBytes = maxEstimatedBytes; self.maxSeconds = maxSeconds
        }
    }

    /// Runs `validate` (a real training step in a child process against the `native` estimate): the body takes
    /// `model`, `input`, `batch`, `optimizer`, `steps`, `tolerance` (e.g. "3%") and `timeout` (seconds).
    /// - Parameters:
    ///   - launcher: how to start the child (memqd: the `memq` binary beside it).
    ///   - progress: the fraction done and the phase, as the child reports them.
    ///   - isCancelled: polled while the child runs; once true the child is killed.
    package func validate(_ body: JSONValue, limits: ValidationLimits, launcher: ProbeLauncher,
                          progress: @escaping (Double, String) -> Void, isCancelled: @escaping () -> Bool) throws(WireError) -> JSONValue {
        var r = try RequestReader(body)
        let model = try TrainingRequest.readModel(&r)
        let batch = try r.int("batch") ?? 1
        guard batch >= 1 else { throw .invalidField("batch", "batch must be a positive integer, got \(batch)") }
        let optimizer = try TrainingRequest.parseOptimizer(try r.string("optimizer") ?? "sgd")
        let steps = try r.int("steps") ?? 3
        do { try ValidationRequest.check(steps: steps) } catch { throw .invalidField("steps", error.description) }
        var tolerance = 0.03
        if let t = try r.string("tolerance") {
            do { tolerance = try ValidationRequest.tolerance(parsing: t) } catch { throw .invalidField("tolerance", error.description) }
        }
        let timeout = Double(try r.int("timeout") ?? Int(limits.maxSeconds))
        guard timeout > 0 else { throw .invalidField("timeout", "timeout must be a positive number of seconds") }
        try r.finish(command: "validate")

        let analysis = try analyze(TrainingRequest(model: model, config: TrainingConfig(batch: batch), method: .timeline, freeze: []))
        let config = TrainingConfig(batch: batch, optimizer: optimizer, runtime: .native)
        let estimate = try run { () throws(EstimateError) in try Estimator.estimate(analysis, config) }
        guard estimate.peakBytes <= limits.maxEstimatedBytes else {
            throw .invalidField("batch", "the step is estimated at \(ByteFormat.binary(estimate.peakBytes)); this daemon validates at most \(ByteFormat.binary(limits.maxEstimatedBytes)): use a smaller batch or input")
        }
        let request = ValidationRequest(model: analysis.graph.name, graph: analysis.graph, batch: batch, optimizer: optimizer,
                                        steps: steps, tolerance: tolerance, timeoutSeconds: min(timeout, limits.maxSeconds))
        do {
            let result = try Validation.run(request, launcher: launcher, progress: progress, isCancelled: isCancelled)
            return ResultJSON.value(result)
        } catch {
            switch error {
            case .cancelled:
                throw WireError(status: .timeout, code: "cancelled", message: error.description)
            case .invalidRequest(let field, _):
                throw .invalidField(field, error.description)
            case .unsupported, .insufficientMemory:
                throw .invalidField("model", error.description)
            case .system:
                throw WireError(status: .internalError, code: "probe_failed", message: error.description)
            }
        }
    }
}
