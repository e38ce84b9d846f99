import Testing
@testable import MemQCore

/// Shapes against PyTorch's documented formulas (nn.Conv2d, nn.MaxPool2d docs; aten Pool.h).
@Suite struct ShapeInferenceTests {
    private func out(_ input: [Int], _ op: Op) throws -> [Int] {
        var b = GraphBuilder(name: "t")
        let x = b.input(shape: input)
        b.add("n", op, [x])
        return try ModelAnalysis(try b.build()).layers[1].outputShape.dims
    }

    /// floor((W - F + 2P)/S) + 1, with dilation: floor((W + 2P - d(F-1) - 1)/S) + 1.
    @Test(arguments: [
        // (W, F, P, S, d, expected)
        (224, 7, 3, 2, 1, 112), (227, 11, 0, 4, 1, 55), (224, 11, 2, 4, 1, 55), (5, 3, 0, 1, 1, 3),
        (32, 3, 2, 1, 2, 32), (7, 3, 0, 2, 1, 3), (8, 3, 1, 2, 1, 4), (10, 3, 0, 1, 3, 4),
    ])
    func convOutput(w: Int, f: Int, p: Int, s: Int, d: Int, expected: Int) throws {
        let dims = try out([3, w, w], .conv2d(Conv2d(outChannels: 4, kernel: Pair(f), stride: Pair(s), padding: .explicit(Pair(p)), dilation: Pair(d))))
        #expect(dims == [4, expected, expected])
    }

    @Test func namedPaddingModes() throws {
        // same: output = input at stride 1; valid: no padding; full: W + F - 1.
        #expect(try out([1, 10, 10], .conv2d(Conv2d(outChannels: 1, kernel: Pair(5), padding: .same))) == [1, 10, 10])
        #expect(try out([1, 10, 10], .conv2d(Conv2d(outChannels: 1, kernel: Pair(5), padding: .valid))) == [1, 6, 6])
        #expect(try out([1, 10, 10], .conv2d(Conv2d(outChannels: 1, kernel: Pair(5), padding: .full))) == [1, 14, 14])
        // same at stride 2: ceil(10 / 2) = 5.
        #expect(try out([1, 10, 10], .conv2d(Conv2d(outChannels: 1, kernel: Pair(3), stride: Pair(2), padding: .same))) == [1, 5, 5])
    }

    /// Pooling, floor and ceil mode: ceil mode drops a last window that would start in the right padding.
    @Test(arguments: [
        // (W, K, S, P, ceil, expected)
        (112, 3, 2, 1, false, 56),  // ResNet's stem pool
        (55, 3, 2, 0, false, 27),   // AlexNet
        (55, 3, 2, 0, true, 27),    // (55-3)/2 = 26 exactly: ceil changes nothing
        (56, 3, 2, 0, false, 27),   // floor(53/2) + 1
        (56, 3, 2, 0, true, 28),    // ceil(53/2) + 1: SqueezeNet / GoogLeNet pools
        (112, 3, 2, 0, true, 56),   // GoogLeNet maxpool1
        (5, 2, 2, 1, true, 3),      // ceil((5+2-2)/2)+1 = 4, but window 3 starts at 6 >= 5+1: dropped
        (6, 2, 2, 1, true, 4),      // ceil(6/2)+1 = 4; last start 6 < 6+1: kept
        (7, 2, 2, 0, true, 4),      // ceil(5/2)+1 = 4; start 6 < 7: kept
    ])
    func poolOutput(w: Int, k: Int, s: Int, p: Int, ceil: Bool, expected: Int) throws {
        let dims = try out([2, w, w], .maxPool2d(Pool2d(kernel: Pair(k), stride: Pair(s), padding: Pair(p), ceilMode: ceil)))
        #expect(dims == [2, expected, expected])
    }

    @Test func adaptiveFlattenReshapePermute() throws {
        #expect(try out([512, 7, 7], .adaptiveAvgPool2d(outputSize: [1, 1])) == [512, 1, 1])
        #expect(try out([512, 7, 7], .flatten(startDim: 1, endDim: -1)) == [25088])
        #expect(try out([512, 7, 7], .flatten(startDim: 2, endDim: -1)) == [512, 49])
        #expect(try out([512, 7, 7], .reshape(shape: [-1, 49])) == [512, 49])
        #expect(try out([8, 4, 5], .permute(dims: [0, 2, 3, 1])) == [4, 5, 8])
        #expect(try out([8, 4, 5], .transpose(1, 3)) == [5, 4, 8])
        #expect(try out([16, 4, 4], .upsample(scale: 2)) == [16, 8, 8])
        #expect(try out([10, 6], .split(Split(chunks: 3, index: 2, dim: 1))) == [2, 6]) // chunk: ceil(10/3)=4,4,2
        #expect(try out([10, 6], .split(Split(sizes: [7, 3], index: 0, dim: 1))) == [7, 6])
        #expect(try out([10, 6], .select(dim: 1, index: 0)) == [6])
    }

    @Test func broadcastingAndMatmul() throws {
        var b = GraphBuilder(name: "t")
        let x = b.input(shape: [64, 14, 14])
        let s = b.adaptiveAvgPool(x, "se_pool")
        let m = b.add("scale", .mul, [x, s])
        let q = b.input("q", shape: [4, 10, 16])
        let k = b.add("kt", .transpose(2, 3), [q])
        let scores = b.add("scores", .matmul, [q, k])
        let a = try ModelAnalysis(try b.build(output: m))
        let byName = Dictionary(uniqueKeysWithValues: a.layers.map { ($0.name, $0) })
        #expect(byName[m]?.outputShape.dims == [64, 14, 14])
        #expect(byName[scores]?.outputShape.dims == [4, 10, 10])
        #expect(byName[scores]?.macs == 4 * 10 * 10 * 16)
    }

    @Test func attentionCountsLikeMultiheadAttention() throws {
        // nn.MultiheadAttention(768, 12): in_proj 3*768*768 + 3*768, out_proj 768*768 + 768.
        let dims = try out([197, 768], .attention(Attention(embedDim: 768, heads: 12)))
        #expect(dims == [197, 768])
        var b = GraphBuilder(name: "t")
        let x = b.input(shape: [197, 768])
        b.add("attn", .attention(Attention(embedDim: 768, heads: 12)), [x])
        let a = try ModelAnalysis(try b.build())
        #expect(a.params.total == 4 * 768 * 768 + 4 * 768)
        // Projections 197*4*768*768, scores and weighted sum 2*12*197*197*64.
        #expect(a.macs == 197 * 4 * 768 * 768 + 2 * 12 * 197 * 197 * 64)
    }
}
