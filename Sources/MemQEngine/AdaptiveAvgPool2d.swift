// 2-D adaptive average pooling (PyTorch `nn.AdaptiveAvgPool2d`), forward and backward.

/// PyTorch's adaptive window for output index `i` of `outSize` over `inSize` (aten/src/ATen/native/AdaptivePooling.h):
/// start = floor(i * in / out), end = ceil((i + 1) * in / out).
@inline(__always)
private func adaptiveWindow(_ i: Int, _ outSize: Int, _ inSize: Int) -> Range<Int> {
    let start = (i * inSize) / outSize
    let end = ((i + 1) * inSize + outSize - 1) / outSize
    return start..<end
}

/// Adaptive average-pool forward: the mean over PyTorch's adaptive windows.
///
/// input (N, C, H, W) -> output (N, C, outH, outW) (outH = outW = 1 is global average pooling).
/// Parallel over (n, c) planes. Backward needs: the input shape only.
@_specialize(where T == Float)
package func adaptiveAvgPool2dForward<T: EngineScalar>(
    _ input: Tensor<T>, outputSize: (Int, Int), category: MemoryCategory = .activations
) -> Tensor<T> {
    precondition(input.rank == 4, "adaptive avg pool input must be (N, C, H, W), got \(input.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (p, q) = outputSize
    precondition(p > 0 && q > 0, "adaptive pool output size must be positive")
    let output = input.sibling(shape: [n, c, p, q], category: category)
    let x = input.pointer, y = output.pointer
    Parallel.forEach(n * c, costPerItem: h * w + p * q) { plane in
        let source = x + plane * h * w
        let out = y + plane * p * q
        for pp in 0..<p {
            let rows = adaptiveWindow(pp, p, h)
            for qq in 0..<q {
                let columns = adaptiveWindow(qq, q, w)
                var sum: T = 0
                for ih in rows {
                    for iw in columns { sum += source[ih * w + iw] }
                }
                out[pp * q + qq] = sum / T(rows.count * columns.count)
            }
        }
    }
    return output
}

/// Adaptive average-pool backward: spreads each output gradient evenly over its window.
///
/// gradOutput (N, C, outH, outW), inputShape (N, C, H, W) -> gradInput (N, C, H, W). Parallel over (n, c) planes.
@_specialize(where T == Float)
package func adaptiveAvgPool2dBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, inputShape: [Int], category: MemoryCategory = .gradients
) -> Tensor<T> {
    let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (p, q) = (gradOutput.shape[2], gradOutput.shape[3])
    precondition(gradOutput.shape[0] == n && gradOutput.shape[1] == c, "adaptive pool gradOutput vs input shape")
    let gradInput = gradOutput.sibling(shape: inputShape, category: category)
    let dy = gradOutput.pointer, dx = gradInput.pointer
    Parallel.forEach(n * c, costPerItem: h * w + p * q) { plane in
        let target = dx + plane * h * w
        let source = dy + plane * p * q
        for pp in 0..<p {
            let rows = adaptiveWindow(pp, p, h)
            for qq in 0..<q {
                let columns = adaptiveWindow(qq, q, w)
                let share = source[pp * q + qq] / T(rows.count * columns.count)
                for ih in rows {
                    for iw in columns { target[ih * w + iw] += share }
                }
            }
        }
    }
    return gradInput
}
