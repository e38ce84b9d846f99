// Linear: forward against a hand computation, backward against central differences.
import Testing
import MemQEngine

@Suite("Linear")
struct LinearTests {
    @Test("forward computes x W^T + b")
    func forwardByHand() {
        let allocator = EngineAllocator()
        // x = [[1, 2]], W = [[1, 0], [0, 1], [1, 1]], b = [0.5, -1, 0] -> y = [1.5, 1, 3]
        let x = Tensor<Double>(shape: [1, 2], values: [1, 2], category: .input, allocator: allocator)
        let w = Tensor<Double>(shape: [3, 2], values: [1, 0, 0, 1, 1, 1], category: .weights, allocator: allocator)
        let b = Tensor<Double>(shape: [3], values: [0.5, -1, 0], category: .weights, allocator: allocator)
        #expect(linearForward(input: x, weight: w, bias: b).toArray() == [1.5, 1, 3])
    }

    @Test("backward matches central differences", arguments: [[4, 5], [2, 3, 5]], [true, false])
    func backwardMatchesFiniteDifferences(inputShape: [Int], hasBias: Bool) {
        let allocator = EngineAllocator()
        let x = randomTensor(inputShape, seed: 1, allocator: allocator)
        let w = randomTensor([3, 5], seed: 2, allocator: allocator, category: .weights)
        let b = hasBias ? randomTensor([3], seed: 3, allocator: allocator, category: .weights) : nil
        let y = linearForward(input: x, weight: w, bias: b)
        #expect(y.shape == Array(inputShape.dropLast()) + [3])
        let upstream = randomTensor(y.shape, seed: 4, allocator: allocator)
        let grads = linearBackward(gradOutput: upstream, input: x, weight: w, hasBias: hasBias)
        var inputs = [x, w], analytic = [grads.gradInput!, grads.gradWeight]
        if let b, let gb = grads.gradBias { inputs.append(b); analytic.append(gb) }
        #expect((grads.gradBias != nil) == hasBias)
        let errors = gradientErrors(inputs: inputs, analytic: analytic) {
            weightedSum(linearForward(input: x, weight: w, bias: b), upstream)
        }
        for error in errors { #expect(error < 1e-6) }
    }
}
