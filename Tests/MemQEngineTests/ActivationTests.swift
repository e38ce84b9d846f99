// Activations: reference values, backward operand, and backward against central differences.
import Testing
import MemQEngine

extension Activation: CustomTestStringConvertible {
    public var testDescription: String { "\(self)" }
}

@Suite("Activations")
struct ActivationTests {
    static let all: [Activation] = [.relu, .relu6, .leakyRelu(slope: 0.01), .leakyRelu(slope: 0.2), .gelu, .silu,
                                    .sigmoid, .tanh, .hardswish, .hardsigmoid]

    /// Points where the derivative jumps; test inputs stay 1e-3 away from them.
    static func kinks(_ kind: Activation) -> [Double] {
        switch kind {
        case .relu, .leakyRelu: [0]
        case .relu6: [0, 6]
        case .hardswish, .hardsigmoid: [-3, 3]
        case .gelu, .silu, .sigmoid, .tanh: []
        }
    }

    @Test("forward values", arguments: [
        (Activation.relu, -1.0, 0.0), (.relu, 2.0, 2.0), (.relu6, 7.0, 6.0), (.relu6, 3.0, 3.0),
        (.leakyRelu(slope: 0.1), -2.0, -0.2), (.gelu, 1.0, 0.841_344_746_068_542_9),
        (.gelu, -1.0, -0.158_655_253_931_457_05), (.silu, 1.0, 0.731_058_578_630_004_9),
        (.sigmoid, 0.0, 0.5), (.sigmoid, -800.0, 0.0), (.tanh, 0.5, 0.462_117_157_260_009_8),
        (.hardswish, 1.0, 4.0 / 6.0), (.hardswish, -4.0, 0.0), (.hardswish, 4.0, 4.0),
        (.hardsigmoid, 0.0, 0.5), (.hardsigmoid, 5.0, 1.0),
    ])
    func forwardValues(kind: Activation, x: Double, expected: Double) {
        let allocator = EngineAllocator()
        let input = Tensor<Double>(shape: [1], values: [x], category: .input, allocator: allocator)
        #expect(abs(activationForward(input, kind)[0] - expected) < 1e-15)
    }

    @Test("backward matches central differences", arguments: all)
    func backwardMatchesFiniteDifferences(kind: Activation) {
        let allocator = EngineAllocator()
        let x = randomTensor([2, 3, 4, 4], seed: 7, allocator: allocator, scale: 8, kinks: Self.kinks(kind))
        let y = activationForward(x, kind)
        let upstream = randomTensor(y.shape, seed: 8, allocator: allocator)
        let saved = kind.backwardOperand == .input ? x : y
        let dx = activationBackward(gradOutput: upstream, saved: saved, kind)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(activationForward(x, kind), upstream)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("backward operands: output for relu/relu6/hardsigmoid/sigmoid/tanh, input otherwise", arguments: all)
    func backwardOperand(kind: Activation) {
        switch kind {
        case .relu, .relu6, .hardsigmoid, .sigmoid, .tanh: #expect(kind.backwardOperand == .output)
        case .leakyRelu, .gelu, .silu, .hardswish: #expect(kind.backwardOperand == .input)
        }
    }

    @Test("in-place forward equals out-of-place on a large tensor (parallel chunks)")
    func inPlace() {
        let allocator = EngineAllocator()
        let x = randomTensor([100_000], seed: 9, allocator: allocator, scale: 8)
        let expected = activationForward(x, .relu6)
        let result = activationForwardInPlace(x, .relu6)
        #expect(result === x)
        #expect(maxDifference(result, expected) == 0)
    }
}
