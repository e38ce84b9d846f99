// Category-tracked, page-touching allocator behind every tensor buffer.
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives every buffer its own zeroed, resident anonymous mapping and counts live/peak bytes per category.
///
/// Thread-safe: the counters sit behind a `Mutex`. Every page of a new allocation is made resident at once, so RSS
/// reflects the allocation, as on an accelerator where allocation is real; `deallocate` unmaps it, so its pages go
/// straight back to the OS. Buffers are page-aligned (so 64-byte aligned). On glibc the first allocator also pins
/// malloc's mmap threshold at 128 KiB (`mallopt(M_MMAP_THRESHOLD)`, which stops glibc from raising it dynamically),
/// so the small allocations of the rest of the process (OpenBLAS, Swift arrays) do not keep large blocks in the heap.
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

    /// Transparent huge pages: 2 MiB.
    static let hugePageSize = 2 << 20

    /// Maps `size` bytes (`mappedSize`: whole pages) of zeroed, resident memory.
    ///
    /// Making pages resident costs the kernel a fault and a zeroed page per 4 KiB (measured here: 2.5 GB/s, a fifth
    /// of a resnet18 step) but one per 2 MiB huge page (21 GB/s). So a buffer of 2 MiB or more is mapped as whole
    /// 2 MiB blocks starting on a 2 MiB boundary (over-mapped, then trimmed) with `MADV_HUGEPAGE` — the same policy
    /// as CUDA's caching allocator rounding large blocks to 2 MiB — and the `native` profile counts the rounded size.
    /// Every page is touched, so the resident size is `size` whether or not the kernel finds huge pages. Smaller
    /// buffers are populated by `mmap` itself (`MAP_POPULATE`).
    private static func map(_ size: Int, category: MemoryCategory) -> UnsafeMutableRawPointer {
        #if os(Linux)
        let huge = size >= hugePageSize
        let span = huge ? size + hugePageSize - pageSize : size
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (huge ? 0 : MAP_POPULATE)
        #else
        let huge = false, span = size, flags = MAP_PRIVATE | MAP_ANONYMOUS
        #endif
        guard let raw = mmap(nil, span, PROT_READ | PROT_WRITE, flags, -1, 0), raw != MAP_FAILED else {
            fatalError("EngineAllocator: mmap(\(span)) failed for \(category) (errno \(errno))")
        }
        var pointer = raw
        if huge {
            let address = UInt(bitPattern: raw)
            let aligned = (address + UInt(hugePageSize) - 1) & ~UInt(hugePageSize - 1)
            let head = Int(aligned - address), tail = span - head - size
            if head > 0 { munmap(raw, head) }
            pointer = raw + head
            if tail > 0 { munmap(pointer + size, tail) }
            #if os(Linux)
            _ = madvise(pointer, size, MADV_HUGEPAGE)
            #endif
        }
        #if os(Linux)
        let touch = huge
        #else
        let touch = true
        #endif
        if touch {
            // One write per 4 KiB page; after the first write into a huge page the rest of it is already resident.
            let bytes = pointer.assumingMemoryBound(to: UInt8.self)
            var offset = 0
            while offset < size { bytes[offset] = 0; offset += pageSize }
        }
        return pointer
    }

    /// Bytes a buffer of `byteCount` occupies: whole 4 KiB pages, and whole 2 MiB huge pages from 2 MiB on (see
    /// `map`; the estimator's `native` profile rounds storages the same way).
    package static func mappedSize(_ byteCount: Int) -> Int {
        let pages = (max(byteCount, 1) + pageSize - 1) / pageSize * pageSize
        return pages < hugePageSize ? pages : (pages + hugePageSize - 1) / hugePageSize * hugePageSize
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
        // nothing left behind in malloc's heap. `map` makes the pages resident (zeroed) now.
        let mapped = Self.mappedSize(byteCount)
        let pointer = Self.map(mapped, category: category)
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
