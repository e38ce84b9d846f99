// Category-tracked, page-touching allocator behind every tensor buffer.
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocates 64-byte-aligned buffers with `posix_memalign`, zero-fills them, and counts live/peak bytes per category.
///
/// Thread-safe: the counters sit behind a `Mutex`. Every byte of a new allocation is written (`memset` to zero), so
/// each page is resident and RSS reflects the allocation, as on an accelerator where allocation is real. Buffers are
/// released with `free`, so large ones (mmap-backed) go straight back to the OS. On glibc the first allocator pins
/// malloc's mmap threshold at 128 KiB (`mallopt(M_MMAP_THRESHOLD)`, which also stops glibc from raising it
/// dynamically), so any buffer of 128 KiB or more is its own mapping and is unmapped by `free`.
package final class EngineAllocator: Sendable {
    /// The alignment of every buffer, in bytes (a cache line; enough for AVX-512 loads).
    package static let alignment = 64

    /// A process-wide allocator for callers that do not need their own counters.
    package static let shared = EngineAllocator()

    private struct Counters {
        var live = [Int](repeating: 0, count: MemoryCategory.allCases.count)
        var peak = [Int](repeating: 0, count: MemoryCategory.allCases.count)
        var liveTotal = 0
        var peakTotal = 0
        var liveAllocations = 0
        var totalAllocations = 0
        var mappedLive = 0
        var mappedPeak = 0
    }

    /// The page size: every buffer is its own anonymous mapping of whole pages.
    package static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Bytes a buffer of `byteCount` occupies: whole pages.
    package static func mappedSize(_ byteCount: Int) -> Int {
        (max(byteCount, 1) + pageSize - 1) / pageSize * pageSize
    }

    private let counters = Mutex(Counters())

    /// Called just before a temporary buffer (a kernel's workspace) is unmapped: a kernel's transient peak lasts
    /// only inside the kernel, so a probe that wants to see it samples here.
    private let releaseHook = Mutex<(@Sendable () -> Void)?>(nil)

    /// Sets (or clears) the hook called before each temporary buffer is released.
    package func onTemporaryRelease(_ hook: (@Sendable () -> Void)?) { releaseHook.withLock { $0 = hook } }

    /// Runs once per process: fixes glibc's mmap threshold so freed large buffers are unmapped.
    private static let mallocConfigured: Bool = {
        #if canImport(Glibc)
        // mallopt lives in <malloc.h>, which the Glibc module does not import; look it up instead.
        typealias MalloptFunction = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MalloptFunction.self)
        let mmapThresholdParameter: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
        return mallopt(mmapThresholdParameter, 128 * 1024) == 1
        #else
        return true
        #endif
    }()

    /// Whether malloc's mmap threshold is pinned (glibc), so every freed buffer of 128 KiB or more is unmapped.
    package static var mmapThresholdPinned: Bool { mallocConfigured }

    /// A fresh allocator with all counters at zero.
    package init() {
        _ = Self.mallocConfigured
    }

    /// Allocates `byteCount` bytes (64-byte aligned, zero-filled, every page touched) charged to `category`.
    package func allocate(byteCount: Int, category: MemoryCategory) -> UnsafeMutableRawPointer {
        precondition(byteCount >= 0, "negative allocation size")
        // Each buffer is its own anonymous mapping (page-aligned, so 64-byte aligned too): freeing it returns
        // every page to the system at once, and resident memory is exactly the pages of the live buffers, with
        // nothing left behind in malloc's heap. Writing one byte per page makes the pages resident now.
        let mapped = Self.mappedSize(byteCount)
        guard let pointer = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              pointer != MAP_FAILED else {
            fatalError("EngineAllocator: mmap(\(mapped)) failed for \(category) (errno \(errno))")
        }
        let bytes = pointer.assumingMemoryBound(to: UInt8.self)
        var offset = 0
        while offset < mapped { bytes[offset] = 0; offset += Self.pageSize }
        let index = category.rawValue
        counters.withLock { c in
            c.live[index] += byteCount
            c.peak[index] = max(c.peak[index], c.live[index])
            c.liveTotal += byteCount
            c.peakTotal = max(c.peakTotal, c.liveTotal)
            c.liveAllocations += 1
            c.totalAllocations += 1
            c.mappedLive += mapped
            c.mappedPeak = max(c.mappedPeak, c.mappedLive)
        }
        return pointer
    }

    /// Frees a buffer from `allocate`, un-charging the same `byteCount` from the same `category`.
    package func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int, category: MemoryCategory) {
        let mapped = Self.mappedSize(byteCount)
        if category == .temporary, let hook = releaseHook.withLock({ $0 }) { hook() }
        munmap(pointer, mapped)
        let index = category.rawValue
        counters.withLock { c in
            c.live[index] -= byteCount
            c.liveTotal -= byteCount
            c.liveAllocations -= 1
            c.mappedLive -= mapped
        }
    }

    /// A consistent copy of all counters.
    package func snapshot() -> AllocatorSnapshot {
        counters.withLock { c in
            var live: [MemoryCategory: Int] = [:]
            var peak: [MemoryCategory: Int] = [:]
            for category in MemoryCategory.allCases {
                live[category] = c.live[category.rawValue]
                peak[category] = c.peak[category.rawValue]
            }
            return AllocatorSnapshot(live: live, peak: peak, liveTotal: c.liveTotal, peakTotal: c.peakTotal,
                                     mappedPeakTotal: c.mappedPeak,
                                     liveAllocations: c.liveAllocations, totalAllocations: c.totalAllocations)
        }
    }

    /// Sets every peak (per category and total) to the current live value, to measure a phase from here on.
    package func resetPeaks() {
        counters.withLock { c in
            c.peak = c.live
            c.peakTotal = c.liveTotal
            c.mappedPeak = c.mappedLive
        }
    }
}
