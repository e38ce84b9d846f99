import MemQCore

/// `memq estimate`: the peak memory of one training step and where every byte goes at that moment.
///
/// The JSON contract (docs/memory-model.md): `peak_bytes`, `peak_at` {`node`, `phase`, `event`}, `breakdown`
/// {`weights`, `buffers`, `gradients`, `optimizer_state`, `activations`, `temporary`, `input`, `runtime_overhead`}
/// in bytes at the peak, `params`, `macs`, `method`, `runtime`, `dtype`, `optimizer`, `batch`, `data_parallel` and
/// `zero` (per-device figures over that many devices at that ZeRO stage; 1 and 0 for one device).
public struct EstimateResult: ReportRenderable, Hashable {
    public struct Moment: Codable, Sendable, Hashable {
        public var node: String
        /// `forward`, `backward` or `step`.
        public var phase: String
        /// The kernel after which the peak was sampled.
        public var event: String
    }

    public struct Breakdown: Codable, Sendable, Hashable {
        public var weights: Int
        public var buffers: Int
        public var gradients: Int
        public var optimizerState: Int
        public var activations: Int
        public var temporary: Int
        public var input: Int
        public var runtimeOverhead: Int

        enum CodingKeys: String, CodingKey {
            case weights, buffers, gradients, activations, temporary, input
            case optimizerState = "optimizer_state"
            case runtimeOverhead = "runtime_overhead"
        }

        /// (JSON key, bytes) in the contract's order.
        public var entries: [(key: String, bytes: Int)] {
            [("weights", weights), ("buffers", buffers), ("gradients", gradients), ("optimizer_state", optimizerState),
             ("activations", activations), ("temporary", temporary), ("input", input), ("runtime_overhead", runtimeOverhead)]
        }
    }

    public var model: String
    public var inputShape: [Int]
    public var peakBytes: Int
    public var peakAt: Moment
    public var breakdown: Breakdown
    /// The category holding the most bytes at the peak.
    public var dominant: String
    /// The peak less the input batch (what PyTorch's MemTracker reports).
    public var peakWithoutInputBytes: Int
    /// Of `optimizer_state`, the step's transient scratch.
    public var optimizerScratchBytes: Int
    /// Device memory the caching allocator reserves (pytorch-cuda only).
    public var reservedBytes: Int?
    public var params: SummaryResult.Parameters
    /// Forward multiply-accumulates for the batch.
    public var macs: Int
    public var method: String
    public var runtime: String
    public var dtype: String
    public var optimizer: String
    public var batch: Int
    public var microBatch: Int?
    /// Data-parallel devices the figures are per device of (1: a single device).
    public var dataParallel: Int
    /// The ZeRO stage sharding state over those devices (0: plain replicas).
    public var zero: Int
    /// The sharding applied: `none`, `ddp over N devices`, `zero-K over N devices`, `fsdp2 over N devices, ...`.
    public var sharding: String
    public var gpu: String?
    /// Device memory of the GPU, when one is given.
    public var gpuMemoryBytes: Int?
    /// Whether the peak fits the GPU's memory (when one is given).
    public var fits: Bool?
    /// What the model's builder assumed (the attention kernel and why, the key/value cache); absent when nothing.
    public var assumptions: [String]?
    /// The roofline's step time and throughput on a device (sweep and fit with `speed`); absent otherwise.
    public var speed: StepSpeed?

    enum CodingKeys: String, CodingKey {
        case model, params, macs, method, runtime, dtype, optimizer, batch, gpu, fits, breakdown, dominant, zero, assumptions, sharding
        case speed
        case inputShape = "input_shape"
        case peakBytes = "peak_bytes"
        case peakAt = "peak_at"
        case peakWithoutInputBytes = "peak_without_input_bytes"
        case optimizerScratchBytes = "optimizer_scratch_bytes"
        case reservedBytes = "reserved_bytes"
        case microBatch = "micro_batch"
        case dataParallel = "data_parallel"
        case gpuMemoryBytes = "gpu_memory_bytes"
    }

    /// The result of `estimate` for a model.
    public init(_ e: Estimate, model: String, inputShape: [Int], assumptions: [String] = []) {
        let b = e.breakdown
        self.assumptions = assumptions.isEmpty ? nil : assumptions
        self.model = model
        self.inputShape = inputShape
        peakBytes = e.peakBytes
        peakAt = Moment(node: e.peakAt.node, phase: e.peakAt.phase.rawValue, event: e.peakAt.event)
        breakdown = Breakdown(weights: b.weights, buffers: b.buffers, gradients: b.gradients, optimizerState: b.optimizerState,
                              activations: b.activations, temporary: b.temporary, input: b.input,
                              runtimeOverhead: b.runtimeOverhead)
        dominant = b.dominant
        peakWithoutInputBytes = e.peakWithoutInput
        optimizerScratchBytes = e.optimizerScratch
        reservedBytes = e.reservedBytes
        params = SummaryResult.Parameters(total: e.params.total, trainable: e.params.trainable, frozen: e.params.frozen,
                                          buffers: e.params.buffers, counters: e.params.counters)
        macs = e.macs
        method = e.method.rawValue
        runtime = e.config.runtime.rawValue
        dtype = e.config.dtype.rawValue
        optimizer = e.config.optimizer.rawValue
        batch = e.config.batch
        microBatch = e.config.microBatch
        dataParallel = e.config.dataParallel
        zero = e.config.zeroStage
        sharding = e.config.shardingDescription
        gpu = e.config.gpu?.name
        gpuMemoryBytes = e.config.gpu?.memoryBytes
        fits = e.config.gpu.map { e.peakBytes <= $0.memoryBytes }
    }
}

extension EstimateResult {
    /// The compact JSON text of the `Encodable` encoding (absent optionals left out), written directly with the keys
    /// in sorted order: the daemon's reply body, without building a `JSONValue` through `JSONValueEncoder` (about
    /// ten microseconds, most of a warm request's work). The tests compare the two encodings byte for byte.
    public func jsonBytes() -> [UInt8] {
        if speed != nil { return Array(ResultJSON.value(self).serialized()) }   // sweep/fit rows: not the fast path
        var w = JSONBytesWriter()
        w.beginObject()
        if let assumptions { w.key("assumptions"); w.strings(assumptions) }
        w.key("batch"); w.int(batch)
        w.key("breakdown"); w.beginObject()
        w.intMembers([("activations", breakdown.activations), ("buffers", breakdown.buffers),
                      ("gradients", breakdown.gradients), ("input", breakdown.input),
                      ("optimizer_state", breakdown.optimizerState), ("runtime_overhead", breakdown.runtimeOverhead),
                      ("temporary", breakdown.temporary), ("weights", breakdown.weights)])
        w.endObject()
        w.key("data_parallel"); w.int(dataParallel)
        w.key("dominant"); w.string(dominant)
        w.key("dtype"); w.string(dtype)
        if let fits { w.key("fits"); w.bool(fits) }
        if let gpu { w.key("gpu"); w.string(gpu) }
        if let gpuMemoryBytes { w.key("gpu_memory_bytes"); w.int(gpuMemoryBytes) }
        w.key("input_shape"); w.ints(inputShape)
        w.key("macs"); w.int(macs)
        w.key("method"); w.string(method)
        if let microBatch { w.key("micro_batch"); w.int(microBatch) }
        w.key("model"); w.string(model)
        w.key("optimizer"); w.string(optimizer)
        w.key("optimizer_scratch_bytes"); w.int(optimizerScratchBytes)
        w.key("params"); w.beginObject()
        w.intMembers([("buffers", params.buffers), ("counters", params.counters), ("frozen", params.frozen),
                      ("total", params.total), ("trainable", params.trainable)])
        w.endObject()
        w.key("peak_at"); w.beginObject()
        w.key("event"); w.string(peakAt.event)
        w.key("node"); w.string(peakAt.node)
        w.key("phase"); w.string(peakAt.phase)
        w.endObject()
        w.key("peak_bytes"); w.int(peakBytes)
        w.key("peak_without_input_bytes"); w.int(peakWithoutInputBytes)
        if let reservedBytes { w.key("reserved_bytes"); w.int(reservedBytes) }
        w.key("runtime"); w.string(runtime)
        w.key("sharding"); w.string(sharding)
        w.key("zero"); w.int(zero)
        w.endObject()
        return w.bytes
    }
}

/// What a batch buys in time: the roofline estimate of one training step (`LatencyEstimate`) on a device.
public struct StepSpeed: Codable, Sendable, Hashable {
    public var device: String
    /// Forward, backward and optimizer step, seconds.
    public var stepSeconds: Double
    /// Training samples per second (batch / step time).
    public var samplesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case device
        case stepSeconds = "step_seconds"
        case samplesPerSecond = "samples_per_second"
    }

    public init(_ latency: LatencyEstimate) {
        device = latency.device
        stepSeconds = latency.seconds
        samplesPerSecond = latency.trainSamplesPerSecond ?? Double(latency.batch) / latency.seconds
    }

    /// `12.3 ms`, `1.20 s`.
    public var stepText: String { LatencyText.time(stepSeconds) }
    public var samplesText: String { LatencyText.rate(samplesPerSecond) }
}
