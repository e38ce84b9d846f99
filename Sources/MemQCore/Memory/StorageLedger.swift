/// Live storages by category, with reference counts and the peak sampled after every op, as PyTorch's
/// MemTracker does (torch/distributed/_tools/mem_tracker.py: one entry per storage, the category fixed when the
/// storage is created, the peak updated at the end of each dispatched op).
struct StorageLedger {
    private(set) var bytes: [Int] = []
    private(set) var category: [MemoryCategory] = []
    private var refs: [Int32] = []
    /// Live bytes per category.
    private(set) var live = [Int](repeating: 0, count: MemoryCategory.allCases.count)
    private(set) var liveTotal = 0
    /// Storages live now, and the most at once (how many allocations a per-allocation rounding can enlarge).
    private(set) var liveStorages = 0
    private(set) var maxLiveStorages = 0
    private(set) var peakTotal = -1
    private(set) var peakLive = [Int](repeating: 0, count: MemoryCategory.allCases.count)
    private(set) var peakEvent: (node: Int, phase: Estimate.Phase, event: String) = (0, .forward, "")
    /// How every allocation is rounded (512 bytes on CUDA: c10's kMinBlockSize; pages for the native engine).
    let rounding: StorageRounding
    var node = 0
    var phase: Estimate.Phase = .forward
    /// Optional model of a caching allocator's reserved segments.
    var allocator: CachingAllocatorModel?
    private(set) var peakReserved = 0

    /// When recording, every call is appended here so the step can be replayed for any batch.
    var recording = false
    private(set) var events: [LedgerEvent] = []
    private(set) var labels: [String] = []
    /// Live bytes per category at each sample (recording only), flattened.
    private(set) var sampleLive: [Int] = []
    private var labelIndex: [String: Int32] = [:]

    init(rounding: StorageRounding, allocator: CachingAllocatorModel? = nil) {
        self.rounding = rounding
        self.allocator = allocator
        bytes.reserveCapacity(4096); category.reserveCapacity(4096); refs.reserveCapacity(4096)
    }

    /// A new storage with one reference; returns its id. Zero-byte storages are not tracked (id -1).
    mutating func alloc(_ n: Int, _ c: MemoryCategory) -> Int {
        guard n > 0 else { return -1 }
        if recording { events.append(LedgerEvent(kind: .alloc, category: c, id: Int32(bytes.count), value: n)) }
        let rounded = rounding.rounded(n)
        bytes.append(rounded); category.append(c); refs.append(1)
        live[c.rawValue] += rounded
        liveTotal += rounded
        liveStorages += 1
        if liveStorages > maxLiveStorages { maxLiveStorages = liveStorages }
        allocator?.allocate(id: bytes.count - 1, bytes: rounded)
        return bytes.count - 1
    }

    /// Adds a reference (a view, a saved tensor, a variable).
    mutating func retain(_ id: Int) {
        guard id >= 0 else { return }
        refs[id] += 1
        if recording { events.append(LedgerEvent(kind: .retain, category: .weights, id: Int32(id), value: 0)) }
    }

    /// Drops a reference; the storage is freed when none is left.
    mutating func release(_ id: Int) {
        guard id >= 0 else { return }
        if recording { events.append(LedgerEvent(kind: .release, category: .weights, id: Int32(id), value: 0)) }
        refs[id] -= 1
        precondition(refs[id] >= 0, "storage \(id) released more often than retained")
        if refs[id] == 0 {
            live[category[id].rawValue] -= bytes[id]
            liveTotal -= bytes[id]
            liveStorages -= 1
            allocator?.free(id: id)
        }
    }

    /// Moves a storage to another category (a gradient stolen by AccumulateGrad becomes `gradients`).
    mutating func relabel(_ id: Int, to c: MemoryCategory) {
        guard id >= 0, refs[id] > 0 else { return }
        if recording { events.append(LedgerEvent(kind: .relabel, category: c, id: Int32(id), value: 0)) }
        live[category[id].rawValue] -= bytes[id]
        category[id] = c
        live[c.rawValue] += bytes[id]
    }

    /// Records the live total after an op.
    mutating func sample(_ event: String) {
        if recording {
            let label: Int32
            if let l = labelIndex[event] { label = l } else {
                label = Int32(labels.count); labels.append(event); labelIndex[event] = label
            }
            events.append(LedgerEvent(kind: .sample, category: .weights, id: label,
                                      value: node << 2 | (phase == .forward ? 0 : phase == .backward ? 1 : 2)))
            sampleLive.append(contentsOf: live)
        }
        updatePeak(event)
    }

    /// A sample whose label is already interned (replay).
    mutating func sampleLabel(_ label: Int, _ labels: [String]) {
        updatePeak(labels[label])
    }

    /// Keeps the largest live total seen after an op, with its categories and moment.
    private mutating func updatePeak(_ event: @autoclosure () -> String) {
        if liveTotal > peakTotal {
            peakTotal = liveTotal
            peakLive = live
            peakEvent = (node, phase, event())
        }
        if let a = allocator { peakReserved = max(peakReserved, a.reserved) }
    }

    func size(_ id: Int) -> Int { id >= 0 ? bytes[id] : 0 }

    /// Whether the storage still has a reference.
    func isLive(_ id: Int) -> Bool { id >= 0 && refs[id] > 0 }
}

/// One recorded ledger call: enough to replay the step for another batch.
struct LedgerEvent {
    enum Kind: UInt8 { case alloc, retain, release, relabel, sample }
    var kind: Kind
    var category: MemoryCategory
    /// Storage id, or the label index for a sample.
    var id: Int32
    /// Bytes for an allocation; node and phase for a sample.
    var value: Int
}
