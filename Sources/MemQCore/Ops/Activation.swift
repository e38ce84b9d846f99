/// An elementwise nonlinearity, possibly in place (PyTorch's `inplace=True`).
public struct Activation: Sendable, Hashable {
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case relu, relu6, leakyRelu = "leaky_relu", gelu, silu, sigmoid, tanh, hardswish, hardsigmoid

        var opKind: OpKind {
            switch self {
            case .relu: .relu
            case .relu6: .relu6
            case .leakyRelu: .leakyRelu
            case .gelu: .gelu
            case .silu: .silu
            case .sigmoid: .sigmoid
            case .tanh: .tanh
            case .hardswish: .hardswish
            case .hardsigmoid: .hardsigmoid
            }
        }

        /// FLOPs per element in the design notes' exact convention: ReLU 1 (a max), sigmoid 4
        /// (negate, exp, add, divide); the others by the same counting of their formulas.
        public var flopsPerElement: Int {
            switch self {
            case .relu: 1
            case .relu6: 2            // min(max(x, 0), 6)
            case .leakyRelu: 2        // compare, multiply
            case .sigmoid: 4          // 1 / (1 + exp(-x))
            case .tanh: 5             // (e^x - e^-x) / (e^x + e^-x) with shared exps
            case .silu: 5             // x * sigmoid(x)
            case .gelu: 8             // 0.5 x (1 + erf(x / sqrt 2))
            case .hardsigmoid: 3      // min(max(x + 3, 0), 6) / 6
            case .hardswish: 4        // x * hardsigmoid(x)
            }
        }
    }

    public var function: Function
    public var inplace: Bool
    /// Slope for negative inputs of leaky_relu (PyTorch default 0.01).
    public var negativeSlope: Double

    public init(_ function: Function, inplace: Bool = false, negativeSlope: Double = 0.01) {
        self.function = function; self.inplace = inplace; self.negativeSlope = negativeSlope
    }
}
