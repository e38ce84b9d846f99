/// How a value's elements lie in memory, as far as the copies of `reshape`, `view`, `matmul` and `.contiguous()`
/// depend on it (aten/src/ATen/native/TensorShape.cpp `reshape`: a view when the strides allow, else a copy;
/// LinearAlgebra.cpp `matmul`: operands folded to 3-D with `reshape`).
enum Layout: Sendable, Hashable {
    /// Row-major.
    case contiguous
    /// A row-major tensor with its last two dimensions swapped (`k.transpose(-1, -2)`): its leading dimensions
    /// still merge, so matmul views it.
    case lastTwoSwapped
    /// A row-major `[S, H, d]` tensor seen as `[H, S, d]` (`view(...).transpose(1, 2)`).
    case headsSwapped
    /// Anything else (slices, split pieces, other permutations).
    case strided

    /// The layout after a transpose or permute of a tensor of `rank` dimensions (batch included).
    static func after(_ op: Op, of from: Layout, rank: Int) -> Layout {
        func norm(_ d: Int) -> Int { d < 0 ? d + rank : d }
        guard case .transpose(let a0, let b0) = op else { return .strided }
        let pair = Set([norm(a0), norm(b0)])
        switch from {
        case .contiguous:
            if pair == [rank - 1, rank - 2] { return .lastTwoSwapped }
            if pair == [1, 2] && rank == 4 { return .headsSwapped }
            return .strided
        case .headsSwapped:
            return pair == [1, 2] && rank == 4 ? .contiguous : .strided
        case .lastTwoSwapped:
            return pair == [rank - 1, rank - 2] ? .contiguous : .strided
        case .strided:
            return .strided
        }
    }

    /// Whether `torch.matmul` can fold the leading dimensions without a copy.
    var foldsWithoutCopy: Bool { self == .contiguous || self == .lastTwoSwapped }
}

extension StepSimulator {
    /// Whether reshaping value `x` to `dims` only splits its innermost dimension (a view on any strides).
    func splitsLastDim(_ x: Int, into dims: [Int]) -> Bool {
        let from = analysis.layers[x].outputShape.dims
        guard let last = from.last, dims.count > from.count, Array(dims.prefix(from.count - 1)) == Array(from.dropLast()) else {
            return false
        }
        return dims.dropFirst(from.count - 1).reduce(1, *) == last
    }

    /// The storages matmul's autograd saves: each operand, or its contiguous copy when it cannot be folded.
    mutating func matmulOperands(_ ins: [Int]) -> [Int] {
        ins.map { v in
            // With one sample, [1, H, S, d] folds to [H, S, d] as a view whatever the strides.
            guard !layout[v].foldsWithoutCopy, !(batch == 1 && analysis.layers[v].outputShape.rank == 3) else { return storage[v] }
            let copy = ledger.alloc(bytes(of: v), .activations)
            ledger.sample("clone (matmul operand)")
            return copy
        }
    }

    /// Elementwise ops give their output the memory layout of their input (TensorIterator keeps strides).
    mutating func propagateLayout(_ i: Int) {
        let layer = analysis.layers[i]
        guard let x = layer.inputs.first, layout[x] != .contiguous, storage[i] != storage[x] else { return }
        switch layer.op {
        case .activation, .scale, .mul, .add, .dropout:
            break
        case .pointwise(let p):
            switch p.kind {
            case .contiguous, .cast: return
            default: break
            }
        default:
            return
        }
        guard analysis.layers[x].outputShape == layer.outputShape else { return }
        layout[i] = layout[x]
    }

    // MARK: Ops

    mutating func forwardTransformer(_ i: Int) {
        let layer = analysis.layers[i]
        let x = layer.inputs[0]
        let yBytes = bytes(of: i)
        let xBytes = bytes(of: x)
        let needIn = requiresGrad(x)

        func fresh(_ event: String, category: MemoryCategory = .activations) -> Int {
            let y = ledger.alloc(yBytes, category)
            ledger.sample(event)
            storage[i] = y
            return y
        }
        func aliasInput() {
            storage[i] = storage[x]
            ledger.retain(storage[x])
            gradFn[i] = gradFn[x]
            contiguous[i] = contiguous[x]
            layout[i] = layout[x]
        }
        func attach(saved: [Int], edges: [Int], plan: BackwardPlan) {
            guard edges.contains(where: { $0 >= 0 }) else { return }
            let fn = newFn(saved: saved, edges: edges, plan: plan)
            nodeOfFn[fn] = i
            gradFn[i] = fn
        }
        /// A backward that allocates `count` tensors of the input's size, hands on the last.
        func chain(_ events: [String]) -> BackwardPlan {
            var plan = BackwardPlan()
            guard needIn else { plan.outputs = [.none]; return plan }
            let ids = events.map { plan.op($0, xBytes)[0] }
            plan.outputs = [.alloc(ids[ids.count - 1])]
            plan.scratch = Array(ids.dropLast())
            return plan
        }

        switch layer.op {
        case .pointwise(let p):
            switch p.kind {
            case .pow:
                // derivatives.yaml pow.Tensor_Scalar: pow_backward(grad, self, exponent) = grad * (e * self.pow(e - 1)).
                _ = fresh("pow")
                attach(saved: [storage[x]], edges: [edge(x)], plan: chain(["pow (backward)", "mul (backward)", "mul (backward)"]))
            case .rsqrt:
                // derivatives.yaml: -0.5 * grad * result.pow(3).
                let y = fresh("rsqrt")
                attach(saved: [y], edges: [edge(x)], plan: chain(["pow (rsqrt backward)", "mul (rsqrt backward)", "mul (rsqrt backward)"]))
            case .addScalar:
                _ = fresh("add (scalar)")
                var plan = BackwardPlan()
                plan.outputs = [needIn ? .incoming : .none]
                attach(saved: [], edges: [edge(x)], plan: plan)
            case .neg:
                _ = fresh("neg")
                attach(saved: [], edges: [edge(x)], plan: chain(["neg (backward)"]))
            case .cast(let target):
                let from = analysis.layers[x].outputDType ?? act
                guard (target ?? act) != from else { aliasInput(); return }
                _ = fresh("_to_copy")
                attach(saved: [], edges: [edge(x)], plan: chain(["_to_copy (backward)"]))
            case .contiguous:
                guard layout[x] != .contiguous else { aliasInput(); return }
                _ = fresh("clone (contiguous)")
                var plan = BackwardPlan()
                plan.outputs = [needIn ? .incoming : .none]
                attach(saved: [], edges: [edge(x)], plan: plan)
            }

        case .rotaryTable, .causalMask, .positions:
            // Built from positions under no_grad: needs no gradient.
            _ = fresh(layer.kind == .causalMask ? "where (causal mask)" : "cos/sin (rotary table)")

        case .repeatKV(let groups):
            guard groups > 1 else { aliasInput(); return }
            if analysis.layers[x].outputShape.dims.first == 1 {
                // One key/value head (MQA): `expand` over the size-1 head dimension then `reshape` merges a size-1
                // dimension with the expanded one: a view with a zero stride (aten reshape -> view when
                // computeStride succeeds), which matmul later copies only when the batch cannot fold.
                storage[i] = storage[x]
                ledger.retain(storage[x])
                contiguous[i] = false
                layout[i] = .strided
                attach(saved: [], edges: [edge(x)], plan: chain(["sum (repeat_kv backward)"]))
                return
            }
            // `expand` then `reshape`: a copy; backward sums the gradient over the repeats.
            _ = fresh("clone (repeat_kv)")
            attach(saved: [], edges: [edge(x)], plan: chain(["sum (repeat_kv backward)"]))

        case .kvCache:
            // A checkpointed layer runs with `cache=None` (transformers' GradientCheckpointingLayer): no update.
            guard !insideCheckpoint else { aliasInput(); return }
            // DynamicCache.update: torch.cat([empty, x]) copies; the cache keeps it with the model's output.
            let y = fresh("cat (DynamicCache.update)")
            ledger.retain(y)
            heldByOutput.append(y)
            var plan = BackwardPlan()
            plan.outputs = [needIn ? .incoming : .none]
            attach(saved: [], edges: [edge(x)], plan: plan)

        case .sdpa(let a):
            forwardFusedAttention(i, a)

        default:
            preconditionFailure("not a transformer op")
        }
    }

    /// A fused attention kernel: the output and its softmax statistics, saved with q, k and v; the backward
    /// allocates the three gradients and the kernel's scratch.
    mutating func forwardFusedAttention(_ i: Int, _ a: SDPA) {
        let layer = analysis.layers[i]
        let (q, k, v) = (layer.inputs[0], layer.inputs[1], layer.inputs[2])
        let dims = analysis.layers[q].outputShape.dims
        let heads = dims[0], seq = dims[1], headDim = dims[2]
        let kvHeads = analysis.layers[k].outputShape.dims[0]
        let y = ledger.alloc(bytes(of: i), .activations)
        let stats: Int
        switch a.kernel {
        case .efficient:
            // mem_eff_attention: logsumexp [B, H, ceil(S / 32) * 32] float32 (attention_forward.cu).
            stats = batch * heads * ((seq + 31) / 32 * 32) * 4
        default:
            // flash (CPU and CUDA) and cuDNN: float32 log-sum-exp / statistics [B, H, S].
            stats = batch * heads * seq * 4
        }
        let lse = ledger.alloc(stats, .activations)
        // CUDA kernels with dropout return the Philox seed and offset (two int64 scalars).
        let rng = onCUDA && a.dropout > 0 ? [ledger.alloc(8, .activations), ledger.alloc(8, .activations)] : []
        ledger.sample("_scaled_dot_product_\(a.kernel == .flash && !onCUDA ? "flash_attention_for_cpu" : a.kernel.rawValue + "_attention")")
        storage[i] = y
        // The output is `empty_like(query)` (torch/_meta_registrations.py): the query's layout when it is dense (a
        // `[S, H, d]` tensor seen as `[H, S, d]`), else row-major.
        layout[i] = layout[q] == .headsSwapped || layout[q] == .lastTwoSwapped ? layout[q] : .contiguous
        contiguous[i] = layout[i] == .contiguous
        var plan = BackwardPlan()
        let e = (analysis.layers[q].outputDType ?? act).byteSize
        if onCUDA && a.kernel == .flash {
            // flash_api.cpp mha_bwd: softmax_d [B, H, S rounded to 128] and dq_accum [B, S_128, H, d rounded to 32]
            // in float32; with fewer key/value heads, dk/dv expanded to all heads before the sum.
            let s128 = (seq + 127) / 128 * 128, d32 = headDim <= 192 ? (headDim + 31) / 32 * 32 : 256
            var scratch = plan.op("flash backward scratch (softmax_d, dq_accum)", batch * heads * s128 * 4, batch * s128 * heads * d32 * 4)
            if kvHeads != heads { scratch += plan.op("flash backward (dk, dv expanded)", batch * heads * seq * headDim * e, batch * heads * seq * headDim * e) }
            plan.scratch = scratch
        }
        let grads = plan.op("_scaled_dot_product_\(a.kernel.rawValue)_attention_backward",
                            requiresGrad(q) ? bytes(of: q) : 0, requiresGrad(k) ? bytes(of: k) : 0, requiresGrad(v) ? bytes(of: v) : 0)
        if onCUDA && a.kernel == .efficient {
            // attention_backward.cu: delta [B, H, S] float32.
            plan.scratch.append(plan.op("efficient backward (delta)", batch * heads * seq * 4)[0])
        }
        plan.outputs = [q, k, v].enumerated().map { requiresGrad($0.element) ? .alloc(grads[$0.offset]) : .none }
        let edges = [edge(q), edge(k), edge(v)]
        if edges.contains(where: { $0 >= 0 }) {
            let fn = newFn(saved: [storage[q], storage[k], storage[v], y, lse] + rng, edges: edges, plan: plan)
            nodeOfFn[fn] = i
            gradFn[i] = fn
        }
        ledger.release(lse)
        for id in rng { ledger.release(id) }
    }

    // MARK: Loss and outputs

    /// The previous step's output object, still bound while this step's forward pass runs: its logits and
    /// key/value cache (and loss, counted apart).
    mutating func previousStepOutputs() -> [Int] {
        guard case .lmLoss = analysis.layers[analysis.outputIndex].op, config.runtime != .native else { return [] }
        var ids = [ledger.alloc(bytes(of: lossLogits), .activations)]
        for (j, layer) in analysis.layers.enumerated() where layer.kind == .kvCache {
            // A checkpointed layer does not update the cache.
            if config.checkpoint != .none, let s = checkpointSegments().first(where: { $0.contains(j) }), !s.isEmpty { continue }
            ids.append(ledger.alloc(bytes(of: j), .activations))
        }
        return ids
    }

    /// A frozen input embedding made a leaf under checkpointing (`enable_input_require_grads`): the previous step's
    /// leaf and its `.grad` stay alive through the whole next step under PyTorch's MemTracker, whose module tracker
    /// holds the leaf through its hooks (torch/distributed/_tools/mod_tracker.py; measured, peft 0.21 + transformers
    /// 5.24 + torch 2.15). Plain PyTorch frees them when the next forward rebinds the output, so on a GPU this is an
    /// over-estimate of 2 x the embedding output; kept because it is what PyTorch's own accounting reports.
    ///
    /// LLM.int8 layers keep their input as a ctx attribute (`MatMul8bitLt`/`MatMul8bitFp`: `ctx.A`), which lives with
    /// the graph: measured likewise, the previous step's inputs are live through the next step.
    mutating func previousStepLeaves() -> [Int] {
        var ids: [Int] = []
        let needsGrad = Self.requiresGradStatically(analysis, checkpointing: config.checkpoint != .none)
        var kept = Set<Int>()  // q, k and v (gate and up) read one input tensor
        for layer in analysis.layers {
            if case .linear(let l) = layer.op, l.quantization?.kind == .int8, let x = layer.inputs.first, needsGrad[x],
               kept.insert(x).inserted {
                ids.append(ledger.alloc(bytes(of: x), .activations))
            }
        }
        guard config.checkpoint != .none else { return ids }
        for (j, layer) in analysis.layers.enumerated() where !layer.trainable {
            if case .embedding(let e) = layer.op, e.inputEmbeddings {
                ids.append(ledger.alloc(bytes(of: j), .activations))
                ids.append(ledger.alloc(bytes(of: j), .temporary))
            }
        }
        return ids
    }

    /// Per node: whether its output requires grad (a trainable parameter on the way from the inputs, or the input
    /// embeddings made to under checkpointing).
    static func requiresGradStatically(_ analysis: ModelAnalysis, checkpointing: Bool) -> [Bool] {
        var needs = [Bool](repeating: false, count: analysis.layers.count)
        for (i, layer) in analysis.layers.enumerated() {
            var n = layer.trainable && layer.params.trainable > 0
            if case .embedding(let e) = layer.op, e.inputEmbeddings, checkpointing { n = true }
            needs[i] = n || layer.inputs.contains { needs[$0] }
        }
        return needs
    }

    /// transformers' loss: for causal models `logits.float()`, labels padded and shifted, cross-entropy; for masked
    /// models cross-entropy in the logits' dtype. The logits stay bound to the output.
    mutating func languageModelLoss(_ l: LMLoss, oldLoss: Int) -> (root: Int, grad: Int, held: [Int]) {
        let logits = lossLogits
        ledger.node = analysis.outputIndex
        let logitDType = analysis.layers[logits].outputDType ?? act
        let lossDType: DType = l.kind == .causal ? .float32 : logitDType
        let elements = analysis.layers[logits].outputElements * batch
        let rows = elements / max(1, analysis.layers[logits].outputShape.dims.last ?? 1)
        var fEdge = edge(logits)
        var copy = -1
        if lossDType != logitDType {
            var plan = BackwardPlan()
            plan.op("_to_copy (backward)", elements * logitDType.byteSize)
            plan.outputs = [.alloc(0)]
            copy = ledger.alloc(elements * lossDType.byteSize, .activations)
            ledger.sample("_to_copy (logits.float())")
            let fn = newFn(saved: [], edges: [fEdge], plan: plan)
            nodeOfFn[fn] = logits
            fEdge = fn
        }
        var labels: [Int] = []
        if l.kind == .causal {
            // nn.functional.pad(labels, (0, 1), value=-100), then labels[..., 1:].contiguous(): int64.
            let seq = rows / max(1, batch)
            labels.append(ledger.alloc(batch * (seq + 1) * 8, .activations))
            ledger.sample("constant_pad_nd (labels)")
            labels.append(ledger.alloc(rows * 8, .activations))
            ledger.sample("clone (shift_labels)")
            ledger.release(labels.removeFirst())
        }
        let lb = lossDType.byteSize
        let (nllFn, lossValue) = logSoftmaxNLL(edge: fEdge, bytes: elements * lb, scalarBytes: lb)
        ledger.release(copy)
        for id in labels { ledger.release(id) }
        // `out.logits` keeps the logits; the previous step's output is rebound now.
        heldByOutput.append(storage[logits])
        ledger.release(oldLoss)
        for id in previousOutputs { ledger.release(id) }
        previousOutputs = []
        let ones = ledger.alloc(lb, .activations)
        ledger.sample("ones_like")
        return (nllFn, ones, [lossValue])
    }
}

extension StepSimulator {
    /// Whether operand `v` is one tensor for the batch while node `i`'s output is per sample (a broadcast whose
    /// backward sums over the batch, at every batch size, even when the bytes happen to match at batch 1).
    func broadcastsOverBatch(_ v: Int, _ i: Int) -> Bool {
        analysis.layers[v].batchShared && !analysis.layers[i].batchShared
    }
}
