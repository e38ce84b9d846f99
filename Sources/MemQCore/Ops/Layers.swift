/// A fully connected layer `y = x W^T + b` over the last dimension (PyTorch `nn.Linear`).
public struct Linear: Sendable, Hashable {
    public var outFeatures: Int
    public var bias: Bool
    /// When given, checked against the input's last dimension.
    public var inFeatures: Int?
    /// The node whose weight this layer shares (a language model's head tied to its token embedding, whose
    /// `(count, dim)` table is this layer's `(out, in)` weight). A tied weight is counted once, at its owner;
    /// its gradient from here is summed into the owner's.
    public var tiedTo: String?
    /// A frozen weight stored quantized (QLoRA's base).
    public var quantization: Quantization?
    public init(outFeatures: Int, bias: Bool = true, inFeatures: Int? = nil, tiedTo: String? = nil, quantization: Quantization? = nil) {
        self.outFeatures = outFeatures; self.bias = bias; self.inFeatures = inFeatures; self.tiedTo = tiedTo
        self.quantization = quantization
    }
}

/// Batch normalization over dimension 1 (PyTorch `nn.BatchNorm1d`/`nn.BatchNorm2d`).
///
/// Parameters: weight and bias, `C` each (when affine). Buffers: running mean and variance, `C` each, and the
/// int64 counter `num_batches_tracked` (when tracking running statistics).
public struct BatchNorm: Sendable, Hashable {
    public var affine: Bool
    public var trackRunningStats: Bool
    /// When given, checked against the input's channels.
    public var numFeatures: Int?
    public init(affine: Bool = true, trackRunningStats: Bool = true, numFeatures: Int? = nil) {
        self.affine = affine; self.trackRunningStats = trackRunningStats; self.numFeatures = numFeatures
    }
}

/// Layer normalization over the last `normalizedDims` dimensions (PyTorch `nn.LayerNorm`).
public struct LayerNorm: Sendable, Hashable {
    public var normalizedDims: Int
    public var affine: Bool
    public var bias: Bool
    public init(normalizedDims: Int = 1, affine: Bool = true, bias: Bool = true) {
        self.normalizedDims = normalizedDims; self.affine = affine; self.bias = bias
    }
}

/// Group normalization of dimension 1 in `groups` groups (PyTorch `nn.GroupNorm`).
public struct GroupNorm: Sendable, Hashable {
    public var groups: Int
    public var affine: Bool
    public init(groups: Int, affine: Bool = true) { self.groups = groups; self.affine = affine }
}

/// Root-mean-square normalization over the last dimension, with a learned scale (LLaMA's RMSNorm).
public struct RMSNorm: Sendable, Hashable {
    public init() {}
}

/// A lookup table of `count` vectors of `dim` (PyTorch `nn.Embedding`); its input holds integer ids.
public struct Embedding: Sendable, Hashable {
    public var count: Int
    public var dim: Int
    /// The model's input embeddings (transformers' `get_input_embeddings()`): under activation checkpointing
    /// transformers makes their output require grad (`enable_input_require_grads`, modeling_utils.py
    /// `_activation_checkpointing_enable`), so a frozen table still starts the autograd graph.
    public var inputEmbeddings: Bool
    public init(count: Int, dim: Int, inputEmbeddings: Bool = false) {
        self.count = count; self.dim = dim; self.inputEmbeddings = inputEmbeddings
    }
}

/// A learned tensor added to the input, of the input's own per-sample shape (ViT's position embedding).
public struct Positional: Sendable, Hashable {
    public init() {}
}

/// One piece of a split of the input along `dim` (PyTorch `torch.split` / `torch.chunk`): a view.
public struct Split: Sendable, Hashable {
    /// Sizes of the pieces (`torch.split` with a list); nil with `chunks`.
    public var sizes: [Int]?
    /// Number of equal pieces (`torch.chunk`); nil with `sizes`.
    public var chunks: Int?
    /// Which piece this node outputs.
    public var index: Int
    public var dim: Int
    public init(sizes: [Int]? = nil, chunks: Int? = nil, index: Int, dim: Int = 1) {
        self.sizes = sizes; self.chunks = chunks; self.index = index; self.dim = dim
    }
}

/// Max or average pooling over a 2-D window (PyTorch `nn.MaxPool2d`, `nn.AvgPool2d`).
///
/// Output size: `floor` (or `ceil` in ceil mode) of `(in + 2P - dilation*(K-1) - 1)/S` plus 1; in ceil mode the
/// last window must start inside the input or its left padding, else it is dropped (PyTorch's
/// `pooling_output_shape` in aten/src/ATen/native/Pool.h).
public struct Pool2d: Sendable, Hashable {
    public var kernel: Pair
    public var stride: Pair
    public var padding: Pair
    public var dilation: Pair
    public var ceilMode: Bool
    public var countIncludePad: Bool
    public init(kernel: Pair, stride: Pair? = nil, padding: Pair = .init(0), dilation: Pair = .init(1),
                ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernel = kernel; self.stride = stride ?? kernel; self.padding = padding; self.dilation = dilation
        self.ceilMode = ceilMode; self.countIncludePad = countIncludePad
    }
}

/// Multi-head scaled dot-product self-attention over `[..., S, E]`, projections included.
///
/// Parameters: query `E x (H*d)`, key and value `E x (Hkv*d)` each, output `(H*d) x E`, with biases when set;
/// `extraParams` counts learned tensors of a variant (relative position bias tables, logit scales).
/// PyTorch `nn.MultiheadAttention(E, H)` is `qkvBias` and `outBias` true, `Hkv = H`, `d = E/H`.
public struct Attention: Sendable, Hashable {
    public var embedDim: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var qkvBias: Bool
    public var outBias: Bool
    public var causal: Bool
    public var extraParams: Int
    public init(embedDim: Int, heads: Int, kvHeads: Int? = nil, headDim: Int? = nil, qkvBias: Bool = true,
                outBias: Bool = true, causal: Bool = false, extraParams: Int = 0) {
        self.embedDim = embedDim; self.heads = heads; self.kvHeads = kvHeads ?? heads
        self.headDim = headDim ?? (heads > 0 ? embedDim / heads : 0)
        self.qkvBias = qkvBias; self.outBias = outBias; self.causal = causal; self.extraParams = extraParams
    }
}
