/// The simulated step as allocations and frees at device addresses, for memory viewers (PyTorch's memory snapshot,
/// Perfetto): what `torch.cuda.memory._record_memory_history` would have recorded.
///
/// Allocations become visible at the sample after the op that made them, frees where they happen, so the running
/// total between two samples never exceeds the later one and its maximum is the estimate's peak; a storage allocated
/// and freed inside one op (never live at a sample) is left out, as PyTorch's accounting leaves it out. Addresses come
/// from the caching allocator model (`CachingAllocatorModel`): its segments, blocks and best-fit reuse.
public struct AllocationTrace: Sendable {
    public struct Event: Sendable, Hashable {
        public enum Action: String, Sendable, Hashable {
            case segmentAlloc = "segment_alloc"
            case alloc
            case free = "free_completed"
        }
        public var action: Action
        public var address: Int
        public var size: Int
        /// `weights`, `buffers`, `gradients`, `optimizer_state`, `activations`, `temporary`, `input`.
        public var category: String
        public var node: String
        public var phase: Estimate.Phase
        /// The op after which the allocation was sampled (or during whose run the storage was freed).
        public var op: String
        /// The index of the sample (op) the event belongs to.
        public var sample: Int
    }

    public struct Block: Sendable, Hashable {
        public var address: Int
        public var size: Int
        /// The category of the storage there, nil for a free (cached) block.
        public var category: String?
        public var node: String?
    }

    public struct Segment: Sendable, Hashable {
        public var address: Int
        public var size: Int
        public var blocks: [Block]
    }

    public var events: [Event]
    public var samples: [StepSample]
    /// The allocator's segments when the step ends.
    public var segments: [Segment]
    /// The largest total of the samples: the estimate's peak of live tensor bytes.
    public var peakBytes: Int { samples.map(\.total).max() ?? 0 }

    /// The category names, in `MemoryCategory` order.
    public static let categories = ["weights", "buffers", "gradients", "optimizer_state", "activations", "temporary", "input"]
}

extension Estimator {
    /// The step of `config` as allocation events at addresses (sizes rounded as the runtime rounds them).
    public static func allocationTrace(_ analysis: ModelAnalysis, _ config: TrainingConfig) throws(EstimateError) -> AllocationTrace {
        try validate(analysis, config)
        var sim = StepSimulator(analysis: analysis, config: config, batch: config.microBatch ?? config.batch, recording: true)
        _ = sim.run()
        let ledger = sim.ledger
        let rounding = StorageRounding.of(config)
        let names = AllocationTrace.categories
        let samples = trace(analysis, config)
        var allocator = CachingAllocatorModel()
        var refs: [Int: Int32] = [:], size: [Int: Int] = [:], category: [Int: MemoryCategory] = [:]
        var pending: [Int] = [], pendingSet = Set<Int>(), visible = Set<Int>(), visibleNode: [Int: String] = [:]
        var events: [AllocationTrace.Event] = []
        var sampleIndex = 0, node = "", phase = Estimate.Phase.forward, op = ""
        var segmentsSeen = 0
        for e in ledger.events {
            let id = Int(e.id)
            switch e.kind {
            case .alloc:
                refs[id] = 1; size[id] = rounding.rounded(e.value); category[id] = e.category
                pending.append(id); pendingSet.insert(id)
            case .retain:
                refs[id, default: 0] += 1
            case .relabel:
                category[id] = e.category
            case .release:
                refs[id, default: 0] -= 1
                guard refs[id] == 0 else { continue }
                if pendingSet.remove(id) != nil { continue }  // never live at a sample
                guard visible.remove(id) != nil else { continue }
                events.append(.init(action: .free, address: allocator.address(of: id), size: size[id] ?? 0,
                                    category: names[category[id]?.rawValue ?? 0], node: node, phase: phase, op: op,
                                    sample: max(0, sampleIndex - 1)))
                allocator.free(id: id)
            case .sample:
                let s = samples[min(sampleIndex, samples.count - 1)]
                node = s.node; phase = s.phase; op = s.event
                for p in pending where pendingSet.contains(p) {
                    allocator.allocate(id: p, bytes: size[p] ?? 0)
                    if allocator.segmentBase.count > segmentsSeen {
                        for k in segmentsSeen..<allocator.segmentBase.count {
                            events.append(.init(action: .segmentAlloc, address: allocator.segmentBase[k], size: allocator.segmentSize[k],
                                                category: names[category[p]?.rawValue ?? 0], node: node, phase: phase, op: op, sample: sampleIndex))
                        }
                        segmentsSeen = allocator.segmentBase.count
                    }
                    events.append(.init(action: .alloc, address: allocator.address(of: p), size: size[p] ?? 0,
                                        category: names[category[p]?.rawValue ?? 0], node: node, phase: phase, op: op, sample: sampleIndex))
                    visible.insert(p); visibleNode[p] = node
                }
                pending = []; pendingSet = []
                sampleIndex += 1
            }
        }
        let blocks = allocator.segmentBlocks()
        // A block keeps the unsplit remainder of its segment (the large pool splits only above 1 MiB); shown as the
        // tensor's bytes followed by a free block, so the blocks' sizes are the trace's.
        let segments = zip(allocator.segmentBase, allocator.segmentSize).enumerated().map { k, seg in
            AllocationTrace.Segment(address: seg.0, size: seg.1, blocks: blocks[k].flatMap { b -> [AllocationTrace.Block] in
                guard let id = b.storage else { return [AllocationTrace.Block(address: b.address, size: b.size, category: nil, node: nil)] }
                let used = size[id] ?? b.size
                var out = [AllocationTrace.Block(address: b.address, size: used, category: names[category[id]?.rawValue ?? 0], node: visibleNode[id])]
                if b.size > used { out.append(AllocationTrace.Block(address: b.address + used, size: b.size - used, category: nil, node: nil)) }
                return out
            })
        }
        return AllocationTrace(events: events, samples: samples, segments: segments)
    }
}
