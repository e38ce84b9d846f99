// One parameter's optimizer state.

/// State tensors of one parameter plus its step count.
final class OptimizerSlot<Scalar: EngineScalar> {
    /// Number of updates applied so far (PyTorch's `state["step"]`).
    var step = 0
    /// The state tensors, in the order the optimizer documents.
    let tensors: [Tensor<Scalar>]

    /// Allocates `count` zero-filled tensors shaped like `parameter` in category `optimizerState`.
    init(count: Int, like parameter: Tensor<Scalar>) {
        tensors = (0..<count).map { _ in parameter.sibling(shape: parameter.shape, category: .optimizerState) }
    }
}
