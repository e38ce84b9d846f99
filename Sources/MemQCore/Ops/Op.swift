/// What a node computes. Dispatch is always on this enum, never on a name string.
///
/// Dimensions (`dim`, `start_dim`, `permute`) follow PyTorch: dimension 0 is the batch, so the channels of an
/// image are dimension 1. Negative dimensions count from the end.
public enum Op: Sendable, Hashable {
    case input(Input)
    case conv2d(Conv2d)
    case linear(Linear)
    case batchNorm(BatchNorm)
    case layerNorm(LayerNorm)
    case groupNorm(GroupNorm)
    case rmsNorm(RMSNorm)
    case embedding(Embedding)
    case activation(Activation)
    case softmax(dim: Int)
    case maxPool2d(Pool2d)
    case avgPool2d(Pool2d)
    case adaptiveAvgPool2d(outputSize: [Int])
    case adaptiveMaxPool2d(outputSize: [Int])
    case flatten(startDim: Int, endDim: Int)
    case reshape(shape: [Int])
    case permute(dims: [Int])
    case transpose(Int, Int)
    case add(inplace: Bool)
    case mul
    case concat(dim: Int)
    case split(Split)
    case channelShuffle(groups: Int)
    case dropout(p: Double, inplace: Bool)
    case stochasticDepth(p: Double)
    case upsample(scale: Int)
    case matmul
    case attention(Attention)
    case mean(dims: [Int], keepDim: Bool)
    case scale(factor: Double)
    /// `x * weight` with a learned weight of the size of dimension `dim`; `plusOne`: `x * (1 + weight.float())`
    /// (Gemma's RMSNorm), the `1 + weight` a float32 tensor of its own.
    case layerScale(dim: Int, plusOne: Bool = false)
    case positionalEmbedding(Positional)
    case classToken(count: Int)
    case select(dim: Int, index: Int)
    case pad2d([Int])
    /// `torch.roll`: a cyclic shift of `shifts[i]` positions along `dims[i]` (dimension 0 is the batch).
    case roll(shifts: [Int], dims: [Int])
    case crossEntropy
    /// A pointwise tensor op written out as Hugging Face modules write it (`torch.pow`, `torch.rsqrt`, `x + c`,
    /// `-x`, `.to(dtype)`, `.contiguous()`), each with its own autograd rule (derivatives.yaml).
    case pointwise(Pointwise)
    /// The rotary position embedding's `cos` or `sin` table `[S, head_dim]`, shared by every sample of the batch.
    case rotaryTable(RotaryTable)
    /// A fused scaled-dot-product attention kernel over `q [H, S, d]`, `k`, `v [Hkv, S, d]` (flash, memory-efficient,
    /// cuDNN); the math kernel is written out as the ops it runs.
    case sdpa(SDPA)
    /// transformers' `repeat_kv`: each key/value head repeated `groups` times (`expand` + `reshape`, a copy).
    case repeatKV(groups: Int)
    /// A key or value tensor copied into transformers' `DynamicCache` (`torch.cat` with the empty cache), held by
    /// the model's output until the next step rebinds it.
    case kvCache
    /// The language-model loss as transformers computes it (`ForCausalLMLoss`, `BertForMaskedLM`'s
    /// `CrossEntropyLoss`): inputs are the logits.
    case lmLoss(LMLoss)
    /// transformers' causal mask as a float tensor added to the scores: `[1, S, S]` per sample (the eager
    /// attention's 4-D mask from `create_causal_mask`), or one `[S, S]` for the batch (the math kernel's own
    /// `is_causal` mask).
    case causalMask(shared: Bool)
    /// `torch.arange(S)` position ids `[S]` (int64, one for the batch), with the model's int64 index buffers of the
    /// given lengths (BERT's `position_ids` and `token_type_ids`).
    case positions(buffers: [Int])

    /// The name used in JSON specs and tables.
    public var kind: OpKind {
        switch self {
        case .input: .input
        case .conv2d: .conv2d
        case .linear: .linear
        case .batchNorm: .batchnorm
        case .layerNorm: .layernorm
        case .groupNorm: .groupnorm
        case .rmsNorm: .rmsnorm
        case .embedding: .embedding
        case .activation(let a): a.function.opKind
        case .softmax: .softmax
        case .maxPool2d: .maxpool2d
        case .avgPool2d: .avgpool2d
        case .adaptiveAvgPool2d: .adaptiveAvgpool2d
        case .adaptiveMaxPool2d: .adaptiveMaxpool2d
        case .flatten: .flatten
        case .reshape: .reshape
        case .permute: .permute
        case .transpose: .transpose
        case .add: .add
        case .mul: .mul
        case .concat: .concat
        case .split(let s): s.chunks != nil ? .chunk : .split
        case .channelShuffle: .channelShuffle
        case .dropout: .dropout
        case .stochasticDepth: .stochasticDepth
        case .upsample: .upsample
        case .matmul: .matmul
        case .attention: .attention
        case .mean: .mean
        case .scale: .scale
        case .layerScale: .layerScale
        case .positionalEmbedding: .positionalEmbedding
        case .classToken: .classToken
        case .select: .select
        case .pad2d: .pad
        case .roll: .roll
        case .crossEntropy: .crossEntropy
        case .pointwise(let p): p.kind.opKind
        case .rotaryTable: .rotaryTable
        case .sdpa: .sdpa
        case .repeatKV: .repeatKV
        case .kvCache: .kvCache
        case .lmLoss: .lmLoss
        case .causalMask: .causalMask
        case .positions: .positions
        }
    }

    /// Whether the op's output is a view of its (first) input: no storage of its own in PyTorch.
    public var isView: Bool {
        switch self {
        case .flatten, .reshape, .permute, .transpose, .split, .select: true
        case .dropout(let p, _): p == 0
        default: false
        }
    }
}

/// The op names of the JSON spec.
public enum OpKind: String, Sendable, CaseIterable, Codable {
    case input, conv2d, linear, batchnorm, layernorm, groupnorm, rmsnorm, embedding
    case relu, relu6, leakyRelu = "leaky_relu", gelu, silu, sigmoid, tanh, hardswish, hardsigmoid, softmax
    case maxpool2d, avgpool2d, adaptiveAvgpool2d = "adaptive_avgpool2d", adaptiveMaxpool2d = "adaptive_maxpool2d"
    case flatten, reshape, permute, transpose, add, mul, concat, split, chunk
    case channelShuffle = "channel_shuffle", dropout, stochasticDepth = "stochastic_depth", upsample, matmul
    case attention, mean, scale, layerScale = "layer_scale", positionalEmbedding = "positional_embedding"
    case classToken = "class_token", select, pad, roll, crossEntropy = "cross_entropy"
    case pow, rsqrt, addScalar = "add_scalar", neg, cast, contiguous, rotaryTable = "rotary_table", sdpa
    case repeatKV = "repeat_kv", kvCache = "kv_cache", lmLoss = "lm_loss", causalMask = "causal_mask", positions

    /// All names, for error messages.
    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A graph input: one sample's shape and element type.
public struct Input: Sendable, Hashable {
    public var shape: TensorShape
    public var dtype: DType?
    /// - Parameters:
    ///   - shape: one sample's shape, without the batch.
    ///   - dtype: nil for the model's compute dtype (images, features); `.int64` for token ids and labels.
    public init(shape: TensorShape, dtype: DType? = nil) { self.shape = shape; self.dtype = dtype }
}
