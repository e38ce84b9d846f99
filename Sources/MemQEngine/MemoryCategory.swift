// What a buffer is for; the allocator keeps live and peak bytes per category.

/// What an engine buffer holds; every allocation is charged to exactly one category.
package enum MemoryCategory: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// Trainable parameters.
    case weights
    /// Non-trainable state such as batch-norm running mean and variance.
    case buffers
    /// Gradients (of parameters; the kernels also put gradients of activations here unless told otherwise).
    case gradients
    /// Optimizer state (momentum, moment estimates), allocated lazily on the first step.
    case optimizerState
    /// Forward outputs and the tensors saved for backward.
    case activations
    /// Scratch inside one kernel or optimizer step (im2col workspace), freed before the call returns.
    case temporary
    /// The batch: images, labels.
    case input

    /// A readable name or summary.
    /// A readable name or summary.
    package var description: String {
        switch self {
        case .weights: "weights"
        case .buffers: "buffers"
        case .gradients: "gradients"
        case .optimizerState: "optimizerState"
        case .activations: "activations"
        case .temporary: "temporary"
        case .input: "input"
        }
    }
}
