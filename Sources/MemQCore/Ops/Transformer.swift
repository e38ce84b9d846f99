/// Pointwise ops as Hugging Face modules write them, each a separate autograd node.
///
/// Saved tensors (tools/autograd/derivatives.yaml): `pow.Tensor_Scalar` saves `self`; `rsqrt` saves `result`;
/// `add.Scalar`, `neg` and `_to_copy` save nothing. `.to(dtype)` to the tensor's own dtype and `.contiguous()` of a
/// contiguous tensor return the input itself (no new storage).
public struct Pointwise: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `torch.pow(x, exponent)`.
        case pow(Double)
        /// `torch.rsqrt(x)`.
        case rsqrt
        /// `x + c` for a Python number `c`.
        case addScalar(Double)
        /// `-x`.
        case neg
        /// `x.to(dtype)`; nil is the model's compute dtype.
        case cast(DType?)
        /// `x.contiguous()`.
        case contiguous

        var opKind: OpKind {
            switch self {
            case .pow: .pow
            case .rsqrt: .rsqrt
            case .addScalar: .addScalar
            case .neg: .neg
            case .cast: .cast
            case .contiguous: .contiguous
            }
        }
    }
    public var kind: Kind
    public init(_ kind: Kind) { self.kind = kind }
}

/// The rotary embedding's table (transformers' `*RotaryEmbedding.forward`): `cos` or `sin` of
/// `position * inv_freq`, duplicated to `dim` columns, in the compute dtype, one `[S, dim]` for the whole batch.
public struct RotaryTable: Sendable, Hashable {
    public enum Function: String, Sendable, Hashable { case cos, sin }
    public var function: Function
    public var dim: Int
    /// float32 buffers the rotary module registers (`inv_freq`, `original_inv_freq`: `dim / 2` each), counted
    /// on the `cos` table.
    public var buffers: [Int]
    public init(_ function: Function, dim: Int, buffers: [Int] = []) {
        self.function = function; self.dim = dim; self.buffers = buffers
    }
}

/// Which kernel runs `scaled_dot_product_attention` (aten/src/ATen/native/transformers/sdp_utils_cpp.cpp for
/// CPU, cuda/sdp_utils.cpp for CUDA; docs/memory-model.md).
public enum AttentionKernel: String, Sendable, Hashable, CaseIterable {
    /// `_scaled_dot_product_attention_math`: the composite of matmul, softmax and dropout ops, each saving its
    /// tensors (written out as graph nodes).
    case math
    /// `_scaled_dot_product_flash_attention` (CUDA) or `_scaled_dot_product_flash_attention_for_cpu`: keeps the
    /// output and a float32 log-sum-exp per head and query.
    case flash
    /// `_scaled_dot_product_efficient_attention` (CUDA): output and a float32 log-sum-exp padded to 32 queries.
    case efficient
    /// `_scaled_dot_product_cudnn_attention` (CUDA): output and float32 softmax statistics.
    case cudnn

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A fused attention kernel's call: `q [H, S, d]`, `k [Hkv, S, d]`, `v [Hkv, S, d]` (per sample).
public struct SDPA: Sendable, Hashable {
    public var kernel: AttentionKernel
    public var causal: Bool
    public var dropout: Double
    public init(kernel: AttentionKernel, causal: Bool, dropout: Double = 0) {
        self.kernel = kernel; self.causal = causal; self.dropout = dropout
    }
}

/// How transformers turns logits into the loss.
public struct LMLoss: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// `ForCausalLMLoss` (transformers/loss/loss_utils.py): `logits.float()`, labels padded by one `-100` and
        /// shifted (`labels[..., 1:].contiguous()`), `cross_entropy` over the vocabulary.
        case causal
        /// `CrossEntropyLoss()(logits.view(-1, V), labels.view(-1))` in the logits' dtype (BertForMaskedLM, and
        /// sequence classification over `num_labels`).
        case masked
    }
    public var kind: Kind
    /// Key/value tensors the output (`past_key_values`) keeps: their bytes stay live until the next step's
    /// forward pass returns, like the logits.
    public init(_ kind: Kind) { self.kind = kind }
}

/// What `scaled_dot_product_attention`'s dispatcher sees of a call.
public struct AttentionCall: Sendable, Hashable {
    public var onCUDA: Bool
    public var dtype: DType
    public var dropout: Double
    /// An explicit `attn_mask` tensor (padding, sliding window); a causal model without padding passes
    /// `is_causal=True` and no mask.
    public var hasMask: Bool
    public var headDim: Int
    /// Fewer key/value heads than query heads, passed with `enable_gqa=True`.
    public var gqa: Bool
    /// The GPU's compute capability (80 for sm_80); nil when unknown (assumed Ampere or newer).
    public var computeCapability: Int?
    public init(onCUDA: Bool, dtype: DType, dropout: Double, hasMask: Bool, headDim: Int, gqa: Bool, computeCapability: Int? = nil) {
        self.onCUDA = onCUDA; self.dtype = dtype; self.dropout = dropout; self.hasMask = hasMask
        self.headDim = headDim; self.gqa = gqa; self.computeCapability = computeCapability
    }
}

extension AttentionKernel {
    /// The kernel PyTorch's dispatcher picks, and why the faster ones were passed over.
    ///
    /// CPU (aten/src/ATen/native/transformers/sdp_utils_cpp.cpp `select_sdp_backend_cpp`): flash, else math.
    /// `use_flash_attention_cpp` refuses dropout (`check_for_dropout`) and needs equal q/k/v head sizes
    /// (`check_head_dim_size_cpp`); float32, float64, bfloat16 and float16 are supported, masks and GQA too.
    /// CUDA (cuda/sdp_utils.cpp `select_sdp_backend`, default priority flash, efficient, math; cuDNN only when
    /// asked for): flash needs sm_80 or newer (`check_sm_version`), float16/bfloat16, no explicit mask, head size
    /// up to 256 (`check_head_dim_size_flash`); memory-efficient takes float32 too, masks and GQA, head size a
    /// multiple of 8 (4 for float32); else math.
    public static func select(_ c: AttentionCall) -> (kernel: AttentionKernel, reason: String) {
        if !c.onCUDA {
            if c.dropout > 0 { return (.math, "CPU flash attention refuses dropout (p=\(c.dropout))") }
            return (.flash, "CPU flash attention: no dropout")
        }
        let half = c.dtype == .float16 || c.dtype == .bfloat16
        var passed: [String] = []
        if !half { passed.append("flash needs float16/bfloat16") }
        if c.hasMask { passed.append("flash takes no attention mask") }
        if c.headDim > 256 { passed.append("flash needs head size up to 256") }
        if let cc = c.computeCapability, cc < 80 { passed.append("flash needs sm_80 or newer, this GPU is sm_\(cc)") }
        if passed.isEmpty { return (.flash, "CUDA flash attention") }
        let align = c.dtype == .float32 ? 4 : 8
        var effPassed: [String] = []
        if c.headDim % align != 0 { effPassed.append("memory-efficient needs head size a multiple of \(align)") }
        if c.dtype == .float64 { effPassed.append("memory-efficient does not take float64") }
        if effPassed.isEmpty { return (.efficient, "CUDA memory-efficient attention (\(passed.joined(separator: "; ")))") }
        return (.math, "math (\((passed + effPassed).joined(separator: "; ")))")
    }
}
