/// Parameter counts of a node or a model, kept apart by kind.
public struct ParameterCount: Sendable, Hashable {
    /// Parameters that receive gradients.
    public var trainable: Int = 0
    /// Parameters of frozen layers: stored, no gradient, no optimizer state.
    public var frozen: Int = 0
    /// Floating-point buffers (BatchNorm running mean and variance): stored, never trained.
    public var buffers: Int = 0
    /// int64 buffers (BatchNorm's `num_batches_tracked`).
    public var counters: Int = 0

    public init(trainable: Int = 0, frozen: Int = 0, buffers: Int = 0, counters: Int = 0) {
        self.trainable = trainable; self.frozen = frozen; self.buffers = buffers; self.counters = counters
    }

    /// All parameters, trainable or not (`sum(p.numel() for p in model.parameters())`).
    public var total: Int { trainable + frozen }

    public static func + (a: Self, b: Self) -> Self {
        .init(trainable: a.trainable + b.trainable, frozen: a.frozen + b.frozen,
              buffers: a.buffers + b.buffers, counters: a.counters + b.counters)
    }
}

/// What one node produces and costs, for one sample. Multiply by the batch for per-batch figures.
public struct LayerStats: Sendable, Hashable {
    public var name: String
    public var op: Op
    /// Indices (into the analysis' layers) of the nodes this node reads.
    public var inputs: [Int]
    /// One sample's output shape.
    public var outputShape: TensorShape
    /// The output's element type; nil means the model's compute dtype.
    public var outputDType: DType?
    public var params: ParameterCount
    /// Multiply-accumulates of convolutions, linear layers and matrix products (torchvision's convention).
    public var macs: Int
    /// Floating-point operations counted exactly as in the design notes (multiplications and additions
    /// separately, `n - 1` additions for a sum of `n`, bias adds, activation and pooling operations).
    public var exactFlops: Int
    /// Elements read from the node's inputs (memory-access cost, per sample).
    public var inputElements: Int
    /// Elements of parameters and buffers read (memory-access cost, once per batch).
    public var weightElements: Int
    /// Whether the node is trainable (false in frozen layers).
    public var trainable: Bool
    /// The block the node belongs to, when the builder named one.
    public var block: String?
    /// One output for the whole batch (a rotary table), not one per sample.
    public var batchShared = false
    /// Parameters kept in float32 under a half-precision model (`Node.fp32Parameters`).
    public var fp32Parameters = false

    /// The element type of this node's parameters when the model's are `modelType`.
    public func parameterType(model modelType: DType) -> DType {
        fp32Parameters && modelType.byteSize < 4 ? .float32 : modelType
    }

    public var kind: OpKind { op.kind }
    /// One sample's output elements.
    public var outputElements: Int { outputShape.elementCount }

    /// FLOPs under the `2 x MACs` convention.
    public var flopsFromMACs: Int { 2 * macs }

    /// Bytes of the output for a batch, in `dtype` unless the output has its own type.
    public func outputBytes(batch: Int, dtype: DType) -> Int {
        outputElements * (batchShared ? 1 : batch) * (outputDType ?? dtype).byteSize
    }

    /// Memory-access cost in bytes for a batch: inputs and outputs per sample, weights once
    /// (ShuffleNetV2's `h*w*(c1 + c2) + c1*c2` for a 1x1 convolution, times the element size).
    public func memoryAccessBytes(batch: Int, dtype: DType) -> Int {
        if op.isView { return 0 }
        return ((inputElements + outputElements) * batch + weightElements) * dtype.byteSize
    }
}
