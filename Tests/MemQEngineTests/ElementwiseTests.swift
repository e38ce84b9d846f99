// Add and mul with broadcasting: values, aliasing, and backward against central differences.
import Testing
import MemQEngine

@Suite("Elementwise add and mul")
struct ElementwiseTests {
    /// (a shape, b shape): equal, squeeze-excite (N, C, 1, 1), bias-like (C, 1, 1), both broadcast, reversed.
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4, 4], [2, 3, 4, 4]),
        ([2, 3, 4, 4], [2, 3, 1, 1]),
        ([2, 3, 1, 1], [2, 3, 4, 4]),
        ([2, 3, 4, 4], [3, 1, 1]),
        ([4, 5], [5]),
        ([2, 1, 3, 4], [2, 3, 1, 4]),
        ([2, 3, 4, 4], [1]),
    ]

    @Test("add backward matches central differences", arguments: shapePairs)
    func addGradients(aShape: [Int], bShape: [Int]) {
        let allocator = EngineAllocator()
        let a = randomTensor(aShape, seed: 1, allocator: allocator)
        let b = randomTensor(bShape, seed: 2, allocator: allocator)
        let y = addForward(a, b)
        let upstream = randomTensor(y.shape, seed: 3, allocator: allocator)
        let grads = addBackward(gradOutput: upstream, aShape: aShape, bShape: bShape)
        #expect(grads.gradA.shape == aShape && grads.gradB.shape == bShape)
        let errors = gradientErrors(inputs: [a, b], analytic: [grads.gradA, grads.gradB]) {
            weightedSum(addForward(a, b), upstream)
        }
        for error in errors { #expect(error < 1e-6) }
    }

    @Test("mul backward matches central differences", arguments: shapePairs)
    func mulGradients(aShape: [Int], bShape: [Int]) {
        let allocator = EngineAllocator()
        let a = randomTensor(aShape, seed: 4, allocator: allocator)
        let b = randomTensor(bShape, seed: 5, allocator: allocator)
        let y = mulForward(a, b)
        let upstream = randomTensor(y.shape, seed: 6, allocator: allocator)
        let grads = mulBackward(gradOutput: upstream, a: a, b: b)
        let errors = gradientErrors(inputs: [a, b], analytic: [grads.gradA!, grads.gradB!]) {
            weightedSum(mulForward(a, b), upstream)
        }
        for error in errors { #expect(error < 1e-6) }
    }

    @Test("broadcast forward values")
    func forwardValues() {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [1, 2, 1, 2], values: [1, 2, 3, 4], category: .input, allocator: allocator)
        let s = Tensor<Double>(shape: [1, 2, 1, 1], values: [10, 100], category: .input, allocator: allocator)
        #expect(mulForward(x, s).toArray() == [10, 20, 300, 400])
        #expect(addForward(s, x).toArray() == [11, 12, 103, 104])
        let row = Tensor<Double>(shape: [2], values: [1, -1], category: .input, allocator: allocator)
        #expect(addForward(x, row).toArray() == [2, 1, 4, 3])
    }

    @Test("add backward passes gradOutput through for full-size operands (no allocation)")
    func addAliases() {
        let allocator = EngineAllocator()
        let dy = randomTensor([2, 3], seed: 7, allocator: allocator)
        let before = allocator.snapshot().liveAllocations
        let grads = addBackward(gradOutput: dy, aShape: [2, 3], bShape: [2, 3])
        #expect(grads.gradA === dy && grads.gradB === dy)
        #expect(allocator.snapshot().liveAllocations == before)
    }

    @Test("large squeeze-excite mul (parallel block path) equals the elementwise definition")
    func largeSqueezeExcite() {
        let allocator = EngineAllocator()
        let x = randomTensor([4, 16, 32, 32], seed: 8, allocator: allocator)
        let s = randomTensor([4, 16, 1, 1], seed: 9, allocator: allocator)
        let y = mulForward(x, s)
        var worst = 0.0
        for i in 0..<y.count { worst = max(worst, abs(y[i] - x[i] * s[i / 1024])) }
        #expect(worst == 0)
        let dy = randomTensor(y.shape, seed: 10, allocator: allocator)
        let grads = mulBackward(gradOutput: dy, a: x, b: s)
        var sum = 0.0
        for i in 0..<1024 { sum += dy[i] * x[i] }
        #expect(abs(grads.gradB![0] - sum) < 1e-12)
    }

    @Test("addInPlace accumulates")
    func accumulate() {
        let allocator = EngineAllocator()
        let a = Tensor<Double>(shape: [3], values: [1, 2, 3], category: .gradients, allocator: allocator)
        let b = Tensor<Double>(shape: [3], values: [10, 20, 30], category: .gradients, allocator: allocator)
        addInPlace(a, b)
        #expect(a.toArray() == [11, 22, 33])
    }
}
