import MemQCore

/// `memq summary`: per-layer shapes, parameters, MACs, FLOPs and bytes of one model for one batch, with totals.
///
/// Every per-layer figure except `params` and `buffers` is for the whole batch; totals are the sums of the layers.
/// This is an inventory of the forward pass, not the memory of a training step (that is `memq estimate`).
public struct SummaryResult: ReportRenderable, Hashable {
    /// Parameter totals, kept apart by kind.
    public struct Parameters: Codable, Sendable, Hashable {
        /// Trainable plus frozen (`sum(p.numel() for p in model.parameters())`).
        public var total: Int
        /// Parameters that receive gradients.
        public var trainable: Int
        /// Parameters of frozen layers.
        public var frozen: Int
        /// Floating-point buffers (BatchNorm running mean and variance).
        public var buffers: Int
        /// int64 counters (BatchNorm's `num_batches_tracked`).
        public var counters: Int

        public init(total: Int, trainable: Int, frozen: Int, buffers: Int, counters: Int) {
            self.total = total; self.trainable = trainable; self.frozen = frozen; self.buffers = buffers
            self.counters = counters
        }
    }

    /// The model's name (the zoo name or the spec's `name`).
    public var model: String
    /// One sample's input shape, without the batch.
    public var inputShape: [Int]
    /// Samples per step.
    public var batch: Int
    /// Element type of parameters and activations.
    public var dtype: DType
    public var params: Parameters
    /// Multiply-accumulates for the batch.
    public var macs: Int
    /// FLOPs for the batch as `2 x MACs` (the convention of papers and most tools).
    public var flops: Int
    /// FLOPs for the batch counted op by op (also activations, normalisation, pooling; `n - 1` adds per sum).
    public var flopsExact: Int
    /// Bytes of all parameters in `dtype`.
    public var parameterBytes: Int
    /// Bytes of buffers: floating-point ones in `dtype`, counters as int64.
    public var bufferBytes: Int
    /// Sum of every layer's output bytes (the input included; views and in-place outputs counted as tensors).
    public var outputBytes: Int
    /// Sum of every layer's memory-access bytes.
    public var memoryAccessBytes: Int
    /// One record per node, in topological order (the input first).
    public var layers: [LayerRecord]

    public init(model: String, inputShape: [Int], batch: Int, dtype: DType, params: Parameters, macs: Int, flops: Int,
                flopsExact: Int, parameterBytes: Int, bufferBytes: Int, outputBytes: Int, memoryAccessBytes: Int,
                layers: [LayerRecord]) {
        self.model = model; self.inputShape = inputShape; self.batch = batch; self.dtype = dtype; self.params = params
        self.macs = macs; self.flops = flops; self.flopsExact = flopsExact; self.parameterBytes = parameterBytes
        self.bufferBytes = bufferBytes; self.outputBytes = outputBytes; self.memoryAccessBytes = memoryAccessBytes
        self.layers = layers
    }

    /// Summarises an analysed model for `batch` samples in `dtype`.
    /// - Throws: `ModelError.invalidValue` for a batch below 1; `ModelError.sizeOverflow` naming the layer whose
    ///   batch figures exceed 64 bits.
    public init(_ analysis: ModelAnalysis, batch: Int = 1, dtype: DType = .float32) throws(ModelError) {
        guard batch >= 1 else {
            throw .invalidValue(node: "", field: "batch", message: "must be a positive integer, got \(batch)")
        }
        var layers: [LayerRecord] = []
        layers.reserveCapacity(analysis.layers.count)
        for layer in analysis.layers { layers.append(try LayerRecord(layer, batch: batch, dtype: dtype)) }
        func sum(_ field: String, _ value: (LayerRecord) -> Int) throws(ModelError) -> Int {
            var total = 0
            for layer in layers {
                let (s, overflow) = total.addingReportingOverflow(value(layer))
                if overflow { throw .sizeOverflow(node: "", field: "total \(field)") }
                total = s
            }
            return total
        }
        let counts = analysis.params
        let macs = try sum("MACs") { $0.macs }
        guard macs <= Int.max / 2 else { throw .sizeOverflow(node: "", field: "total FLOPs") }
        self.init(model: analysis.graph.name, inputShape: analysis.inputShape.dims, batch: batch, dtype: dtype,
                  params: Parameters(total: counts.total, trainable: counts.trainable, frozen: counts.frozen,
                                     buffers: counts.buffers, counters: counts.counters),
                  macs: macs, flops: 2 * macs, flopsExact: try sum("FLOPs") { $0.flopsExact },
                  parameterBytes: counts.total * dtype.byteSize,
                  bufferBytes: counts.buffers * dtype.byteSize + counts.counters * DType.int64.byteSize,
                  outputBytes: try sum("output bytes") { $0.outputBytes },
                  memoryAccessBytes: try sum("memory access") { $0.memoryAccessBytes },
                  layers: layers)
    }

    enum CodingKeys: String, CodingKey {
        case model, inputShape = "input_shape", batch, dtype, params, macs, flops, flopsExact = "flops_exact"
        case parameterBytes = "parameter_bytes", bufferBytes = "buffer_bytes", outputBytes = "output_bytes"
        case memoryAccessBytes = "memory_access_bytes", layers
    }
}
