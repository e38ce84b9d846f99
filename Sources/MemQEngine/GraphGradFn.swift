// One node of the executor's autograd graph: what a forward op kept for its backward.

/// A backward function recorded by the forward pass, as PyTorch's autograd records a `grad_fn`.
///
/// It holds strong references to the tensors its backward reads (so ARC frees them only when the backward has run
/// and `release()` dropped them), the gradient arriving from its consumers (`buffer`, summed out of place when a
/// second one arrives) and, per input of its node, the backward function that input's gradient goes to.
final class GraphGradFn<T: EngineScalar> {
    /// The graph node (index into the analysis' layers) whose op this is; the loss uses the logits' node.
    let node: Int
    /// Creation order; the engine runs the ready function with the largest first (autograd's `sequence_nr`).
    let sequence: Int
    /// Whether this is the loss (softmax cross-entropy) rather than a graph node.
    let isLoss: Bool
    /// Per input of the node: the backward function its gradient goes to, or -1 (no gradient needed).
    let edges: [Int]
    /// Tensors saved for the backward (inputs, results, batch-norm statistics, noise).
    var saved: [Tensor<T>]
    /// Max-pool indices.
    var indices: Tensor<Int32>?
    /// Dropout mask.
    var mask: Tensor<UInt8>?
    /// The incoming gradient, once a consumer has sent one.
    var buffer: Tensor<T>?
    /// Consumers whose gradient has not arrived yet (set before the backward pass).
    var dependencies = 0

    init(node: Int, sequence: Int, isLoss: Bool = false, edges: [Int], saved: [Tensor<T>],
         indices: Tensor<Int32>? = nil, mask: Tensor<UInt8>? = nil) {
        self.node = node
        self.sequence = sequence
        self.isLoss = isLoss
        self.edges = edges
        self.saved = saved
        self.indices = indices
        self.mask = mask
    }

    /// Drops the saved tensors (autograd's `release_variables`), freeing those nothing else holds.
    func release() {
        saved = []
        indices = nil
        mask = nil
    }
}
