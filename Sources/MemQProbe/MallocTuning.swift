// glibc malloc settings that make freed memory leave the resident set.

/// Configures glibc malloc in the probe's child so that the resident set follows the live tensors.
///
/// Smaller tensors share malloc's heap, whose freed chunks in the middle stay resident; the child therefore also
/// calls `malloc_trim(0)` after every op (and before its baseline), returning their whole pages as well.
///
/// By default glibc keeps freed memory: small chunks stay in the heap, the top of the heap is trimmed only above
/// `M_TRIM_THRESHOLD` (128 KiB, raised dynamically up to 64 MiB), chunks above `M_MMAP_THRESHOLD` are mapped
/// separately but the threshold rises to the largest freed chunk (up to 32 MiB), and each thread may get its own
/// arena of 64 MiB heaps. A measurement of the peak would then include memory that is merely cached. The child sets:
/// - `M_MMAP_THRESHOLD` = 128 KiB (the engine allocator's own pin, set again here): every tensor of 128 KiB or
///   more is its own mapping, unmapped by `free`, and the threshold never rises;
/// - `M_TRIM_THRESHOLD` = 128 KiB and `M_TOP_PAD` = 0: a free top of the heap above 128 KiB is returned at once
///   and nothing is pre-reserved, so a large request is never served from a cached top of the heap;
/// - `M_ARENA_MAX` = 1 (also `MALLOC_ARENA_MAX=1` in the child's environment, read before any thread starts):
///   Dispatch's and OpenBLAS's threads share the main arena instead of caching their own.
enum MallocTuning {
    /// mallopt parameter numbers from <malloc.h>.
    private static let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3, arenaMax: Int32 = -8

    /// The threshold above which tensors are mapped on their own.
    static let mmapThresholdBytes: Int32 = 128 * 1024

    /// Applies the settings; false when glibc's mallopt is not available (e.g. musl).
    @discardableResult
    static func apply() -> Bool {
        let a = ProbeSyscalls.mallopt(arenaMax, 1)
        let b = ProbeSyscalls.mallopt(mmapThreshold, mmapThresholdBytes)
        let c = ProbeSyscalls.mallopt(trimThreshold, mmapThresholdBytes)
        let d = ProbeSyscalls.mallopt(topPad, 0)
        return a && b && c && d
    }
}
