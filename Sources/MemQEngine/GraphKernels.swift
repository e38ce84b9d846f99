// Small kernels only the graph executor needs: a channel slice, in-place activations and dropout, stochastic depth.

/// One piece of a channel split, as a copy: input (N, C, *) -> output (N, size, *), channels offset..<offset+size.
///
/// The engine's tensors are always contiguous, so a piece of `torch.split`/`torch.chunk` (a view in PyTorch) is
/// copied. Parallel over samples.
@_specialize(where T == Float)
func narrowChannels<T: EngineScalar>(_ input: Tensor<T>, offset: Int, size: Int,
                                     category: MemoryCategory = .activations) -> Tensor<T> {
    let n = input.shape[0], c = input.shape[1]
    precondition(offset >= 0 && size >= 0 && offset + size <= c, "split piece \(offset)..<\(offset + size) of \(c) channels")
    let trailing = Array(input.shape.dropFirst(2))
    let inner = trailing.reduce(1, *)
    let output = input.sibling(shape: [n, size] + trailing, category: category)
    let source = input.pointer, destination = output.pointer
    Parallel.forEach(n, costPerItem: size * inner) { sample in
        (destination + sample * size * inner).update(from: source + (sample * c + offset) * inner, count: size * inner)
    }
    return output
}

/// Backward of `narrowChannels`: a zero tensor of the input's shape with the piece's gradient in its channels.
///
/// gradOutput (N, size, *) -> gradInput (N, C, *) (PyTorch's `slice_backward`: zeros, then a copy into the slice).
@_specialize(where T == Float)
func narrowChannelsBackward<T: EngineScalar>(gradOutput: Tensor<T>, inputShape: [Int], offset: Int,
                                             category: MemoryCategory = .temporary) -> Tensor<T> {
    let n = inputShape[0], c = inputShape[1], size = gradOutput.shape[1]
    let inner = inputShape.dropFirst(2).reduce(1, *)
    let gradInput = gradOutput.sibling(shape: inputShape, category: category)
    let source = gradOutput.pointer, destination = gradInput.pointer
    Parallel.forEach(n, costPerItem: size * inner) { sample in
        (destination + (sample * c + offset) * inner).update(from: source + sample * size * inner, count: size * inner)
    }
    return gradInput
}

/// Applies an activation over `tensor` in place, for every kind (the caller clones the input first when the
/// derivative needs it, as PyTorch's autograd does for an in-place op whose formula uses `self`).
@_specialize(where T == Float)
func activationInPlace<T: EngineScalar>(_ tensor: Tensor<T>, _ kind: Activation) {
    if kind.backwardOperand == .output {
        activationForwardInPlace(tensor, kind)
        return
    }
    let x = tensor.pointer
    switch kind {
    case .leakyRelu(let slope):
        let s = T(slope)
        Parallel.forRanges(tensor.count) { r in for i in r where x[i] < 0 { x[i] *= s } }
    case .gelu:
        // x * 0.5 * (1 + erf(x / sqrt 2))
        let k = T(0.707_106_781_186_547_524_40)
        Parallel.forRanges(tensor.count, costPerItem: 8) { r in for i in r { x[i] = x[i] * 0.5 * (1 + T.erf(x[i] * k)) } }
    case .silu:
        Parallel.forRanges(tensor.count, costPerItem: 8) { r in
            for i in r {
                let v = x[i]
                x[i] = v >= 0 ? v / (1 + T.exp(-v)) : v * T.exp(v) / (1 + T.exp(v))
            }
        }
    case .hardswish:
        Parallel.forRanges(tensor.count) { r in for i in r { x[i] = x[i] * min(max(x[i] + 3, 0), 6) / 6 } }
    case .relu, .relu6, .sigmoid, .tanh, .hardsigmoid:
        activationForwardInPlace(tensor, kind)
    }
}

/// In-place dropout: zeroes elements of `tensor` with probability `p` and scales the rest by 1 / (1 - p).
///
/// Returns the UInt8 keep-mask (one byte per element), the only tensor the backward needs; same streams as
/// `dropoutForward` (one `EngineRandom` stream per 65 536 elements).
@_specialize(where T == Float)
func dropoutInPlace<T: EngineScalar>(_ tensor: Tensor<T>, p: Double, seed: UInt64,
                                     category: MemoryCategory = .activations) -> Tensor<UInt8> {
    let mask = Tensor<UInt8>(shape: tensor.shape, category: category, allocator: tensor.allocator)
    let count = tensor.count
    let x = tensor.pointer, keep = mask.pointer
    if p >= 1 { x.update(repeating: 0, count: count); return mask }
    let scale = T(1 / (1 - p))
    let streamLength = 65_536
    Parallel.forEach((count + streamLength - 1) / streamLength, costPerItem: streamLength) { stream in
        var random = EngineRandom(seed: seed, stream: UInt64(stream))
        for i in (stream * streamLength)..<min((stream + 1) * streamLength, count) {
            let kept = random.nextUnit() >= p
            keep[i] = kept ? 1 : 0
            x[i] = kept ? x[i] * scale : 0
        }
    }
    return mask
}

/// Stochastic depth in train mode (torchvision.ops.stochastic_depth, mode "row"): each sample's whole residual
/// branch is kept with probability 1 - p and scaled by 1 / (1 - p), or zeroed.
///
/// input (N, *) -> output (N, *), noise (N) holding 0 or 1 / (1 - p) per sample (the only tensor backward needs).
@_specialize(where T == Float)
func stochasticDepthForward<T: EngineScalar>(_ input: Tensor<T>, p: Double, seed: UInt64,
                                             category: MemoryCategory = .activations) -> (output: Tensor<T>, noise: Tensor<T>) {
    let n = input.shape[0]
    let noise = input.sibling(shape: [n], category: category)
    var random = EngineRandom(seed: seed)
    for i in 0..<n { noise[i] = random.nextUnit() >= p ? T(1 / (1 - p)) : 0 }
    return (scaleRows(input, by: noise, category: category), noise)
}

/// Multiplies each sample (row of the leading dimension) by its factor: (N, *) x (N) -> (N, *).
@_specialize(where T == Float)
func scaleRows<T: EngineScalar>(_ input: Tensor<T>, by factors: Tensor<T>, category: MemoryCategory) -> Tensor<T> {
    let n = input.shape[0], inner = input.count / max(n, 1)
    let output = input.sibling(shape: input.shape, category: category)
    let x = input.pointer, y = output.pointer, f = factors.pointer
    Parallel.forEach(n, costPerItem: inner) { s in
        let factor = f[s]
        for i in (s * inner)..<((s + 1) * inner) { y[i] = x[i] * factor }
    }
    return output
}
