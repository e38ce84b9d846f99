// BatchNorm: statistics, running-stat updates, eval mode, and backward against central differences.
import Testing
import MemQEngine

@Suite("BatchNorm")
struct BatchNormTests {
    @Test("train forward normalises per channel and updates running stats like PyTorch")
    func forwardStatistics() {
        let allocator = EngineAllocator()
        // (N=4, C=2): channel 0 = [1, 2, 3, 4], channel 1 = [2, 2, 2, 6]
        let x = Tensor<Double>(shape: [4, 2], values: [1, 2, 2, 2, 3, 2, 4, 6], category: .input, allocator: allocator)
        let runningMean = Tensor<Double>(shape: [2], values: [0, 0], category: .buffers, allocator: allocator)
        let runningVar = Tensor<Double>(shape: [2], values: [1, 1], category: .buffers, allocator: allocator)
        let result = batchNormForward(input: x, weight: nil, bias: nil, runningMean: runningMean,
                                      runningVar: runningVar, momentum: 0.1, eps: 0)
        // channel 0: mean 2.5, biased var (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, unbiased 5 / 3
        // channel 1: mean 3, biased var (1 + 1 + 1 + 9) / 4 = 3, unbiased 4
        #expect(abs(result.saveMean[0] - 2.5) < 1e-15 && abs(result.saveMean[1] - 3) < 1e-15)
        #expect(abs(result.saveInvstd[0] - 1 / 1.25.squareRoot()) < 1e-15)
        #expect(abs(result.saveInvstd[1] - 1 / 3.0.squareRoot()) < 1e-15)
        // running_mean = 0.9 * 0 + 0.1 * mean; running_var = 0.9 * 1 + 0.1 * unbiased var
        #expect(abs(runningMean[0] - 0.25) < 1e-15 && abs(runningMean[1] - 0.3) < 1e-15)
        #expect(abs(runningVar[0] - (0.9 + 0.1 * 5 / 3)) < 1e-15 && abs(runningVar[1] - 1.3) < 1e-15)
        // y = (x - mean) * invstd: channel 0, sample 0: -1.5 / sqrt(1.25)
        #expect(abs(result.output[0] - (-1.5 / 1.25.squareRoot())) < 1e-14)
    }

    @Test("eval forward uses the running statistics")
    func inference() {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [1, 2, 1, 1], values: [3, 5], category: .input, allocator: allocator)
        let mean = Tensor<Double>(shape: [2], values: [1, 1], category: .buffers, allocator: allocator)
        let variance = Tensor<Double>(shape: [2], values: [4, 16], category: .buffers, allocator: allocator)
        let gamma = Tensor<Double>(shape: [2], values: [2, 1], category: .weights, allocator: allocator)
        let beta = Tensor<Double>(shape: [2], values: [0, 1], category: .weights, allocator: allocator)
        let y = batchNormInference(input: x, weight: gamma, bias: beta, runningMean: mean, runningVar: variance, eps: 0)
        // (3 - 1) / 2 * 2 + 0 = 2; (5 - 1) / 4 * 1 + 1 = 2
        #expect(y.toArray() == [2, 2])
    }

    @Test("backward matches central differences", arguments: [[5, 3], [2, 3, 3, 2]], [true, false])
    func backwardMatchesFiniteDifferences(shape: [Int], affine: Bool) {
        let allocator = EngineAllocator()
        let x = randomTensor(shape, seed: 1, allocator: allocator, scale: 2)
        let gamma = affine ? randomTensor([3], seed: 2, allocator: allocator, category: .weights) : nil
        let beta = affine ? randomTensor([3], seed: 3, allocator: allocator, category: .weights) : nil
        let forward = batchNormForward(input: x, weight: gamma, bias: beta, runningMean: nil, runningVar: nil)
        let upstream = randomTensor(shape, seed: 4, allocator: allocator)
        let grads = batchNormBackward(gradOutput: upstream, input: x, weight: gamma, saveMean: forward.saveMean,
                                      saveInvstd: forward.saveInvstd, hasAffine: affine)
        var inputs = [x], analytic = [grads.gradInput!]
        if let gamma, let beta, let gw = grads.gradWeight, let gb = grads.gradBias {
            inputs += [gamma, beta]
            analytic += [gw, gb]
        }
        #expect((grads.gradWeight != nil) == affine)
        let errors = gradientErrors(inputs: inputs, analytic: analytic) {
            weightedSum(batchNormForward(input: x, weight: gamma, bias: beta, runningMean: nil, runningVar: nil).output,
                        upstream)
        }
        for error in errors { #expect(error < 1e-6) }
    }
}
