// The outcome of a validation: the estimate beside the measurement, phase by phase and category by category.

/// Estimate (runtime `native`) and measurement of one training step's peak memory, and whether they agree.
package struct ValidationResult: Codable, Sendable, Hashable {
    /// The estimator's figures for the step.
    package struct EstimateFigures: Codable, Sendable, Hashable {
        /// Peak bytes of a steady-state step (the second: optimizer state exists), input batch included.
        package var peakBytes: Int
        /// Phase (forward, backward, step), node and kernel of the peak.
        package var peakPhase: String
        package var peakNode: String
        package var peakEvent: String
        /// Bytes per category at the peak (weights, buffers, gradients, optimizer_state, activations, temporary,
        /// input, runtime_overhead).
        package var breakdown: [String: Int]

        enum CodingKeys: String, CodingKey {
            case breakdown
            case peakBytes = "peak_bytes"
            case peakPhase = "peak_phase"
            case peakNode = "peak_node"
            case peakEvent = "peak_event"
        }
    }

    /// One phase of the run, measured on its own (the kernel's peak and the allocator's peaks reset before it).
    package struct Phase: Codable, Sendable, Hashable {
        /// 0 for building the model, then 1, 2, ...
        package var step: Int
        /// "build", "forward", "backward" or "step".
        package var phase: String
        /// Peak resident set during the phase less the baseline.
        package var peakRSSDeltaBytes: Int
        /// Peak of the engine allocator's live bytes during the phase, all categories together.
        package var allocatorPeakBytes: Int
        /// Peak of each category's live bytes during the phase.
        package var allocatorPeaks: [String: Int]
        package var seconds: Double
        /// The loss computed in a forward phase.
        package var loss: Double?

        enum CodingKeys: String, CodingKey {
            case step, phase, seconds, loss
            case peakRSSDeltaBytes = "peak_rss_delta_bytes"
            case allocatorPeakBytes = "allocator_peak_bytes"
            case allocatorPeaks = "allocator_peaks"
        }
    }

    /// What the child measured.
    package struct Measured: Codable, Sendable, Hashable {
        /// Resident set after the child's warm-up, before the model exists.
        package var baselineRSSBytes: Int
        /// What the warm-up (OpenBLAS's packing buffers, Dispatch's threads, the runtime's first use) added to the
        /// resident set; part of the baseline, not of the step.
        package var warmUpBytes: Int
        /// Highest resident set of the run, and it less the baseline: the figure compared with the estimate.
        package var peakRSSBytes: Int
        package var peakRSSDeltaBytes: Int
        /// Highest live total of the engine allocator, and each category's highest live bytes over the run.
        package var allocatorPeakBytes: Int
        package var allocatorPeaks: [String: Int]
        package var phases: [Phase]

        enum CodingKeys: String, CodingKey {
            case phases
            case baselineRSSBytes = "baseline_rss_bytes"
            case warmUpBytes = "warm_up_bytes"
            case peakRSSBytes = "peak_rss_bytes"
            case peakRSSDeltaBytes = "peak_rss_delta_bytes"
            case allocatorPeakBytes = "allocator_peak_bytes"
            case allocatorPeaks = "allocator_peaks"
        }
    }

    package var model: String
    package var input: String
    package var batch: Int
    package var optimizer: String
    package var steps: Int
    package var runtime: String
    package var estimate: EstimateFigures
    /// Nil when the child failed.
    package var measured: Measured?
    /// (estimate - measured) / measured of the peak; nil when the child failed.
    package var error: Double?
    package var tolerance: Double
    /// Whether the child finished and |error| <= tolerance.
    package var pass: Bool
    /// Why the validation failed without a measurement (crash, kill, timeout), else nil.
    package var failure: String?
    package var seconds: Double

    enum CodingKeys: String, CodingKey {
        case model, input, batch, optimizer, steps, runtime, estimate, measured, error, tolerance, pass, failure, seconds
    }
}
