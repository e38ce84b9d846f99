// Flatten (torch.flatten), a reshape that shares the buffer, forward and backward.

/// Flattens dimensions `startDimension...` into one, as a view of the same buffer (no allocation, no copy).
///
/// input (N, C, H, W) -> output (N, C*H*W) for startDimension 1. Backward needs: the input shape only.
package func flatten<Element: BitwiseCopyable>(_ input: Tensor<Element>, startDimension: Int = 1) -> Tensor<Element> {
    precondition(startDimension >= 0 && startDimension < max(input.rank, 1), "flatten start \(startDimension) for \(input.shape)")
    let kept = Array(input.shape.prefix(startDimension))
    let merged = input.shape.dropFirst(startDimension).reduce(1, *)
    return input.reshaped(kept + [merged])
}

/// Flatten backward: gradOutput viewed with the input's shape (no allocation, no copy).
///
/// gradOutput (N, C*H*W) -> gradInput (N, C, H, W), sharing gradOutput's buffer.
package func flattenBackward<Element: BitwiseCopyable>(gradOutput: Tensor<Element>, inputShape: [Int]) -> Tensor<Element> {
    gradOutput.reshaped(inputShape)
}
