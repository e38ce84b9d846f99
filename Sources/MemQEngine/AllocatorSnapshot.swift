// A consistent copy of the allocator's counters.

/// Live and peak bytes per category and in total, taken atomically from an `EngineAllocator`.
///
/// Bytes are the requested sizes (element count times element size), not malloc's rounded sizes.
package struct AllocatorSnapshot: Sendable, Equatable, CustomStringConvertible {
    /// Bytes currently allocated, per category.
    package var live: [MemoryCategory: Int]
    /// Highest `live[category]` since creation or the last `resetPeaks()`.
    package var peak: [MemoryCategory: Int]
    /// Sum of `live` over all categories.
    package var liveTotal: Int
    /// Highest `liveTotal` since creation or the last `resetPeaks()` (a max of sums, not a sum of maxima).
    package var peakTotal: Int
    /// Number of buffers currently allocated.
    /// The peak of live bytes as mapped: every tensor rounded up to whole pages (what resident memory sees).
    package var mappedPeakTotal: Int = 0
    package var liveAllocations: Int
    /// Number of allocations made since creation.
    package var totalAllocations: Int

    /// Live bytes in one category (0 when none).
    package func live(_ category: MemoryCategory) -> Int { live[category] ?? 0 }
    /// Peak bytes in one category (0 when none).
    package func peak(_ category: MemoryCategory) -> Int { peak[category] ?? 0 }

    /// A readable name or summary.
    /// A readable name or summary.
    package var description: String {
        let rows = MemoryCategory.allCases.map { "\($0): live \(live($0)) peak \(peak($0))" }
        return (rows + ["total: live \(liveTotal) peak \(peakTotal)"]).joined(separator: "\n")
    }
}
