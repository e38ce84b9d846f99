import Synchronization

/// A training step's allocation timeline recorded once per model and configuration, replayable for any batch.
///
/// The step's structure (which tensors exist, when they are freed) does not depend on the batch; every size is
/// `a * batch + c`. Recording the step at batches 1 and 2 gives each allocation's `a` and `c`, and a replay is
/// a single pass over the events: this is what makes an estimate cost microseconds.
struct TimelineProgram: Sendable {
    struct Allocation: Sendable { var perSample: Int; var fixed: Int; var category: MemoryCategory }
    private let events: [LedgerEvent]
    private let allocations: [Allocation]
    let labels: [String]
    /// At each sample, live bytes per category as `perSample * batch + fixed` (exact without rounding), and the
    /// total's coefficients: the peak for a batch is then one scan over the samples.
    private let lineA: [Int], lineC: [Int]
    private let totalA: [Int], totalC: [Int]
    private let sampleMeta: [(node: Int, phase: Int, label: Int32)]

    /// Records the step for `config` (its batch is ignored; `accumulating` says whether micro-batches are used).
    init(analysis: ModelAnalysis, config: TrainingConfig, accumulating: Bool) {
        func record(_ batch: Int) -> StorageLedger {
            var c = config
            c.batch = accumulating ? batch + 1 : batch
            c.microBatch = accumulating ? batch : nil
            c.runtime = config.runtime == .native ? .native : .pytorch  // native has its own rules; CUDA replays pytorch
            var sim = StepSimulator(analysis: analysis, config: c, batch: batch, recording: true)
            _ = sim.run()
            return sim.ledger
        }
        // Batches 1 and 2 give each size's line; a model whose step at batch 1 is shaped differently (see
        // `foldsDifferentlyAtBatchOne`) is recorded at 2 and 3, and batch 1 is simulated directly.
        let lo = analysis.foldsDifferentlyAtBatchOne ? 2 : 1
        let one = record(lo), two = record(lo + 1)
        precondition(one.events.count == two.events.count, "the step's structure changed with the batch")
        var allocations: [Allocation] = []
        allocations.reserveCapacity(one.bytes.count)
        for (e1, e2) in zip(one.events, two.events) where e1.kind == .alloc {
            let a = e2.value - e1.value
            allocations.append(Allocation(perSample: a, fixed: e1.value - lo * a, category: e1.category))
        }
        self.events = one.events
        self.allocations = allocations
        self.labels = one.labels
        let k = MemoryCategory.allCases.count
        var lineA = [Int](), lineC = [Int](), totalA = [Int](), totalC = [Int]()
        var meta: [(node: Int, phase: Int, label: Int32)] = []
        for s in 0..<(one.sampleLive.count / k) {
            var ta = 0, tc = 0
            for c in 0..<k {
                let l1 = one.sampleLive[s * k + c], l2 = two.sampleLive[s * k + c]
                lineA.append(l2 - l1); lineC.append(l1 - lo * (l2 - l1))
                ta += l2 - l1; tc += l1 - lo * (l2 - l1)
            }
            totalA.append(ta); totalC.append(tc)
        }
        for e in one.events where e.kind == .sample { meta.append((e.value >> 2, e.value & 3, e.id)) }
        self.lineA = lineA; self.lineC = lineC; self.totalA = totalA; self.totalC = totalC; self.sampleMeta = meta
    }

    /// The peak for `batch` when every allocation is exact (no rounding, no allocator model): a scan of the
    /// samples' linear totals, the first maximum winning as in the ledger.
    func linearPeak(batch: Int) -> (live: [Int], node: Int, phase: Estimate.Phase, event: String) {
        var best = -1, bestTotal = Int.min
        for s in totalA.indices {
            let t = totalA[s] &* batch &+ totalC[s]
            if t > bestTotal { bestTotal = t; best = s }
        }
        let k = MemoryCategory.allCases.count
        let live = (0..<k).map { lineA[best * k + $0] * batch + lineC[best * k + $0] }
        let m = sampleMeta[best]
        return (live, m.node, m.phase == 0 ? .forward : m.phase == 1 ? .backward : .step, labels[Int(m.label)])
    }

    /// The peak as a function of the batch over `from...to`: the upper envelope of the samples' lines, as segments
    /// `fixed + perSample * batch` (exact bytes, no rounding).
    func envelope(from: Int, to: Int) -> [(from: Int, to: Int, perSample: Int, fixed: Int)] {
        var out: [(from: Int, to: Int, perSample: Int, fixed: Int)] = []
        var b = from
        while b <= to {
            var cur = 0
            for s in totalA.indices {
                let v = totalA[s] * b + totalC[s], w = totalA[cur] * b + totalC[cur]
                if v > w || (v == w && totalA[s] > totalA[cur]) { cur = s }
            }
            // The first batch above b where a steeper line overtakes the current one.
            var next = Int.max
            for s in totalA.indices where totalA[s] > totalA[cur] {
                let da = totalA[s] - totalA[cur], dc = totalC[cur] - totalC[s]
                let cross = dc < 0 ? b + 1 : dc / da + 1  // smallest integer x with da * x > dc
                if cross > b { next = min(next, cross) }
            }
            let end = min(to, next == Int.max ? to : next - 1)
            out.append((b, end, totalA[cur], totalC[cur]))
            b = end + 1
        }
        return out
    }

    /// Replays the step for `batch` samples per pass.
    func run(batch: Int, rounding: StorageRounding, allocator: CachingAllocatorModel?) -> StorageLedger {
        var ledger = StorageLedger(rounding: rounding, allocator: allocator)
        var next = 0
        for e in events {
            switch e.kind {
            case .alloc:
                let a = allocations[next]
                next += 1
                _ = ledger.alloc(a.perSample * batch + a.fixed, a.category)
            case .retain: ledger.retain(Int(e.id))
            case .release: ledger.release(Int(e.id))
            case .relabel: ledger.relabel(Int(e.id), to: e.category)
            case .sample:
                ledger.node = e.value >> 2
                ledger.phase = e.value & 3 == 0 ? .forward : e.value & 3 == 1 ? .backward : .step
                ledger.sampleLabel(Int(e.id), labels)
            }
        }
        return ledger
    }

    // MARK: Cache

    struct Key: Hashable {
        var analysis: Int
        var config: TrainingConfig
        var accumulating: Bool
    }

    private static let cache = Mutex<[Key: TimelineProgram]>([:])
    private static let cacheLimit = 512

    /// The program for an analysis and configuration, recorded on first use.
    static func cached(analysis: ModelAnalysis, config: TrainingConfig, accumulating: Bool) -> TimelineProgram {
        var c = config
        c.batch = 0
        c.microBatch = nil
        if c.runtime == .pytorchCUDA { c.runtime = .pytorch }
        let key = Key(analysis: analysis.identity, config: c, accumulating: accumulating)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let program = TimelineProgram(analysis: analysis, config: config, accumulating: accumulating)
        cache.withLock { table in
            if table.count >= cacheLimit { table.removeAll(keepingCapacity: true) }
            table[key] = program
        }
        return program
    }
}
