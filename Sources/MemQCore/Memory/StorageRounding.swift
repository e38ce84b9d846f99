/// How a runtime sizes each storage it allocates: `bytes` rounded up to a multiple of `granularity`, and storages of
/// `largeGranularity` bytes or more (after that) rounded up to a multiple of `largeGranularity`.
struct StorageRounding: Sendable, Hashable {
    /// Every storage is a multiple of this many bytes (1: exact).
    var granularity: Int
    /// Storages of at least this many bytes are a multiple of it (0: no second rule).
    var largeGranularity: Int

    /// Exact byte counts (PyTorch on the CPU, as MemTracker counts them).
    static let exact = StorageRounding(granularity: 1, largeGranularity: 0)
    /// CUDA's caching allocator rounds every block to 512 bytes (c10's kMinBlockSize).
    static let cuda = StorageRounding(granularity: 512, largeGranularity: 0)
    /// The native engine maps every storage as whole 4 KiB pages, and storages of 2 MiB or more as whole 2 MiB
    /// transparent huge pages (MemQEngine's `EngineAllocator.mappedSize`).
    static let native = StorageRounding(granularity: 4096, largeGranularity: 2 << 20)

    /// The rounding of `config`'s runtime.
    static func of(_ config: TrainingConfig) -> StorageRounding {
        config.runtime == .native ? .native : config.onCUDA ? .cuda : .exact
    }

    /// The bytes a storage of `bytes` occupies.
    @inline(__always)
    func rounded(_ bytes: Int) -> Int {
        var n = granularity > 1 ? (bytes + granularity - 1) / granularity * granularity : bytes
        if largeGranularity > 0 && n >= largeGranularity {
            n = (n + largeGranularity - 1) / largeGranularity * largeGranularity
        }
        return n
    }
}
