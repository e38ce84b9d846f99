/// The commands of protocol MEMQ/1 (frame 2 of a request).
package enum WireCommand: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Peak memory of one training step (body as `memq estimate --json`).
    case estimate
    /// Peak memory over a range of batch sizes.
    case sweep
    /// The largest batch that fits a memory budget.
    case fit
    /// Parameters, FLOPs and memory-access cost per layer.
    case summary
    /// The built-in model names.
    case models
    /// Per GPU type: fits, largest batch, peak and upper bound, cheapest type (for schedulers).
    case plan
    /// One job's GPU request in HAMi, Volcano, KAI, Aliyun gpushare and Slurm terms.
    case resources
    /// Scheduler queries: peak against batch, gradient accumulation, sharding, two jobs on one GPU, assumptions,
    /// measured peaks.
    case curve, accumulate, shard, colocate, explain, observe
    /// The roofline estimate of a forward pass or a training step on a device, per layer.
    case latency
    /// Many fast queries in one request, answered in one reply (autoscaler simulations).
    case batch
    /// One self-contained HTML page about a training step's memory (`{"html": ...}`).
    case report
    /// Runs a real training step and compares it with the estimate; answers 202 with a job id.
    case validate
    /// The state of a validation job.
    case job
    /// Cancels a validation job.
    case cancel
    /// Liveness: answered by the frontend thread itself.
    case health
    /// Counters, queue depths and latency percentiles.
    case stats

    /// How the daemon runs a command.
    package enum Lane: Sendable, Hashable {
        /// Computed by a fast-pool worker: estimate, sweep, fit, summary, models.
        case fast
        /// Queued as a job for the slow pool: validate.
        case slow
        /// Answered at once by the frontend thread: job, cancel, health, stats.
        case frontend
    }

    /// Which lane the command takes.
    package var lane: Lane {
        switch self {
        case .estimate, .sweep, .fit, .summary, .models, .report, .plan, .batch, .resources, .curve, .accumulate, .shard,
             .colocate, .explain, .observe, .latency: .fast
        case .validate: .slow
        case .job, .cancel, .health, .stats: .frontend
        }
    }

    /// Whether the command asks for work, and so is refused (503) while the daemon drains.
    package var takesWork: Bool { lane != .frontend }

    /// The command's name on the wire.
    package var description: String { rawValue }
}
