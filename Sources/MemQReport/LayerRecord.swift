import MemQCore

/// One row of a summary: what one node produces and costs for the whole batch.
public struct LayerRecord: Codable, Sendable, Hashable {
    /// The node's name (`layer1.0.conv1`).
    public var name: String
    /// The op's spec name (`conv2d`, `relu`, ...).
    public var op: String
    /// The output's shape with the batch first: `[N, C, H, W]`.
    public var outputShape: [Int]
    /// Parameters, trainable and frozen (not multiplied by the batch).
    public var params: Int
    /// Whether the parameters receive gradients (false in frozen layers).
    public var trainable: Bool
    /// Floating-point buffers (BatchNorm running statistics).
    public var buffers: Int
    /// Multiply-accumulates for the batch (torchvision's convention: convolutions, linear layers, matmuls).
    public var macs: Int
    /// FLOPs for the batch counted op by op (`Counting.swift`: multiplications and additions, activations, pooling).
    public var flopsExact: Int
    /// Bytes of the output tensor for the batch, in the summary's dtype unless the output has its own type.
    public var outputBytes: Int
    /// Memory-access cost in bytes for the batch: inputs and outputs read and written, weights once; 0 for views.
    public var memoryAccessBytes: Int
    /// The builder's block (`layer1.0`), when one was named.
    public var block: String?
    /// Bytes this layer keeps for the backward pass at the end of the forward pass (`summary --memory`).
    public var savedBytes: Int?

    public init(name: String, op: String, outputShape: [Int], params: Int, trainable: Bool, buffers: Int, macs: Int,
                flopsExact: Int, outputBytes: Int, memoryAccessBytes: Int, block: String? = nil) {
        self.name = name; self.op = op; self.outputShape = outputShape; self.params = params; self.trainable = trainable
        self.buffers = buffers; self.macs = macs; self.flopsExact = flopsExact; self.outputBytes = outputBytes
        self.memoryAccessBytes = memoryAccessBytes; self.block = block
    }

    /// The record of `layer` for `batch` samples in `dtype`.
    /// - Throws: `ModelError.sizeOverflow` naming the layer when a batch figure exceeds 64 bits.
    public init(_ layer: LayerStats, batch: Int, dtype: DType) throws(ModelError) {
        func checked(_ values: [Int], _ field: String) throws(ModelError) -> Int {
            var total = 1
            for v in values {
                let (product, overflow) = total.multipliedReportingOverflow(by: v)
                if overflow { throw .sizeOverflow(node: layer.name, field: field) }
                total = product
            }
            return total
        }
        // Core's byte formulas are unchecked; make sure their widest case (8-byte elements) fits first.
        let widest = DType.float64.byteSize
        _ = try checked([layer.outputElements, batch, widest], "output bytes")
        let (elements, sumOverflow) = layer.inputElements.addingReportingOverflow(layer.outputElements)
        if sumOverflow { throw .sizeOverflow(node: layer.name, field: "memory access") }
        let moved = try checked([elements, batch, widest], "memory access")
        guard !moved.addingReportingOverflow(layer.weightElements * widest).overflow else {
            throw .sizeOverflow(node: layer.name, field: "memory access")
        }
        self.init(name: layer.name, op: layer.kind.rawValue, outputShape: layer.outputShape.batched(batch),
                  params: layer.params.total, trainable: layer.trainable, buffers: layer.params.buffers,
                  macs: try checked([layer.macs, batch], "MACs"), flopsExact: try checked([layer.exactFlops, batch], "FLOPs"),
                  outputBytes: layer.outputBytes(batch: batch, dtype: dtype),
                  memoryAccessBytes: layer.memoryAccessBytes(batch: batch, dtype: dtype), block: layer.block)
    }

    enum CodingKeys: String, CodingKey {
        case name, op, outputShape = "output_shape", params, trainable, buffers, macs, flopsExact = "flops_exact"
        case outputBytes = "output_bytes", memoryAccessBytes = "memory_access_bytes", block
        case savedBytes = "saved_bytes"
    }
}
