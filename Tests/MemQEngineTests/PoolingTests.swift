// Max, average and adaptive average pooling: PyTorch's sizes and values, backward against central differences.
import Testing
import MemQEngine

@Suite("Pooling")
struct PoolingTests {
    @Test("output sizes follow PyTorch's pooling_output_shape", arguments: [
        // (input, kernel, stride, padding, ceil) -> expected
        ([6, 3, 2, 0, 0], 2), ([6, 3, 2, 0, 1], 3), ([5, 2, 2, 1, 1], 3), ([5, 2, 2, 1, 0], 3),
        ([7, 3, 2, 1, 0], 4), ([7, 3, 2, 1, 1], 4), ([4, 3, 2, 1, 1], 3), ([112, 3, 2, 1, 0], 56),
        ([13, 3, 2, 0, 1], 6), ([14, 3, 2, 0, 1], 7),
    ])
    func outputSizes(spec: [Int], expected: Int) {
        let options = Pool2dOptions(kernel: spec[1], stride: spec[2], padding: spec[3], ceilMode: spec[4] == 1)
        #expect(options.outputSize(height: spec[0], width: spec[0]) == (expected, expected))
    }

    @Test("max pool forward picks window maxima with Int32 plane offsets")
    func maxForwardValues() {
        let allocator = EngineAllocator()
        // 1x1x3x4 input 0...11, kernel 2, stride 2, ceil mode: windows {0,1,4,5} {2,3,6,7} {8,9} {10,11}
        let x = Tensor<Double>(shape: [1, 1, 3, 4], values: (0..<12).map(Double.init), category: .input, allocator: allocator)
        let result = maxPool2dForward(x, options: Pool2dOptions(kernel: 2, stride: 2, ceilMode: true))
        #expect(result.output.shape == [1, 1, 2, 2])
        #expect(result.output.toArray() == [5, 7, 9, 11])
        #expect(result.indices.toArray() == [5, 7, 9, 11])
    }

    @Test("avg pool divisors: count_include_pad and ceil-mode clipping as PyTorch")
    func averageDivisors() {
        let allocator = EngineAllocator()
        let ones = Tensor<Double>(shape: [1, 1, 4, 4], values: Array(repeating: 1, count: 16), category: .input,
                                  allocator: allocator)
        // k3 s2 p1 ceil on 4x4: windows rows/cols [-1, 2) [1, 4) [3, 5) (the last clipped at H + pad = 5).
        // Divisors 3*3, 3*3, 3*2, ..., 2*2; element counts 2*2, 2*3, 2*1, ..., 1*1.
        let padded = avgPool2dForward(ones, options: Pool2dOptions(kernel: 3, stride: 2, padding: 1, ceilMode: true))
        let expected: [Double] = [4.0 / 9, 6.0 / 9, 2.0 / 6, 6.0 / 9, 9.0 / 9, 3.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 4]
        #expect(maxDifference(padded, expected) < 1e-15)
        let unpadded = avgPool2dForward(ones, options: Pool2dOptions(kernel: 3, stride: 2, padding: 1, ceilMode: true,
                                                                     countIncludePad: false))
        #expect(unpadded.toArray() == Array(repeating: 1, count: 9))
    }

    @Test("adaptive avg pool windows: floor(i*In/Out) ..< ceil((i+1)*In/Out)")
    func adaptiveWindows() {
        let allocator = EngineAllocator()
        // Width 5 -> 3: windows [0, 2) [1, 4) [3, 5) over values 0...4 -> 0.5, 2, 3.5
        let x = Tensor<Double>(shape: [1, 1, 1, 5], values: [0, 1, 2, 3, 4], category: .input, allocator: allocator)
        #expect(adaptiveAvgPool2dForward(x, outputSize: (1, 3)).toArray() == [0.5, 2, 3.5])
        #expect(adaptiveAvgPool2dForward(x, outputSize: (1, 1)).toArray() == [2])
    }

    @Test("max pool backward matches central differences", arguments: PoolCase.all)
    func maxBackward(_ c: PoolCase) {
        let allocator = EngineAllocator()
        let x = distinctTensor(c.input, seed: 3, allocator: allocator)
        let forward = maxPool2dForward(x, options: c.options)
        let upstream = randomTensor(forward.output.shape, seed: 4, allocator: allocator)
        let dx = maxPool2dBackward(gradOutput: upstream, indices: forward.indices, inputShape: x.shape)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(maxPool2dForward(x, options: c.options).output, upstream)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("max pool with dilation 2 matches central differences")
    func maxDilatedBackward() {
        let allocator = EngineAllocator()
        let options = Pool2dOptions(kernel: 3, stride: 1, padding: 1, dilation: 2)
        let x = distinctTensor([1, 2, 6, 6], seed: 5, allocator: allocator)
        let forward = maxPool2dForward(x, options: options)
        #expect(forward.output.shape == [1, 2, 4, 4])
        let upstream = randomTensor(forward.output.shape, seed: 6, allocator: allocator)
        let dx = maxPool2dBackward(gradOutput: upstream, indices: forward.indices, inputShape: x.shape)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(maxPool2dForward(x, options: options).output, upstream)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("avg pool backward matches central differences", arguments: PoolCase.all)
    func averageBackward(_ c: PoolCase) {
        let allocator = EngineAllocator()
        let x = randomTensor(c.input, seed: 7, allocator: allocator)
        let y = avgPool2dForward(x, options: c.options)
        let upstream = randomTensor(y.shape, seed: 8, allocator: allocator)
        let dx = avgPool2dBackward(gradOutput: upstream, inputShape: x.shape, options: c.options)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(avgPool2dForward(x, options: c.options), upstream)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("adaptive avg pool backward matches central differences",
          arguments: [(3, 4), (1, 1), (2, 2), (7, 7)])
    func adaptiveBackward(outH: Int, outW: Int) {
        let allocator = EngineAllocator()
        let x = randomTensor([2, 2, 5, 7], seed: 9, allocator: allocator)
        let y = adaptiveAvgPool2dForward(x, outputSize: (outH, outW))
        #expect(y.shape == [2, 2, outH, outW])
        let upstream = randomTensor(y.shape, seed: 10, allocator: allocator)
        let dx = adaptiveAvgPool2dBackward(gradOutput: upstream, inputShape: x.shape)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(adaptiveAvgPool2dForward(x, outputSize: (outH, outW)), upstream)
        }
        #expect(errors[0] < 1e-6)
    }
}
