/// Everything about a training step that is not the network: batch, precision, optimizer, runtime, options.
public struct TrainingConfig: Sendable, Hashable {
    public var batch: Int
    public var dtype: DTypePolicy
    public var optimizer: Optimizer
    public var runtime: RuntimeKind
    /// A GPU profile: selects CUDA semantics for the `pytorch` runtime and the budget of `fit`.
    public var gpu: GPUProfile?
    /// Activation checkpointing.
    public var checkpoint: Checkpointing
    /// Samples per micro-batch under gradient accumulation (nil: the whole batch in one pass).
    public var microBatch: Int?
    /// Data-parallel devices and ZeRO stage (0: plain DDP replicas).
    public var dataParallel: Int
    public var zeroStage: Int
    /// How the optimizer step runs: PyTorch picks `foreach` on CUDA and a per-parameter loop on CPU.
    public var optimizerImpl: OptimizerImpl
    /// FSDP2 sharding (nil: none).
    public var fsdp: FSDP? = nil

    public init(batch: Int, dtype: DTypePolicy = .fp32, optimizer: Optimizer = .sgd, runtime: RuntimeKind = .pytorch,
                gpu: GPUProfile? = nil, checkpoint: Checkpointing = .none, microBatch: Int? = nil,
                dataParallel: Int = 1, zeroStage: Int = 0, optimizerImpl: OptimizerImpl = .auto) {
        self.batch = batch; self.dtype = dtype; self.optimizer = optimizer; self.runtime = runtime; self.gpu = gpu
        self.checkpoint = checkpoint; self.microBatch = microBatch; self.dataParallel = dataParallel
        self.zeroStage = zeroStage; self.optimizerImpl = optimizerImpl
    }

    /// The optimizer state's element type for a parameter of type `parameter`: the policy's (fp32 for
    /// master-weight training), or the parameter's own when it is wider (state is `zeros_like(param)`,
    /// torch/optim/adam.py `_init_group`: float32 adapters on a bf16 base get float32 moments).
    public func optimizerStateType(parameter: DType) -> DType {
        let policy = dtype.optimizerState
        return parameter.byteSize > policy.byteSize ? parameter : policy
    }

    /// The type activations and the unsharded parameters compute in (FSDP's `param_dtype` when given).
    public var computeType: DType { fsdp?.paramDType ?? dtype.activations }

    /// The sharding applied, for headers and JSON: `none`, `ddp over N devices`, `zero-K over N devices`, or FSDP's.
    public var shardingDescription: String {
        if let fsdp { return fsdp.description }
        if dataParallel > 1 { return zeroStage > 0 ? "zero-\(zeroStage) over \(dataParallel) devices" : "ddp over \(dataParallel) devices" }
        return "none"
    }

    /// Whether tensors live on a CUDA device (so CUDA kernels' saving rules and allocator rounding apply).
    public var onCUDA: Bool { runtime == .pytorchCUDA || (runtime == .pytorch && gpu != nil) }

    /// The optimizer implementation in effect.
    public var resolvedOptimizerImpl: OptimizerImpl {
        if optimizerImpl != .auto { return optimizerImpl }
        return onCUDA && optimizer.hasForeach ? .foreach : .forLoop
    }
}

/// The optimizer step's implementation (torch/optim: `foreach=None` picks foreach for CUDA tensors only).
public enum OptimizerImpl: String, Sendable, Hashable, CaseIterable {
    case auto
    case foreach
    case forLoop = "for-loop"
}

/// Activation checkpointing (torch.utils.checkpoint): segments keep only their input in the forward pass and
/// recompute their activations during the backward pass.
public enum Checkpointing: Sendable, Hashable {
    case none
    /// Every k-th block of the model (blocks as the builder named them, e.g. `layer1.0`).
    case everyKthBlock(Int)
    /// The named blocks.
    case blocks([String])
}

/// The runtime whose memory accounting an estimate reproduces.
public enum RuntimeKind: String, Sendable, Hashable, CaseIterable {
    /// Tensor bytes as PyTorch counts them: MemTracker on CPU, `torch.cuda.max_memory_allocated` with a GPU
    /// (every CUDA allocation rounded up to 512 bytes).
    case pytorch
    /// What `nvidia-smi` shows: the caching allocator's reserved segments, CUDA context, cuBLAS/cuDNN workspaces.
    case pytorchCUDA = "pytorch-cuda"
    /// MemQ's native CPU engine (its own allocation policy).
    case native

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Which dtype each kind of tensor has.
public enum DTypePolicy: String, Sendable, Hashable, CaseIterable {
    case fp32, fp16, bf16, fp64
    /// torch.autocast with fp16: fp32 weights and optimizer state, half activations of autocast ops and
    /// cached half copies of the weights.
    case ampFP16 = "amp-fp16"
    case ampBF16 = "amp-bf16"
    /// Half weights and gradients with an fp32 master copy and fp32 optimizer state (ZeRO's 16 bytes per
    /// parameter with Adam: 2 + 2 + 4 + 4 + 4).
    case mixedFP16 = "mixed-fp16"
    case mixedBF16 = "mixed-bf16"

    /// Parses the policy names, with `float32`-style aliases.
    public init?(name: String) {
        let n = name.lowercased()
        if let p = DTypePolicy(rawValue: n) { self = p; return }
        switch n {
        case "float32", "float", "f32": self = .fp32
        case "float16", "half", "f16": self = .fp16
        case "bfloat16": self = .bf16
        case "float64", "double", "f64": self = .fp64
        case "amp", "amp_fp16": self = .ampFP16
        case "amp_bf16": self = .ampBF16
        case "mixed", "master-weights", "mixed_fp16": self = .mixedFP16
        case "mixed_bf16": self = .mixedBF16
        default: return nil
        }
    }

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Element type of the model's parameters.
    public var parameters: DType {
        switch self {
        case .fp32, .ampFP16, .ampBF16: .float32
        case .fp16, .mixedFP16: .float16
        case .bf16, .mixedBF16: .bfloat16
        case .fp64: .float64
        }
    }

    /// Element type of activations (outputs of the ops autocast lowers, and everything downstream).
    public var activations: DType {
        switch self {
        case .fp32: .float32
        case .fp16, .ampFP16, .mixedFP16: .float16
        case .bf16, .ampBF16, .mixedBF16: .bfloat16
        case .fp64: .float64
        }
    }

    /// Element type of optimizer state (the parameter's dtype, or fp32 for master-weight training).
    public var optimizerState: DType {
        switch self {
        case .mixedFP16, .mixedBF16: .float32
        default: parameters
        }
    }

    /// Whether autocast casts weights to a half copy for each matmul-like op.
    public var isAutocast: Bool { self == .ampFP16 || self == .ampBF16 }
    /// Whether an fp32 master copy of the weights is kept.
    public var hasMasterWeights: Bool { self == .mixedFP16 || self == .mixedBF16 }
}

/// FSDP2 (`torch.distributed.fsdp.fully_shard`): every block of the model is its own unit (transformers' decoder
/// layers, a CNN's residual blocks), and the rest (embeddings, final norm, head) the root unit. Figures are per
/// device, for rank 0 (the rank with the most optimizer state). Rules: docs/memory-model.md, "FSDP2".
public struct FSDP: Sendable, Hashable {
    /// Devices the parameters are sharded over.
    public var worldSize: Int
    /// `reshard_after_forward` for the non-root units (the root never reshards after forward by default).
    public var reshardAfterForward: Bool
    /// `MixedPrecisionPolicy.param_dtype`: the unsharded parameters' (and so the compute's) type; nil keeps the
    /// parameters' own.
    public var paramDType: DType?
    /// `MixedPrecisionPolicy.reduce_dtype`: the reduce-scatter's type; nil is the parameters' own (torch 2.15).
    public var reduceDType: DType?
    /// `CPUOffloadPolicy`: sharded parameters, gradients and optimizer state live on the host.
    public var cpuOffload: Bool

    public init(worldSize: Int, reshardAfterForward: Bool = true, paramDType: DType? = nil, reduceDType: DType? = nil,
                cpuOffload: Bool = false) {
        self.worldSize = worldSize; self.reshardAfterForward = reshardAfterForward; self.paramDType = paramDType
        self.reduceDType = reduceDType; self.cpuOffload = cpuOffload
    }

    public var description: String {
        var s = "fsdp2 over \(worldSize) devices, reshard_after_forward=\(reshardAfterForward)"
        if let p = paramDType { s += ", param_dtype=\(p.rawValue)" }
        if let r = reduceDType { s += ", reduce_dtype=\(r.rawValue)" }
        if cpuOffload { s += ", cpu offload" }
        return s
    }
}
