// 2-D max pooling (PyTorch `nn.MaxPool2d`), forward and backward.

/// Max-pool forward: each output is the largest input in its window (padding counts as -infinity).
///
/// input (N, C, H, W) -> output (N, C, P, Q), indices (N, C, P, Q) as Int32 flat offsets `h * W + w` into the
/// input plane (PyTorch stores the same offsets as Int64; Int32 halves the saved memory). P, Q follow
/// `Pool2dOptions.outputSize` (ceil mode included). NaN wins, as in PyTorch (aten/src/ATen/native/cpu/MaxPoolKernel.cpp).
/// Parallel over (n, c) planes. Backward needs: `indices` and the input shape only.
@_specialize(where T == Float)
package func maxPool2dForward<T: EngineScalar>(
    _ input: Tensor<T>, options: Pool2dOptions, category: MemoryCategory = .activations
) -> (output: Tensor<T>, indices: Tensor<Int32>) {
    precondition(input.rank == 4, "max pool input must be (N, C, H, W), got \(input.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    precondition(h * w <= Int(Int32.max), "plane too large for Int32 indices")
    let (p, q) = options.outputSize(height: h, width: w)
    let output = input.sibling(shape: [n, c, p, q], category: category)
    let indices = Tensor<Int32>(shape: [n, c, p, q], category: category, allocator: input.allocator)
    let x = input.pointer, y = output.pointer, index = indices.pointer
    let o = options
    Parallel.forEach(n * c, costPerItem: p * q * o.kernelH * o.kernelW) { plane in
        let source = x + plane * h * w
        let out = y + plane * p * q
        let outIndex = index + plane * p * q
        for pp in 0..<p {
            var h0 = pp * o.strideH - o.paddingH
            let h1 = min(h0 + (o.kernelH - 1) * o.dilationH + 1, h)
            while h0 < 0 { h0 += o.dilationH }
            for qq in 0..<q {
                var w0 = qq * o.strideW - o.paddingW
                let w1 = min(w0 + (o.kernelW - 1) * o.dilationW + 1, w)
                while w0 < 0 { w0 += o.dilationW }
                var best = -T.infinity
                var bestIndex = h0 * w + w0
                var ih = h0
                while ih < h1 {
                    var iw = w0
                    while iw < w1 {
                        // Selects rather than branches: which input wins is data-dependent and mispredicts.
                        let value = source[ih * w + iw]
                        let wins = value > best || value.isNaN
                        best = wins ? value : best
                        bestIndex = wins ? ih * w + iw : bestIndex
                        iw += o.dilationW
                    }
                    ih += o.dilationH
                }
                out[pp * q + qq] = best
                outIndex[pp * q + qq] = Int32(truncatingIfNeeded: bestIndex)
            }
        }
    }
    return (output, indices)
}

/// Max-pool backward: routes each output gradient to the input position that won its window (accumulating).
///
/// gradOutput (N, C, P, Q), indices (N, C, P, Q) Int32, inputShape (N, C, H, W) -> gradInput (N, C, H, W).
/// Parallel over (n, c) planes.
@_specialize(where T == Float)
package func maxPool2dBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, indices: Tensor<Int32>, inputShape: [Int], category: MemoryCategory = .gradients
) -> Tensor<T> {
    precondition(gradOutput.shape == indices.shape, "max pool gradOutput \(gradOutput.shape) vs indices \(indices.shape)")
    let gradInput = gradOutput.sibling(shape: inputShape, category: category)
    let planes = inputShape[0] * inputShape[1]
    let inPlane = inputShape[2] * inputShape[3]
    let outPlane = gradOutput.count / max(planes, 1)
    let dy = gradOutput.pointer, dx = gradInput.pointer, index = indices.pointer
    Parallel.forEach(planes, costPerItem: outPlane) { plane in
        let target = dx + plane * inPlane
        for i in (plane * outPlane)..<((plane + 1) * outPlane) {
            target[Int(index[i])] += dy[i]
        }
    }
    return gradInput
}
