// Conv2d: forward against a direct loop, backward against central differences, in Double.
import Testing
import MemQEngine

@Suite("Conv2d")
struct Conv2dTests {
    @Test("forward matches a direct loop", arguments: ConvCase.all)
    func forwardMatchesReference(_ c: ConvCase) {
        let allocator = EngineAllocator()
        let x = randomTensor(c.input, seed: 1, allocator: allocator)
        let w = randomTensor(c.weightShape, seed: 2, allocator: allocator, category: .weights)
        let b = c.bias ? randomTensor([c.outChannels], seed: 3, allocator: allocator, category: .weights) : nil
        let y = conv2dForward(input: x, weight: w, bias: b, options: c.options)
        #expect(y.shape == conv2dOutputShape(inputShape: c.input, weightShape: c.weightShape, options: c.options))
        #expect(maxDifference(y, referenceConv2d(input: x, weight: w, bias: b, options: c.options)) < 1e-12)
    }

    @Test("backward matches central differences", arguments: ConvCase.all)
    func backwardMatchesFiniteDifferences(_ c: ConvCase) {
        let allocator = EngineAllocator()
        let x = randomTensor(c.input, seed: 11, allocator: allocator)
        let w = randomTensor(c.weightShape, seed: 12, allocator: allocator, category: .weights)
        let b = c.bias ? randomTensor([c.outChannels], seed: 13, allocator: allocator, category: .weights) : nil
        let y = conv2dForward(input: x, weight: w, bias: b, options: c.options)
        let upstream = randomTensor(y.shape, seed: 14, allocator: allocator)
        let grads = conv2dBackward(gradOutput: upstream, input: x, weight: w, hasBias: c.bias, options: c.options)
        guard let gradInput = grads.gradInput else {
            Issue.record("no input gradient")
            return
        }
        #expect(gradInput.shape == x.shape && grads.gradWeight.shape == w.shape)
        #expect((grads.gradBias != nil) == c.bias)
        var inputs = [x, w], analytic = [gradInput, grads.gradWeight]
        if let b, let gb = grads.gradBias { inputs.append(b); analytic.append(gb) }
        let errors = gradientErrors(inputs: inputs, analytic: analytic) {
            weightedSum(conv2dForward(input: x, weight: w, bias: b, options: c.options), upstream)
        }
        for error in errors { #expect(error < 1e-6) }
    }

    @Test("skipping the input gradient gives the same weight gradient")
    func weightOnlyBackward() {
        let allocator = EngineAllocator()
        let options = Conv2dOptions(stride: 2, padding: 1)
        let x = randomTensor([2, 3, 6, 6], seed: 21, allocator: allocator)
        let w = randomTensor([4, 3, 3, 3], seed: 22, allocator: allocator, category: .weights)
        let dy = randomTensor([2, 4, 3, 3], seed: 23, allocator: allocator)
        let full = conv2dBackward(gradOutput: dy, input: x, weight: w, hasBias: true, options: options)
        let partial = conv2dBackward(gradOutput: dy, input: x, weight: w, hasBias: true, options: options,
                                     computeGradInput: false)
        #expect(partial.gradInput == nil)
        #expect(maxDifference(full.gradWeight, partial.gradWeight) == 0)
    }

    @Test("larger convolutions (parallel im2col and direct loops) match the reference",
          arguments: [1, 16])
    func parallelPathsMatchReference(groups: Int) {
        let allocator = EngineAllocator()
        let options = Conv2dOptions(stride: 1, padding: 1, groups: groups)
        let x = randomTensor([2, 16, 16, 16], seed: 31, allocator: allocator)
        let w = randomTensor([16, 16 / groups, 3, 3], seed: 32, allocator: allocator, category: .weights)
        let b = randomTensor([16], seed: 33, allocator: allocator, category: .weights)
        let y = conv2dForward(input: x, weight: w, bias: b, options: options)
        #expect(maxDifference(y, referenceConv2d(input: x, weight: w, bias: b, options: options)) < 1e-10)
    }

    @Test("Float forward (cblas_sgemm) agrees with Double (cblas_dgemm)")
    func floatAgreesWithDouble() {
        let allocator = EngineAllocator()
        let options = Conv2dOptions(stride: 2, padding: 1)
        let xd = randomTensor([2, 3, 7, 7], seed: 41, allocator: allocator)
        let wd = randomTensor([5, 3, 3, 3], seed: 42, allocator: allocator, category: .weights)
        let xf = Tensor<Float>(shape: xd.shape, values: xd.toArray().map(Float.init), category: .input, allocator: allocator)
        let wf = Tensor<Float>(shape: wd.shape, values: wd.toArray().map(Float.init), category: .weights, allocator: allocator)
        let yd = conv2dForward(input: xd, weight: wd, bias: nil, options: options)
        let yf = conv2dForward(input: xf, weight: wf, bias: nil, options: options)
        var worst = 0.0
        for i in 0..<yd.count { worst = max(worst, abs(Double(yf[i]) - yd[i])) }
        #expect(worst < 1e-5)
    }
}
