// Dropout: byte mask statistics, scaling, determinism, and backward against central differences.
import Testing
import MemQEngine

@Suite("Dropout")
struct DropoutTests {
    @Test("train forward keeps about 1 - p, scales survivors by 1 / (1 - p), byte mask")
    func forwardStatistics() {
        let allocator = EngineAllocator()
        let x = Tensor<Double>(shape: [200_000], values: Array(repeating: 1, count: 200_000), category: .input,
                               allocator: allocator)
        let result = dropoutForward(x, p: 0.25, seed: 42)
        #expect(result.mask.byteCount == 200_000)
        var kept = 0
        for i in 0..<x.count {
            let expected = result.mask[i] == 1 ? 1 / 0.75 : 0
            if result.output[i] != expected { Issue.record("element \(i): \(result.output[i])"); break }
            kept += Int(result.mask[i])
        }
        #expect(abs(Double(kept) / 200_000 - 0.75) < 0.005)
        // Same seed, same mask (streams are per 65 536 elements, independent of the thread count).
        #expect(dropoutForward(x, p: 0.25, seed: 42).mask.toArray() == result.mask.toArray())
        #expect(dropoutForward(x, p: 0.25, seed: 43).mask.toArray() != result.mask.toArray())
    }

    @Test("p = 0 keeps everything, p = 1 drops everything")
    func extremes() {
        let allocator = EngineAllocator()
        let x = randomTensor([1000], seed: 1, allocator: allocator)
        #expect(dropoutForward(x, p: 0, seed: 1).output.toArray() == x.toArray())
        let all = dropoutForward(x, p: 1, seed: 1)
        #expect(all.output.toArray().allSatisfy { $0 == 0 } && all.mask.toArray().allSatisfy { $0 == 0 })
        #expect(dropoutBackward(gradOutput: x, mask: all.mask, p: 1).toArray().allSatisfy { $0 == 0 })
    }

    @Test("backward matches central differences for a fixed seed")
    func backwardMatchesFiniteDifferences() {
        let allocator = EngineAllocator()
        let x = randomTensor([3, 4, 5], seed: 2, allocator: allocator)
        let forward = dropoutForward(x, p: 0.4, seed: 7)
        let upstream = randomTensor(x.shape, seed: 3, allocator: allocator)
        let dx = dropoutBackward(gradOutput: upstream, mask: forward.mask, p: 0.4)
        let errors = gradientErrors(inputs: [x], analytic: [dx]) {
            weightedSum(dropoutForward(x, p: 0.4, seed: 7).output, upstream)
        }
        #expect(errors[0] < 1e-6)
    }
}
