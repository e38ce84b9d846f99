// 2-D average pooling (PyTorch `nn.AvgPool2d`), forward and backward.

/// The window of output (pp, qq) clipped to the input, and its divisor (aten/src/ATen/native/cpu/AvgPoolKernel.cpp).
///
/// The un-clipped end is min(start + k, in + pad); the divisor is the window area inside input + padding when
/// `countIncludePad` (PyTorch default), else the area inside the input only.
@inline(__always)
private func averageWindow(_ pp: Int, _ qq: Int, _ o: Pool2dOptions, _ h: Int, _ w: Int)
    -> (h0: Int, h1: Int, w0: Int, w1: Int, divisor: Int) {
    var h0 = pp * o.strideH - o.paddingH
    var w0 = qq * o.strideW - o.paddingW
    var h1 = min(h0 + o.kernelH, h + o.paddingH)
    var w1 = min(w0 + o.kernelW, w + o.paddingW)
    let poolSize = (h1 - h0) * (w1 - w0)
    h0 = max(h0, 0); w0 = max(w0, 0)
    h1 = min(h1, h); w1 = min(w1, w)
    let divisor = o.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0)
    return (h0, h1, w0, w1, divisor)
}

/// Average-pool forward: the mean of each window (padding counts as zeros when `countIncludePad`).
///
/// input (N, C, H, W) -> output (N, C, P, Q). Dilation is ignored (PyTorch has none for average pooling).
/// Parallel over (n, c) planes. Backward needs: the input shape only.
@_specialize(where T == Float)
package func avgPool2dForward<T: EngineScalar>(
    _ input: Tensor<T>, options: Pool2dOptions, category: MemoryCategory = .activations
) -> Tensor<T> {
    precondition(input.rank == 4, "avg pool input must be (N, C, H, W), got \(input.shape)")
    var o = options
    o.dilationH = 1; o.dilationW = 1
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (p, q) = o.outputSize(height: h, width: w)
    let output = input.sibling(shape: [n, c, p, q], category: category)
    let x = input.pointer, y = output.pointer
    Parallel.forEach(n * c, costPerItem: p * q * o.kernelH * o.kernelW) { plane in
        let source = x + plane * h * w
        let out = y + plane * p * q
        for pp in 0..<p {
            for qq in 0..<q {
                let window = averageWindow(pp, qq, o, h, w)
                if window.h0 >= window.h1 || window.w0 >= window.w1 { continue }
                var sum: T = 0
                for ih in window.h0..<window.h1 {
                    for iw in window.w0..<window.w1 { sum += source[ih * w + iw] }
                }
                out[pp * q + qq] = sum / T(window.divisor)
            }
        }
    }
    return output
}

/// Average-pool backward: spreads each output gradient evenly (1 / divisor) over its window.
///
/// gradOutput (N, C, P, Q), inputShape (N, C, H, W) -> gradInput (N, C, H, W). Parallel over (n, c) planes.
@_specialize(where T == Float)
package func avgPool2dBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, inputShape: [Int], options: Pool2dOptions, category: MemoryCategory = .gradients
) -> Tensor<T> {
    var o = options
    o.dilationH = 1; o.dilationW = 1
    let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (p, q) = o.outputSize(height: h, width: w)
    precondition(gradOutput.shape == [n, c, p, q], "avg pool gradOutput \(gradOutput.shape) != \([n, c, p, q])")
    let gradInput = gradOutput.sibling(shape: inputShape, category: category)
    let dy = gradOutput.pointer, dx = gradInput.pointer
    Parallel.forEach(n * c, costPerItem: p * q * o.kernelH * o.kernelW) { plane in
        let target = dx + plane * h * w
        let source = dy + plane * p * q
        for pp in 0..<p {
            for qq in 0..<q {
                let window = averageWindow(pp, qq, o, h, w)
                if window.h0 >= window.h1 || window.w0 >= window.w1 { continue }
                let share = source[pp * q + qq] / T(window.divisor)
                for ih in window.h0..<window.h1 {
                    for iw in window.w0..<window.w1 { target[ih * w + iw] += share }
                }
            }
        }
    }
    return gradInput
}
