import Testing
@testable import MemQCore

/// The design notes' worked examples (shared/seeds), as numbers derived by hand.
@Suite struct DesignNotesTests {
    private func analyze(_ input: [Int], _ nodes: [(String, Op)]) throws -> ModelAnalysis {
        var b = GraphBuilder(name: "t")
        var x = b.input(shape: input)
        for (name, op) in nodes { x = b.add(name, op, [x]) }
        return try ModelAnalysis(try b.build())
    }

    /// 5x5 single-channel image, 3x3 kernel, stride 1, no padding: 3x3 outputs, each 9 multiplications and
    /// 8 additions = 17 FLOPs, 153 in all; with bias 9 weights + 1 bias = 10 parameters.
    @Test func threeByThreeKernelOnFiveByFive() throws {
        let noBias = try analyze([1, 5, 5], [("conv", .conv2d(Conv2d(outChannels: 1, kernel: Pair(3), bias: false)))])
        #expect(noBias.layers[1].outputShape.dims == [1, 3, 3])
        #expect(noBias.exactFlops == 153)
        #expect(noBias.macs == 81)
        let withBias = try analyze([1, 5, 5], [("conv", .conv2d(Conv2d(outChannels: 1, kernel: Pair(3), bias: true)))])
        #expect(withBias.params.total == 10)
        #expect(withBias.exactFlops == 162) // 2 * Cin * K^2 * H * W * Cout = 2 * 9 * 9
    }

    /// Linear without bias: (2I - 1) * O FLOPs; with bias 2I * O.
    @Test func linearFlops() throws {
        let a = try analyze([100], [("fc", .linear(Linear(outFeatures: 10, bias: false)))])
        #expect(a.exactFlops == 199 * 10)
        #expect(a.params.total == 1000)
        let b = try analyze([100], [("fc", .linear(Linear(outFeatures: 10, bias: true)))])
        #expect(b.exactFlops == 200 * 10)
        #expect(b.params.total == 1010)
    }

    /// VGG-16's first fully connected layer: 7*7*512*4096 = 102,760,448 weights (+4096 biases).
    @Test func vggFirstFullyConnected() throws {
        let a = try analyze([512, 7, 7], [("flatten", .flatten(startDim: 1, endDim: -1)),
                                          ("fc6", .linear(Linear(outFeatures: 4096)))])
        #expect(a.params.total == 102_760_448 + 4096)
        #expect(a.layers[2].macs == 102_760_448)
    }

    /// Depthwise separable vs standard conv: (Kh*Kw*Cin + Cin*Cout) / (Kh*Kw*Cin*Cout) = 1/Cout + 1/(Kh*Kw).
    @Test(arguments: [(32, 64, 3), (128, 256, 3), (16, 16, 5)])
    func depthwiseSeparableRatio(cin: Int, cout: Int, k: Int) throws {
        let standard = try analyze([cin, 20, 20], [("conv", .conv2d(Conv2d(outChannels: cout, kernel: Pair(k), padding: .same, bias: false)))])
        let separable = try analyze([cin, 20, 20], [
            ("dw", .conv2d(Conv2d(outChannels: cin, kernel: Pair(k), padding: .same, groups: cin, bias: false))),
            ("pw", .conv2d(Conv2d(outChannels: cout, kernel: Pair(1), bias: false))),
        ])
        let ratio = Double(separable.params.total) / Double(standard.params.total)
        #expect(abs(ratio - (1.0 / Double(cout) + 1.0 / Double(k * k))) < 1e-12)
        #expect(separable.params.total == k * k * cin + cin * cout)
        // The same ratio holds for MACs at equal output size.
        let macRatio = Double(separable.macs) / Double(standard.macs)
        #expect(abs(macRatio - (1.0 / Double(cout) + 1.0 / Double(k * k))) < 1e-12)
    }

    /// Grouped convolution divides the parameters by g.
    @Test func groupedConvParameters() throws {
        let a = try analyze([64, 8, 8], [("conv", .conv2d(Conv2d(outChannels: 128, kernel: Pair(3), groups: 4, bias: false)))])
        #expect(a.params.total == 3 * 3 * 64 * 128 / 4)
    }

    /// BatchNorm: 2N trainable, 2N running statistics (plus the int64 batch counter).
    @Test func batchNormParameters() throws {
        let a = try analyze([64, 8, 8], [("bn", .batchNorm(BatchNorm()))])
        #expect(a.params.trainable == 128)
        #expect(a.params.buffers == 128)
        #expect(a.params.counters == 1)
    }

    /// ShuffleNetV2's memory access cost of a 1x1 conv: h*w*(c1 + c2) + c1*c2 elements.
    @Test func shuffleNetMemoryAccessCost() throws {
        let a = try analyze([24, 28, 28], [("pw", .conv2d(Conv2d(outChannels: 48, kernel: Pair(1), bias: false)))])
        let expected = 28 * 28 * (24 + 48) + 24 * 48
        #expect(a.layers[1].memoryAccessBytes(batch: 1, dtype: .float32) == expected * 4)
    }

    /// ReLU 1 FLOP and sigmoid 4 per element; max pooling 1 per output; average pooling Kh*Kw per output.
    @Test func elementwiseAndPoolingFlops() throws {
        let relu = try analyze([8, 10, 10], [("r", .activation(Activation(.relu)))])
        #expect(relu.exactFlops == 800)
        let sig = try analyze([8, 10, 10], [("s", .activation(Activation(.sigmoid)))])
        #expect(sig.exactFlops == 3200)
        let maxp = try analyze([8, 10, 10], [("p", .maxPool2d(Pool2d(kernel: Pair(2))))])
        #expect(maxp.exactFlops == 8 * 5 * 5)
        let avgp = try analyze([8, 10, 10], [("p", .avgPool2d(Pool2d(kernel: Pair(2))))])
        #expect(avgp.exactFlops == 8 * 5 * 5 * 4)
    }
}
