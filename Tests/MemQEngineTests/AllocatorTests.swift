// EngineAllocator and Tensor ownership: exact live/peak counts, page touching, views, thread safety.
import Testing
import MemQEngine
#if canImport(Glibc)
import Glibc
#endif

@Suite("Allocator")
struct AllocatorTests {
    @Test("live and peak per category and in total are exact after a known sequence")
    func exactCounts() {
        let allocator = EngineAllocator()
        var weights: Tensor<Float>? = Tensor(shape: [10], category: .weights, allocator: allocator)      // 40 B
        var activation: Tensor<Double>? = Tensor(shape: [4], category: .activations, allocator: allocator)  // 32 B
        var scratch: Tensor<UInt8>? = Tensor(shape: [100], category: .temporary, allocator: allocator)  // 100 B
        var s = allocator.snapshot()
        #expect(s.live(.weights) == 40 && s.live(.activations) == 32 && s.live(.temporary) == 100)
        #expect(s.liveTotal == 172 && s.peakTotal == 172 && s.liveAllocations == 3)
        scratch = nil  // freed at the last reference
        var more: Tensor<Float>? = Tensor(shape: [5], category: .activations, allocator: allocator)  // 20 B
        s = allocator.snapshot()
        #expect(s.live(.temporary) == 0 && s.peak(.temporary) == 100)
        #expect(s.live(.activations) == 52 && s.peak(.activations) == 52)
        #expect(s.liveTotal == 92 && s.peakTotal == 172)
        allocator.resetPeaks()
        s = allocator.snapshot()
        #expect(s.peak(.temporary) == 0 && s.peak(.activations) == 52 && s.peakTotal == 92)
        activation = nil
        var index: Tensor<Int32>? = Tensor(shape: [3], category: .activations, allocator: allocator)  // 12 B
        s = allocator.snapshot()
        #expect(s.live(.activations) == 32 && s.peak(.activations) == 52 && s.peakTotal == 92)
        weights = nil; more = nil; index = nil
        s = allocator.snapshot()
        #expect(s.liveTotal == 0 && s.liveAllocations == 0 && s.totalAllocations == 5)
        #expect(MemoryCategory.allCases.allSatisfy { s.live($0) == 0 })
        _ = (weights, activation, scratch, more, index)
    }

    @Test("buffers are 64-byte aligned and zero-filled")
    func alignedAndZeroed() {
        let allocator = EngineAllocator()
        for count in [1, 3, 17, 1000, 100_000] {
            let t = Tensor<Float>(shape: [count], category: .input, allocator: allocator)
            #expect(Int(bitPattern: t.pointer) % 64 == 0)
            #expect(t.toArray().allSatisfy { $0 == 0 })
        }
        let empty = Tensor<Float>(shape: [0, 3], category: .input, allocator: allocator)
        #expect(empty.count == 0 && allocator.snapshot().live(.input) == 0)
    }

    #if os(Linux)
    /// Resident set size of this process in bytes (/proc/self/statm: size and resident, in pages).
    private func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, 256, file) != nil else { return 0 }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        guard fields.count >= 2 else { return 0 }
        return fields[1] * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("a new allocation is resident (every page touched) and freeing returns it to the OS")
    func pagesTouched() {
        #expect(EngineAllocator.mmapThresholdPinned)
        let allocator = EngineAllocator()
        let size = 64 << 20
        let before = residentBytes()
        var big: Tensor<UInt8>? = Tensor(shape: [size], category: .activations, allocator: allocator)
        let during = residentBytes()
        #expect(during - before >= size - (8 << 20), "RSS grew by \(during - before) for a \(size)-byte tensor")
        big = nil
        let after = residentBytes()
        #expect(during - after >= size - (8 << 20), "RSS fell by \(during - after) after freeing")
        _ = big
    }
    #endif

    @Test("views share the buffer, allocate nothing and keep the base alive")
    func views() {
        let allocator = EngineAllocator()
        var base: Tensor<Double>? = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], category: .activations,
                                           allocator: allocator)
        let view = base!.reshaped([3, 2]).reshaped([6])
        #expect(allocator.snapshot().liveAllocations == 1 && view.category == .activations)
        base = nil
        #expect(allocator.snapshot().live(.activations) == 48)
        #expect(view.toArray() == [1, 2, 3, 4, 5, 6])
        _ = base
    }

    @Test("concurrent allocations from many threads keep the counters consistent")
    func threadSafety() async {
        let allocator = EngineAllocator()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var keep: [Tensor<Float>] = []
                    for i in 0..<200 {
                        let t = Tensor<Float>(shape: [1 + (i + task) % 7], category: .temporary, allocator: allocator)
                        if i % 3 == 0 { keep.append(t) }
                    }
                    keep.removeAll()
                }
            }
        }
        let s = allocator.snapshot()
        #expect(s.liveTotal == 0 && s.liveAllocations == 0 && s.totalAllocations == 1600)
        #expect(s.peakTotal > 0 && s.peakTotal == s.peak(.temporary))
    }
}
