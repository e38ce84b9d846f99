/// Turns a model's per-layer FLOPs and bytes into time on one device: the roofline model of the design notes'
/// first article (FLOPs are not latency; a layer is bound by compute or by memory bandwidth, whichever takes longer).
///
/// Per layer and phase: `time = max(flops / (peak[dtype] x compute), bytes / (bandwidth x memory)) +
/// kernels x launch overhead`. The FLOPs and bytes of each op are in `Roofline+Costs.swift`, each rule beside its
/// source. The forward latency gives FPS = batch / latency; `train` adds the backward (each op's gradient kernels with
/// their own FLOPs and bytes) and the optimizer step (the memory-bound pass over parameters, gradients and state).
public struct Roofline: Sendable {
    public var device: LatencyDevice
    public var efficiency: LatencyEfficiency
    /// Whether float32 matrix products may use TF32 tensor cores: PyTorch's `torch.backends.cuda.matmul.allow_tf32`
    /// (default false since 1.12). Convolutions follow `torch.backends.cudnn.allow_tf32`, default true
    /// (torch/backends/cudnn/__init__.py), so fp32 convolutions run at the tf32 peak where the part has one.
    public var allowTF32Matmul: Bool

    public init(device: LatencyDevice, efficiency: LatencyEfficiency? = nil, allowTF32Matmul: Bool = false) {
        self.device = device
        self.efficiency = efficiency ?? device.efficiency
        self.allowTF32Matmul = allowTF32Matmul
    }

    /// The estimate for `batch` samples of `analysis` in `dtype`; with `train`, the backward and `optimizer`'s step.
    public func estimate(_ analysis: ModelAnalysis, batch: Int, dtype: DTypePolicy = .fp32, train: Bool = false,
                         optimizer: Optimizer = .sgd, optimizerImpl: OptimizerImpl = .auto) -> LatencyEstimate {
        let compute = dtype.activations
        let costs = RooflineCosts(analysis: analysis, batch: batch, dtype: compute, parameterType: dtype.parameters,
                                  nativeEngine: device.isCPU)
        var rows: [LayerLatency] = []
        for (i, layer) in analysis.layers.enumerated() {
            rows.append(row(layer, phase: .forward, cost: costs.parallel(costs.forward(i), node: i), dtype: compute))
        }
        if train {
            for i in analysis.layers.indices.reversed() {
                let cost = costs.parallel(costs.backward(i), node: i)
                if cost.kernels > 0 { rows.append(row(analysis.layers[i], phase: .backward, cost: cost, dtype: compute)) }
            }
            let impl: OptimizerImpl = optimizerImpl == .auto ? (device.isCPU || !optimizer.hasForeach ? .forLoop : .foreach)
                : optimizerImpl
            let step = costs.optimizerStep(optimizer, impl: impl, stateType: dtype.optimizerState, nativeEngine: device.isCPU)
            rows.append(LayerLatency(name: "optimizer.step", op: optimizer.rawValue, phase: .optimizer, cost: step,
                                     peakKey: "fp32", peakFLOPS: peakFLOPS("fp32"), bandwidth: bandwidth,
                                     efficiency: efficiency, allocation: device.allocation))
        }
        let key = productKey(dtype: compute, convolution: true)
        return LatencyEstimate(model: analysis.graph.name, device: device.name, dtype: dtype.rawValue, batch: batch,
                               train: train, optimizer: train ? optimizer.rawValue : nil, efficiency: efficiency,
                               ridge: peakFLOPS(key) / bandwidth, layers: rows)
    }

    /// Bytes per second the device moves.
    var bandwidth: Double { device.memoryBandwidthGBps * 1e9 }

    /// FLOP/s of a dtype key; a key the part lacks runs at the fp32 rate (devices.json's comment).
    public func peakFLOPS(_ key: String) -> Double {
        (device.peakTFLOPS[key] ?? device.peakTFLOPS["fp32"] ?? 0) * 1e12
    }

    /// The peak an op's kernels run at: matrix products (convolutions, linear layers, matmul, attention) on tensor
    /// cores in half precision, convolutions in TF32 and matmuls in fp32 unless `allowTF32Matmul`; every other op on
    /// the CUDA cores at the fp32 rate. A CPU has one rate.
    func peakKey(for op: Op, dtype: DType) -> String {
        switch op {
        case .conv2d: productKey(dtype: dtype, convolution: true)
        case .linear, .matmul, .attention, .sdpa: productKey(dtype: dtype, convolution: false)
        default: "fp32"
        }
    }

    /// The peak key of a matrix product in `dtype` (a convolution when `convolution`).
    func productKey(dtype: DType, convolution: Bool) -> String {
        guard !device.isCPU else { return "fp32" }
        switch dtype {
        case .float16: return "fp16"
        case .bfloat16: return "bf16"
        case .float32: return convolution || allowTF32Matmul ? (device.peakTFLOPS["tf32"] != nil ? "tf32" : "fp32") : "fp32"
        default: return "fp32"
        }
    }

    func row(_ layer: LayerStats, phase: LatencyPhase, cost: KernelCost, dtype: DType) -> LayerLatency {
        let key = peakKey(for: layer.op, dtype: dtype)
        return LayerLatency(name: layer.name, op: layer.kind.rawValue, phase: phase, cost: cost, peakKey: key,
                            peakFLOPS: peakFLOPS(key), bandwidth: bandwidth, efficiency: efficiency,
                            allocation: device.allocation)
    }
}
