// Why a graph cannot be executed by the native engine.
import MemQCore

/// A graph the native executor cannot train: every case names the node and what would be valid.
package enum GraphExecutorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The op has no native kernel (transformer and detection ops are sized by the estimator only).
    case unsupportedOp(node: String, op: String)
    /// The op is supported, but not with this attribute (e.g. a concatenation along the width).
    case unsupportedAttribute(node: String, field: String, message: String)
    /// The graph's output cannot be read as classification logits (N, classes).
    case invalidLogits(node: String, message: String)
    /// The batch is not a positive number.
    case invalidBatch(Int)

    package var description: String {
        switch self {
        case .unsupportedOp(let node, let op):
            "node '\(node)': op '\(op)' has no native kernel; the native engine trains conv2d, linear, batchnorm, "
                + "activations, softmax, max/avg/adaptive pooling, mean over H and W, add, mul, concat, split/chunk, "
                + "channel_shuffle, flatten/reshape, dropout and stochastic_depth"
        case .unsupportedAttribute(let node, let field, let message):
            "node '\(node)', field '\(field)': \(message)"
        case .invalidLogits(let node, let message):
            "output '\(node)': \(message)"
        case .invalidBatch(let batch):
            "batch must be a positive number of samples, got \(batch)"
        }
    }
}
