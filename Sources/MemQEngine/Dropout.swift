// Dropout in train mode (torch.nn.functional.dropout), forward and backward.

/// Elements per independently seeded random stream; fixed so a mask does not depend on the thread count.
private let dropoutStreamLength = 65_536

/// Dropout forward (train mode): zero each element with probability `p`, scale the survivors by 1 / (1 - p).
///
/// input (any shape) -> output (same shape), mask (same shape) as UInt8 bytes (1 = kept, 0 = dropped; one byte per
/// element). The mask is drawn from `EngineRandom(seed:stream:)`, one stream per 65 536 elements, so it is
/// reproducible for a seed. p == 0 keeps everything, p == 1 drops everything (output and mask zero).
/// Parallel over streams. Backward needs: `mask` (and `p`), not the input or output.
@_specialize(where T == Float)
package func dropoutForward<T: EngineScalar>(
    _ input: Tensor<T>, p: Double, seed: UInt64, category: MemoryCategory = .activations
) -> (output: Tensor<T>, mask: Tensor<UInt8>) {
    precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]")
    let output = input.sibling(shape: input.shape, category: category)
    let mask = Tensor<UInt8>(shape: input.shape, category: category, allocator: input.allocator)
    let count = input.count
    if p >= 1 { return (output, mask) }
    let scale = T(1 / (1 - p))
    let x = input.pointer, y = output.pointer, keep = mask.pointer
    let streams = (count + dropoutStreamLength - 1) / dropoutStreamLength
    Parallel.forEach(streams, costPerItem: dropoutStreamLength) { stream in
        var random = EngineRandom(seed: seed, stream: UInt64(stream))
        let start = stream * dropoutStreamLength
        for i in start..<min(start + dropoutStreamLength, count) {
            let kept = random.nextUnit() >= p
            keep[i] = kept ? 1 : 0
            y[i] = kept ? x[i] * scale : 0
        }
    }
    return (output, mask)
}

/// Dropout backward: `gradInput = gradOutput * mask / (1 - p)`.
///
/// gradOutput (any shape), mask (same shape, UInt8) -> gradInput (same shape). Parallel in chunks.
@_specialize(where T == Float)
package func dropoutBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, mask: Tensor<UInt8>, p: Double, category: MemoryCategory = .gradients
) -> Tensor<T> {
    precondition(gradOutput.count == mask.count, "dropout gradOutput \(gradOutput.shape) vs mask \(mask.shape)")
    let gradInput = gradOutput.sibling(shape: gradOutput.shape, category: category)
    if p >= 1 { return gradInput }
    let scale = T(1 / (1 - p))
    let dy = gradOutput.pointer, dx = gradInput.pointer, keep = mask.pointer
    Parallel.forRanges(gradOutput.count) { r in
        for i in r { dx[i] = keep[i] != 0 ? dy[i] * scale : 0 }
    }
    return gradInput
}
