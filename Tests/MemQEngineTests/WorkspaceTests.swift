// The documented temporary workspace of each kernel, measured by the allocator.
import Testing
import MemQEngine

@Suite("Kernel workspaces")
struct WorkspaceTests {
    @Test("conv2d allocates exactly C/g*Kh*Kw*P*Q temporary elements (0 for pointwise and depthwise)", arguments: [
        // input, weight, stride, padding, dilation, groups, expected workspace elements
        ([2, 4, 8, 8], [6, 4, 3, 3], 1, 1, 1, 1, 4 * 9 * 64),
        ([2, 4, 8, 8], [6, 2, 3, 3], 2, 1, 1, 2, 2 * 9 * 16),
        ([2, 4, 8, 8], [6, 4, 3, 3], 1, 2, 2, 1, 4 * 9 * 64),
        ([2, 4, 8, 8], [6, 4, 1, 1], 1, 0, 1, 1, 0),
        ([2, 4, 8, 8], [6, 4, 1, 1], 2, 0, 1, 1, 4 * 16),
        ([2, 4, 8, 8], [8, 1, 3, 3], 1, 1, 1, 4, 0),
    ])
    func conv2dWorkspace(input: [Int], weight: [Int], stride: Int, padding: Int, dilation: Int, groups: Int,
                         expected: Int) {
        let options = Conv2dOptions(stride: stride, padding: padding, dilation: dilation, groups: groups)
        #expect(conv2dWorkspaceElements(inputShape: input, weightShape: weight, options: options) == expected)
        let allocator = EngineAllocator()
        let x = Tensor<Float>(shape: input, category: .input, allocator: allocator)
        let w = Tensor<Float>(shape: weight, category: .weights, allocator: allocator)
        let y = conv2dForward(input: x, weight: w, bias: nil, options: options)
        var s = allocator.snapshot()
        #expect(s.peak(.temporary) == expected * 4 && s.live(.temporary) == 0)
        #expect(s.live(.activations) == y.byteCount)
        allocator.resetPeaks()
        let grads = conv2dBackward(gradOutput: y, input: x, weight: w, hasBias: true, options: options)
        s = allocator.snapshot()
        #expect(s.peak(.temporary) == expected * 4 && s.live(.temporary) == 0)
        #expect(s.live(.gradients) == (x.count + w.count + weight[0]) * 4)
        _ = grads
    }

    @Test("other kernels allocate only their outputs (cross-entropy: N temporary elements)")
    func noHiddenAllocations() {
        let allocator = EngineAllocator()
        let x = Tensor<Float>(shape: [4, 3, 6, 6], category: .input, allocator: allocator)
        let w = Tensor<Float>(shape: [5, 108], category: .weights, allocator: allocator)
        allocator.resetPeaks()
        let base = allocator.snapshot().liveTotal
        let bn = batchNormForward(input: x, weight: nil, bias: nil, runningMean: nil, runningVar: nil)
        let pooled = maxPool2dForward(bn.output, options: Pool2dOptions(kernel: 2))
        let activated = activationForward(pooled.output, .silu)
        let logits = linearForward(input: flatten(avgPool2dForward(bn.output, options: Pool2dOptions(kernel: 1))), weight: w,
                                   bias: nil)
        let labels = Tensor<Int32>(shape: [4], category: .input, allocator: allocator)
        let loss = softmaxCrossEntropyForward(logits: logits, labels: labels)
        let s = allocator.snapshot()
        // bn: output 432 + mean 3 + invstd 3 floats; maxpool: 108 floats + 108 Int32; silu 108;
        // linear 20; cross-entropy probabilities 20 (+ 4 temporary, freed). 4-byte elements, plus 16 B of labels.
        // The avg-pool output (432) was freed as soon as linear returned: nothing else referenced it.
        #expect(s.liveTotal - base == (432 + 6 + 108 + 108 + 108 + 20 + 20) * 4 + 16)
        // The peak was when linear's output existed next to the avg-pool output (before labels and cross-entropy).
        #expect(s.peakTotal - base == (432 + 6 + 108 + 108 + 108 + 432 + 20) * 4)
        #expect(s.peak(.temporary) == 4 * 4 && s.live(.temporary) == 0)
        _ = (activated, loss)
    }
}
