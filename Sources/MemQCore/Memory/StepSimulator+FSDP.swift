/// FSDP2 (`fully_shard`) per device: sharded parameters, the all-gathered unit, its prefetch, the reduce-scatter
/// buffers and sharded gradients. Paths are under torch/distributed/fsdp/_fully_shard/ (torch 2.15); each rule was
/// also measured on CPU with FSDPMemTracker (docs/memory-model.md, "FSDP2").
///
/// - `_fsdp_param.py` `_init_sharded_param`: every parameter is chunked along dim 0 (`torch.chunk`), each rank
///   stores the padded chunk: `ceil(d0 / W) * (numel / d0)` elements in the original dtype.
/// - `_fsdp_collectives.py` `foreach_all_gather`: one flat output of `W * S` elements (param_dtype) per unit, then
///   copied out into the unsharded parameters (`split_with_sizes_copy`): both live at copy-out. In forward the flat
///   output is retained until the next unit's all-gather (`_fsdp_param_group.py` `wait_for_unshard`,
///   `release_all_gather_state_for_comm_reuse`); in backward it is freed after the copy-out.
/// - `_fsdp_param_group.py` `post_forward` reshards (frees the unsharded parameters) unless
///   `reshard_after_forward=False`; the root never does by default. `pre_backward` unshards again and prefetches
///   the unit whose forward ran before (`_backward_prefetch`).
/// - `post_backward` frees the unsharded parameters, then the previous unit's retained reduce-scatter input, then
///   allocates this unit's input (`W * S` of the trainable parameters, reduce dtype), frees the unsharded
///   gradients, and allocates the output (`S`), which becomes the sharded gradients (cast to the parameters' type
///   when the reduce dtype differs). The last input is freed at the end of backward.
struct FSDPUnits {
    /// Per node: its unit; blocks in forward order first, the root (every node outside a block) last.
    let unitOf: [Int]
    let count: Int
    /// Per unit: padded shard elements of every parameter and of the trainable ones.
    let shard: [Int], trainableShard: [Int]
    let firstNode: [Int], lastNode: [Int]
    let worldSize: Int
    var root: Int { count - 1 }

    init(analysis: ModelAnalysis, worldSize: Int) {
        let blocks = Checkpointing.blocks(of: analysis)
        var unit = [Int](repeating: blocks.count, count: analysis.layers.count)
        for (k, b) in blocks.enumerated() { for i in b.range { unit[i] = k } }
        count = blocks.count + 1
        var shard = [Int](repeating: 0, count: count), trainable = [Int](repeating: 0, count: count)
        var first = [Int](repeating: Int.max, count: count), last = [Int](repeating: -1, count: count)
        for (i, layer) in analysis.layers.enumerated() {
            let u = unit[i]
            first[u] = min(first[u], i); last[u] = max(last[u], i)
            let s = Self.shardElements(layer, worldSize: worldSize).reduce(0, +)
            shard[u] += s
            if layer.trainable { trainable[u] += s }
        }
        unitOf = unit; self.shard = shard; trainableShard = trainable; firstNode = first; lastNode = last
        self.worldSize = worldSize
    }

    /// Padded shard elements of each parameter tensor of `layer` (`parameterTensors` order).
    static func shardElements(_ layer: LayerStats, worldSize w: Int) -> [Int] {
        let tensors = StepSimulator.parameterTensors(layer)
        let rows = dim0(layer, tensors)
        return zip(tensors, rows).map { numel, d0 in
            let d = max(1, d0)
            return (d + w - 1) / w * (numel / d)
        }
    }

    /// Dimension 0 of each parameter tensor (`weight` is `[out, in, ...]`, an embedding table `[count, dim]`).
    static func dim0(_ layer: LayerStats, _ tensors: [Int]) -> [Int] {
        switch layer.op {
        case .conv2d(let c): return tensors.map { _ in c.outChannels }
        case .linear(let l): return tensors.map { _ in l.outFeatures }
        case .embedding(let e): return [e.count]
        case .attention(let a):
            let q = a.heads * a.headDim, kv = a.kvHeads * a.headDim
            var rows = [q + 2 * kv]
            if a.qkvBias { rows.append(q + 2 * kv) }
            rows.append(a.embedDim)
            if a.outBias { rows.append(a.embedDim) }
            if a.extraParams > 0 { rows.append(a.extraParams) }
            return rows
        case .positionalEmbedding, .classToken: return tensors.map { _ in 1 }  // `[1, N, D]`
        default: return tensors
        }
    }
}

/// FSDP2's buffers during the simulated step.
struct FSDPState {
    let units: FSDPUnits
    let config: FSDP
    /// Bytes per element: the parameters' own, the compute (param_dtype) and the reduce types.
    let original: DType, compute: DType, reduce: DType
    var unsharded: [Int]
    var retainedAllGather = -1
    var prefetched: [Int: Int] = [:]
    var retainedReduceScatter = -1
    var grads: [[Int]]
    var entered: [Bool], reduced: [Bool]
    var current = -1
    var shardedGrads: [Int] = []

    init(analysis: ModelAnalysis, config: FSDP, original: DType) {
        units = FSDPUnits(analysis: analysis, worldSize: config.worldSize)
        self.config = config
        self.original = original
        compute = config.paramDType ?? original
        reduce = config.reduceDType ?? original
        unsharded = [Int](repeating: -1, count: units.count)
        grads = [[Int]](repeating: [], count: units.count)
        entered = [Bool](repeating: false, count: units.count)
        reduced = [Bool](repeating: false, count: units.count)
    }
}

extension StepSimulator {
    /// `unshard` + `wait_for_unshard` of unit `u` in forward: the all-gather output, the copy-out, and the previous
    /// unit's retained output released.
    mutating func fsdpUnshardForward(_ u: Int) {
        guard var f = fsdp, f.units.shard[u] > 0 else { return }
        let s = f.units.shard[u], w = f.units.worldSize
        // CPU offload: the padded shard is copied to the device first (`_fsdp_param.py` `all_gather_inputs`);
        // mixed precision casts it to param_dtype (`foreach_all_gather_copy_in`).
        let h2d = f.config.cpuOffload ? ledger.alloc(s * f.original.byteSize, .weights) : -1
        let cast = f.compute != f.original ? ledger.alloc(s * f.compute.byteSize, .weights) : -1
        let ag = ledger.alloc(w * s * f.compute.byteSize, .weights)
        ledger.sample("all_gather_into_tensor (fsdp unshard)")
        ledger.release(cast); ledger.release(h2d)
        ledger.release(f.retainedAllGather)
        f.unsharded[u] = ledger.alloc(w * s * f.compute.byteSize, .weights)
        ledger.sample("split_with_sizes_copy (fsdp unshard)")
        f.retainedAllGather = ag
        fsdp = f
    }

    /// `post_forward` of unit `u`: reshard unless `reshard_after_forward` is false or `u` is the root.
    mutating func fsdpPostForward(_ u: Int) {
        guard var f = fsdp, u != f.units.root, f.config.reshardAfterForward else { return }
        ledger.release(f.unsharded[u]); f.unsharded[u] = -1
        fsdp = f
    }

    /// The root's post-forward: the last retained all-gather output is released.
    mutating func fsdpEndForward() {
        guard var f = fsdp else { return }
        ledger.release(f.retainedAllGather); f.retainedAllGather = -1
        fsdp = f
    }

    /// Before the backward function of `node` runs: the post-backward of the unit the engine leaves, and the
    /// pre-backward (unshard, prefetch of the unit before) of the one it enters.
    mutating func fsdpBeforeBackward(node: Int) {
        guard let f = fsdp else { return }
        let u = f.units.unitOf[node]
        if f.current >= 0, f.current != u, f.current != f.units.root, !f.reduced[f.current] { fsdpPostBackward(f.current) }
        fsdp?.current = u
        guard !(fsdp?.entered[u] ?? true) else { return }
        fsdp?.entered[u] = true
        fsdpUnshardBackward(u)
        // `_backward_prefetch`: the unit whose post-forward came before this one's (the root's came last).
        let previous = u == f.units.root ? f.units.count - 2 : u - 1
        if previous >= 0, var g = fsdp, g.unsharded[previous] < 0, g.prefetched[previous] == nil, g.units.shard[previous] > 0 {
            g.prefetched[previous] = ledger.alloc(g.units.worldSize * g.units.shard[previous] * g.compute.byteSize, .weights)
            ledger.sample("all_gather_into_tensor (fsdp backward prefetch)")
            fsdp = g
        }
    }

    mutating func fsdpUnshardBackward(_ u: Int) {
        guard var f = fsdp, f.unsharded[u] < 0, f.units.shard[u] > 0 else { return }
        let bytes = f.units.worldSize * f.units.shard[u] * f.compute.byteSize
        let ag = f.prefetched.removeValue(forKey: u) ?? ledger.alloc(bytes, .weights)
        ledger.sample("all_gather_into_tensor (fsdp unshard)")
        f.unsharded[u] = ledger.alloc(bytes, .weights)
        ledger.sample("split_with_sizes_copy (fsdp unshard)")
        ledger.release(ag)
        fsdp = f
    }

    /// A gradient AccumulateGrad stored on node `node`'s unsharded parameter.
    mutating func fsdpKeepGradient(_ id: Int, node: Int) {
        guard let u = fsdp?.units.unitOf[node] else { return }
        fsdp?.grads[u].append(id)
    }

    /// `post_backward` + `foreach_reduce` of unit `u`.
    mutating func fsdpPostBackward(_ u: Int) {
        guard var f = fsdp, !f.reduced[u] else { return }
        f.reduced[u] = true
        ledger.release(f.unsharded[u]); f.unsharded[u] = -1
        let s = f.units.trainableShard[u]
        if s > 0 {
            ledger.release(f.retainedReduceScatter)
            let input = ledger.alloc(f.units.worldSize * s * f.reduce.byteSize, .gradients)
            ledger.sample("chunk_cat (fsdp reduce-scatter input)")
            for g in f.grads[u] { ledger.release(g) }
            f.grads[u] = []
            var output = ledger.alloc(s * f.reduce.byteSize, .gradients)
            ledger.sample("reduce_scatter_tensor (fsdp)")
            if f.reduce != f.original {
                let cast = ledger.alloc(s * f.original.byteSize, .gradients)
                ledger.sample("_to_copy (fsdp sharded gradient)")
                ledger.release(output)
                output = cast
            }
            // CPU offload: the sharded gradient is copied to the host and dropped on the device.
            if f.config.cpuOffload { ledger.release(output) } else { f.shardedGrads.append(output) }
            f.retainedReduceScatter = input
        } else {
            for g in f.grads[u] { ledger.release(g) }
            f.grads[u] = []
        }
        fsdp = f
    }

    /// The root's end-of-backward callback: every unit not yet reduced (the root last), the last reduce-scatter
    /// input released, and any unit still unsharded resharded.
    mutating func fsdpEndBackward() {
        guard let f = fsdp else { return }
        for u in 0..<f.units.count where u != f.units.root && f.entered[u] { fsdpPostBackward(u) }
        fsdpPostBackward(f.units.root)
        guard var g = fsdp else { return }
        ledger.release(g.retainedReduceScatter); g.retainedReduceScatter = -1
        for u in g.unsharded.indices { ledger.release(g.unsharded[u]); g.unsharded[u] = -1 }
        for (_, id) in g.prefetched { ledger.release(id) }
        g.prefetched = [:]
        fsdp = g
    }
}
