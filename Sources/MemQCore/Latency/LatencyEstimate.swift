/// Which part of the training step a cost belongs to.
public enum LatencyPhase: String, Sendable, Hashable, Codable {
    case forward, backward, optimizer
}

/// The roofline ceiling a kernel hits: its FLOPs over the compute peak, or its bytes over the bandwidth.
public enum LatencyBound: String, Sendable, Hashable, Codable {
    case compute, memory
    /// No kernel runs (views, graph inputs).
    case none
}

/// The estimated time of one layer in one phase: `max(flops / (peak x compute), bytes / (bandwidth x memory))`
/// plus `kernels x launch overhead`.
public struct LayerLatency: Sendable, Hashable, Codable {
    public var name: String
    public var op: String
    public var phase: LatencyPhase
    /// Floating-point operations (2 x MACs for convolutions, linear layers and matrix products).
    public var flops: Double
    /// Bytes read and written from device memory.
    public var bytes: Double
    /// Kernels launched.
    public var kernels: Int
    /// The dtype key whose peak applies (`fp32`, `tf32`, `bf16`, ...).
    public var peakKey: String
    public var computeSeconds: Double
    public var memorySeconds: Double
    public var launchSeconds: Double
    /// Making the fresh tensors resident (the native engine's allocator; 0 on GPUs).
    public var allocationSeconds: Double
    public var seconds: Double
    public var bound: LatencyBound

    /// FLOPs per byte moved (nil when nothing moves).
    public var arithmeticIntensity: Double? { bytes > 0 ? flops / bytes : nil }

    enum CodingKeys: String, CodingKey {
        case name, op, phase, flops, bytes, kernels, seconds, bound
        case peakKey = "peak_key"
        case computeSeconds = "compute_seconds"
        case memorySeconds = "memory_seconds"
        case launchSeconds = "launch_seconds"
        case allocationSeconds = "allocation_seconds"
        case arithmeticIntensity = "arithmetic_intensity"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(op, forKey: .op); try c.encode(phase, forKey: .phase)
        try c.encode(flops, forKey: .flops); try c.encode(bytes, forKey: .bytes); try c.encode(kernels, forKey: .kernels)
        try c.encode(peakKey, forKey: .peakKey)
        try c.encode(computeSeconds, forKey: .computeSeconds); try c.encode(memorySeconds, forKey: .memorySeconds)
        try c.encode(launchSeconds, forKey: .launchSeconds); try c.encode(allocationSeconds, forKey: .allocationSeconds)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(bound, forKey: .bound); try c.encode(arithmeticIntensity, forKey: .arithmeticIntensity)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name); op = try c.decode(String.self, forKey: .op)
        phase = try c.decode(LatencyPhase.self, forKey: .phase); flops = try c.decode(Double.self, forKey: .flops)
        bytes = try c.decode(Double.self, forKey: .bytes); kernels = try c.decode(Int.self, forKey: .kernels)
        peakKey = try c.decode(String.self, forKey: .peakKey)
        computeSeconds = try c.decode(Double.self, forKey: .computeSeconds)
        memorySeconds = try c.decode(Double.self, forKey: .memorySeconds)
        launchSeconds = try c.decode(Double.self, forKey: .launchSeconds)
        allocationSeconds = try c.decode(Double.self, forKey: .allocationSeconds)
        seconds = try c.decode(Double.self, forKey: .seconds); bound = try c.decode(LatencyBound.self, forKey: .bound)
    }

    init(name: String, op: String, phase: LatencyPhase, cost: KernelCost, peakKey: String, peakFLOPS: Double,
         bandwidth: Double, efficiency: LatencyEfficiency, allocation: LatencyAllocation?) {
        self.name = name; self.op = op; self.phase = phase
        flops = cost.flops; bytes = cost.bytes; kernels = cost.kernels; self.peakKey = peakKey
        let factor = switch cost.kind {
        case .product: efficiency.compute
        case .direct: efficiency.direct
        case .pooling: efficiency.pooling
        }
        computeSeconds = cost.kernels == 0 ? 0 : cost.flops / (peakFLOPS * factor)
        memorySeconds = cost.kernels == 0 ? 0 : cost.bytes / (bandwidth * efficiency.memory)
        launchSeconds = (Double(cost.kernels) * efficiency.launchOverheadMicroseconds
            + Double(cost.parallelKernels) * efficiency.dispatchMicroseconds) * 1e-6
        allocationSeconds = allocation.map { a in cost.fresh.reduce(0) { $0 + a.seconds(bytes: $1) } } ?? 0
        seconds = max(computeSeconds, memorySeconds) + launchSeconds + allocationSeconds
        bound = cost.kernels == 0 ? .none : computeSeconds >= memorySeconds ? .compute : .memory
    }
}

/// FLOPs, bytes and kernel launches of one layer in one phase (before the device turns them into time).
struct KernelCost: Sendable, Hashable {
    var flops: Double = 0
    var bytes: Double = 0
    var kernels: Int = 0
    /// Sizes of the fresh tensors the kernels allocate (what the native engine pays to make resident).
    var fresh: [Double] = []
    /// Which efficiency the kernel's FLOPs run at.
    var kind = KernelKind.product
    /// Of `kernels`, those that split over the cores (the native engine's Dispatch hand-off).
    var parallelKernels = 0

    static let none = KernelCost()

    static func + (a: KernelCost, b: KernelCost) -> KernelCost {
        KernelCost(flops: a.flops + b.flops, bytes: a.bytes + b.bytes, kernels: a.kernels + b.kernels,
                   fresh: a.fresh + b.fresh, kind: a.kind == .product ? b.kind : a.kind,
                   parallelKernels: a.parallelKernels + b.parallelKernels)
    }
}

/// The class of a kernel's arithmetic, each with its own compute efficiency.
enum KernelKind: Sendable, Hashable {
    /// GEMMs and element-wise ops: `compute`.
    case product
    /// Depthwise convolutions: `direct`.
    case direct
    /// Pooling windows: `pooling`.
    case pooling
}

/// The roofline estimate of a forward pass (and with `train`, a whole training step) on one device.
public struct LatencyEstimate: Sendable, Hashable, Codable {
    public var model: String
    public var device: String
    public var dtype: String
    public var batch: Int
    public var train: Bool
    public var optimizer: String?
    public var efficiency: LatencyEfficiency
    /// Peak FLOP/s of the key most of the FLOPs ran at, and the bandwidth: the ridge point is their ratio.
    public var ridgeFLOPsPerByte: Double
    /// Forward layers in graph order, then (train) backward layers in reverse order, then the optimizer step.
    public var layers: [LayerLatency]

    public var forwardSeconds: Double { total(.forward) }
    public var backwardSeconds: Double { total(.backward) }
    public var optimizerSeconds: Double { total(.optimizer) }
    /// The whole step when `train`, else the forward.
    public var seconds: Double { layers.reduce(0) { $0 + $1.seconds } }
    /// Forward images (samples) per second: batch / forward latency.
    public var forwardFPS: Double { Double(batch) / forwardSeconds }
    /// Training samples per second: batch / step time (nil without `train`).
    public var trainSamplesPerSecond: Double? { train ? Double(batch) / seconds : nil }

    /// Forward layers that launch a kernel, by the ceiling they hit.
    public func count(_ bound: LatencyBound, phase: LatencyPhase = .forward) -> Int {
        layers.filter { $0.phase == phase && $0.bound == bound }.count
    }

    func total(_ phase: LatencyPhase) -> Double {
        layers.lazy.filter { $0.phase == phase }.reduce(0) { $0 + $1.seconds }
    }

    enum CodingKeys: String, CodingKey {
        case model, device, dtype, batch, train, optimizer, efficiency, layers
        case ridgeFLOPsPerByte = "ridge_flops_per_byte"
        case forwardSeconds = "forward_seconds", backwardSeconds = "backward_seconds"
        case optimizerSeconds = "optimizer_seconds", seconds = "step_seconds"
        case forwardFPS = "forward_fps", trainSamplesPerSecond = "train_samples_per_second"
        case computeBound = "forward_compute_bound_layers", memoryBound = "forward_memory_bound_layers"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(device, forKey: .device); try c.encode(dtype, forKey: .dtype)
        try c.encode(batch, forKey: .batch); try c.encode(train, forKey: .train)
        try c.encodeIfPresent(optimizer, forKey: .optimizer); try c.encode(efficiency, forKey: .efficiency)
        try c.encode(ridgeFLOPsPerByte, forKey: .ridgeFLOPsPerByte)
        try c.encode(forwardSeconds, forKey: .forwardSeconds); try c.encode(forwardFPS, forKey: .forwardFPS)
        if train {
            try c.encode(backwardSeconds, forKey: .backwardSeconds)
            try c.encode(optimizerSeconds, forKey: .optimizerSeconds); try c.encode(seconds, forKey: .seconds)
            try c.encodeIfPresent(trainSamplesPerSecond, forKey: .trainSamplesPerSecond)
        }
        try c.encode(count(.compute), forKey: .computeBound); try c.encode(count(.memory), forKey: .memoryBound)
        try c.encode(layers, forKey: .layers)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model); device = try c.decode(String.self, forKey: .device)
        dtype = try c.decode(String.self, forKey: .dtype); batch = try c.decode(Int.self, forKey: .batch)
        train = try c.decode(Bool.self, forKey: .train)
        optimizer = try c.decodeIfPresent(String.self, forKey: .optimizer)
        efficiency = try c.decode(LatencyEfficiency.self, forKey: .efficiency)
        ridgeFLOPsPerByte = try c.decode(Double.self, forKey: .ridgeFLOPsPerByte)
        layers = try c.decode([LayerLatency].self, forKey: .layers)
    }

    init(model: String, device: String, dtype: String, batch: Int, train: Bool, optimizer: String?,
         efficiency: LatencyEfficiency, ridge: Double, layers: [LayerLatency]) {
        self.model = model; self.device = device; self.dtype = dtype; self.batch = batch; self.train = train
        self.optimizer = optimizer; self.efficiency = efficiency; ridgeFLOPsPerByte = ridge; self.layers = layers
    }
}
