// Concat, split, chunk, channel shuffle and flatten: layouts, views, and backward against central differences.
import Testing
import MemQEngine

@Suite("Channel ops")
struct ChannelOpsTests {
    @Test("concat lays inputs out channel after channel, per sample")
    func concatLayout() {
        let allocator = EngineAllocator()
        let a = Tensor<Double>(shape: [2, 1, 2], values: [1, 2, 5, 6], category: .input, allocator: allocator)
        let b = Tensor<Double>(shape: [2, 2, 2], values: [3, 3, 4, 4, 7, 7, 8, 8], category: .input, allocator: allocator)
        let y = concatChannels([a, b])
        #expect(y.shape == [2, 3, 2])
        #expect(y.toArray() == [1, 2, 3, 3, 4, 4, 5, 6, 7, 7, 8, 8])
    }

    @Test("concat backward matches central differences")
    func concatBackward() {
        let allocator = EngineAllocator()
        let inputs = [[2, 1, 3, 3], [2, 3, 3, 3], [2, 2, 3, 3]].enumerated().map {
            randomTensor($0.element, seed: UInt64($0.offset), allocator: allocator)
        }
        let y = concatChannels(inputs)
        let upstream = randomTensor(y.shape, seed: 9, allocator: allocator)
        let grads = concatChannelsBackward(gradOutput: upstream, channels: [1, 3, 2])
        let errors = gradientErrors(inputs: inputs, analytic: grads) { weightedSum(concatChannels(inputs), upstream) }
        for error in errors { #expect(error < 1e-6) }
    }

    @Test("split backward matches central differences (every piece used, weighted differently)")
    func splitBackward() {
        let allocator = EngineAllocator()
        let x = randomTensor([2, 6, 2, 3], seed: 1, allocator: allocator)
        let sizes = [1, 3, 2]
        let pieces = splitChannels(x, sizes: sizes)
        #expect(pieces.map(\.shape) == [[2, 1, 2, 3], [2, 3, 2, 3], [2, 2, 2, 3]])
        let upstream = pieces.enumerated().map { randomTensor($0.element.shape, seed: 10 + UInt64($0.offset), allocator: allocator) }
        let dx = splitChannelsBackward(gradOutputs: upstream, sizes: sizes)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            zip(splitChannels(x, sizes: sizes), upstream).map { weightedSum($0, $1) }.reduce(0, +)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("split backward treats a missing gradient as zeros")
    func splitMissingGradient() {
        let allocator = EngineAllocator()
        let g = Tensor<Double>(shape: [1, 1, 1], values: [5], category: .gradients, allocator: allocator)
        let dx = splitChannelsBackward(gradOutputs: [nil, g], sizes: [2, 1])
        #expect(dx.toArray() == [0, 0, 5])
    }

    @Test("chunk follows torch.chunk sizes", arguments: [(5, 2, [3, 2]), (6, 3, [2, 2, 2]), (5, 3, [2, 2, 1]), (3, 5, [1, 1, 1])])
    func chunkSizes(channels: Int, chunks: Int, expected: [Int]) {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [1, channels], category: .input, allocator: allocator)
        #expect(chunkChannels(x, chunks: chunks).map { $0.shape[1] } == expected)
    }

    @Test("channel shuffle permutes (g, C/g) -> (C/g, g)")
    func shuffleLayout() {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [1, 6, 1, 1], values: [0, 1, 2, 3, 4, 5], category: .input, allocator: allocator)
        let y = channelShuffleForward(x, groups: 2)
        #expect(y.toArray() == [0, 3, 1, 4, 2, 5])
        #expect(channelShuffleBackward(gradOutput: y, groups: 2).toArray() == [0, 1, 2, 3, 4, 5])
    }

    @Test("channel shuffle backward matches central differences", arguments: [2, 3, 4])
    func shuffleBackward(groups: Int) {
        let allocator = EngineAllocator()
        let x = randomTensor([2, 12, 2, 2], seed: 5, allocator: allocator)
        let upstream = randomTensor(x.shape, seed: 6, allocator: allocator)
        let dx = channelShuffleBackward(gradOutput: upstream, groups: groups)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(channelShuffleForward(x, groups: groups), upstream)
        }
        #expect(errors[0] < 1e-6)
    }

    @Test("flatten and its backward are views: no allocation, shared buffer")
    func flattenIsAView() {
        let allocator = EngineAllocator()
        let x = randomTensor([2, 3, 2, 2], seed: 1, allocator: allocator)
        let before = allocator.snapshot()
        let y = flatten(x)
        #expect(y.shape == [2, 12] && y.isView && y.pointer == x.pointer)
        let back = flattenBackward(gradOutput: y, inputShape: x.shape)
        #expect(back.shape == x.shape && back.pointer == x.pointer)
        #expect(allocator.snapshot() == before)
    }
}
