// Softmax and softmax cross-entropy: values and backward against central differences.
import Testing
import MemQEngine

@Suite("Softmax and cross-entropy")
struct SoftmaxTests {
    @Test("softmax rows sum to one and are shift invariant")
    func softmaxValues() {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [2, 3], values: [1, 2, 3, 1001, 1002, 1003], category: .input, allocator: allocator)
        let y = softmaxForward(x)
        // e^0, e^1, e^2 over their sum
        let sum = 1 + 2.718_281_828_459_045 + 7.389_056_098_930_65
        #expect(abs(y[0] - 1 / sum) < 1e-15 && abs(y[2] - 7.389_056_098_930_65 / sum) < 1e-15)
        #expect(maxDifference(y, [y[0], y[1], y[2], y[0], y[1], y[2]]) < 1e-15)
    }

    @Test("softmax backward matches central differences")
    func softmaxBackward() {
        let allocator = EngineAllocator()
        let x = randomTensor([3, 5], seed: 1, allocator: allocator, scale: 3)
        let y = softmaxForward(x)
        let upstream = randomTensor(y.shape, seed: 2, allocator: allocator)
        let dx = MemQEngine.softmaxBackward(gradOutput: upstream, output: y)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) { weightedSum(softmaxForward(x), upstream) }
        #expect(errors[0] < 1e-6)
    }

    @Test("cross-entropy loss values (mean over the batch)")
    func crossEntropyValues() {
        let allocator = EngineAllocator()
        // Row 0: logits (0, 0), label 0 -> log 2. Row 1: logits (0, ln 3), label 1 -> -log(3/4) = log(4/3).
        let logits = Tensor<Double>(shape: [2, 2], values: [0, 0, 0, 1.098_612_288_668_109_8], category: .activations,
                                    allocator: allocator)
        let labels = Tensor<Int32>(shape: [2], values: [0, 1], category: .input, allocator: allocator)
        let result = softmaxCrossEntropyForward(logits: logits, labels: labels)
        let expected = (0.693_147_180_559_945_3 + 0.287_682_072_451_780_9) / 2
        #expect(abs(result.loss - expected) < 1e-15)
        #expect(abs(result.probabilities[3] - 0.75) < 1e-15)
    }

    @Test("cross-entropy backward matches central differences", arguments: [1.0, 0.5])
    func crossEntropyBackward(gradLoss: Double) {
        let allocator = EngineAllocator()
        let logits = randomTensor([4, 6], seed: 3, allocator: allocator, scale: 4)
        let labels = Tensor<Int32>(shape: [4], values: [0, 5, 2, 2], category: .input, allocator: allocator)
        let forward = softmaxCrossEntropyForward(logits: logits, labels: labels)
        let dx = softmaxCrossEntropyBackward(probabilities: forward.probabilities, labels: labels, gradLoss: gradLoss)
        let errors = gradientErrors(inputs: [logits], analytic: [dx]) {
            gradLoss * softmaxCrossEntropyForward(logits: logits, labels: labels).loss
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("the gradient checker rejects a wrong gradient")
    func checkerIsSensitive() {
        let allocator = EngineAllocator()
        let x = randomTensor([3, 5], seed: 4, allocator: allocator)
        let upstream = randomTensor(x.shape, seed: 5, allocator: allocator)
        let wrong = activationBackward(gradOutput: upstream, saved: x, .gelu)
        wrong[7] += 1e-4
        let errors = gradientErrors(inputs: [x], analytic: [wrong]) { weightedSum(activationForward(x, .gelu), upstream) }
        #expect(errors[0] > 1e-5)
    }
}
