/// The forward pass: what each op allocates and what autograd saves for its backward.
///
/// Sources: tools/autograd/derivatives.yaml (which inputs or results a formula uses), aten's CPU and CUDA
/// kernels (outputs a kernel allocates: `native_batch_norm`'s save_mean/save_invstd, `max_pool2d_with_indices`'s
/// int64 indices, dropout's mask), autograd's rule that an in-place op whose formula needs `self` saves a clone
/// of the original. Each rule is checked against the MemTracker timelines in shared/groundtruth/timelines.
extension StepSimulator {
    /// Runs every node's forward rule and drops each tensor's Python reference after its last consumer.
    mutating func forward(accumulating: Bool) {
        let layers = analysis.layers
        var lastUse = [Int](repeating: -1, count: layers.count)
        for (i, layer) in layers.enumerated() { for v in layer.inputs { lastUse[v] = max(lastUse[v], i) } }
        let logits = lossLogits
        let auxHeads = Set(auxiliaryLossHeads.map(\.index))
        var hasLabels = false
        let segments = checkpointSegments()
        var segmentStart = [Int: Int](), segmentEnd = [Int: Int]()
        for (s, r) in segments.enumerated() { segmentStart[r.lowerBound] = s; segmentEnd[r.upperBound] = s }
        var openSegment: (index: Int, firstFn: Int)? = nil
        for i in layers.indices {
            ledger.node = i
            if case .crossEntropy = layers[i].op {
                if layers[i].inputs.count > 1 { hasLabels = true }
                continue  // the loss runs after the forward pass
            }
            if case .lmLoss = layers[i].op { hasLabels = true; continue }  // labels are the input ids
            if let s = segmentStart[i] {
                // torch.utils.checkpoint keeps the segment's inputs for the recomputation.
                let range = segments[s]
                let inputs = Set(range.flatMap { layers[$0].inputs }.filter { !range.contains($0) }).map { storage[$0] }
                for id in inputs { ledger.retain(id) }
                segmentInputs.append(inputs)
                segmentFns.append([])
                segmentRecomputed.append(false)
                openSegment = (segmentFns.count - 1, fns.count)
                insideCheckpoint = true
            }
            if let f = fsdp, f.units.firstNode[f.units.unitOf[i]] == i, f.units.unitOf[i] != f.units.root {
                fsdpUnshardForward(f.units.unitOf[i])
            }
            forwardNode(i, accumulating: accumulating)
            if let f = fsdp, f.units.lastNode[f.units.unitOf[i]] == i { fsdpPostForward(f.units.unitOf[i]) }
            if let open = openSegment, segmentEnd[i] != nil {
                // Nothing inside the segment keeps its saved tensors: they are recomputed in backward.
                for fn in open.firstFn..<fns.count where !fns[fn].isAccumulate && fns[fn].plan.ops.count + fns[fn].plan.outputs.count > 0 {
                    segmentOfFn[fn] = open.index
                    segmentFns[open.index].append(fn)
                    for s in fns[fn].saved { ledger.release(s) }
                }
                openSegment = nil
                insideCheckpoint = false
            }
            for v in Set(layers[i].inputs) where lastUse[v] == i && v != logits && !auxHeads.contains(v) && !isGraphInput(v) {
                ledger.release(storage[v])
            }
            if lastUse[i] < 0 && i != logits && !auxHeads.contains(i) && !isGraphInput(i) { ledger.release(storage[i]) }
        }
        if !hasLabels {
            // Integer class labels, one per sample (or per token), created with the batch.
            let perSample = max(1, layers[logits].outputElements / max(1, layers[logits].outputShape.dims.last ?? 1))
            // Native: Int32 labels.
            _ = ledger.alloc(perSample * batch * (config.runtime == .native ? 4 : 8), .input)
        }
    }

    /// Node ranges run under activation checkpointing (`Checkpointing.segments(in:)`).
    func checkpointSegments() -> [ClosedRange<Int>] {
        do {
            return try config.checkpoint.segments(in: analysis)
        } catch {
            preconditionFailure("checkpointing is validated before a step is simulated: \(error)")
        }
    }

    /// Re-runs a checkpointed segment's forward when the backward pass first reaches it: its saved tensors are
    /// allocated again (in backward, so as temporaries), shared ones once.
    mutating func recompute(segment s: Int) {
        segmentRecomputed[s] = true
        var mapped: [Int: Int] = [:]
        for fn in segmentFns[s].sorted(by: { fns[$0].seq < fns[$1].seq }) {
            var saved: [Int] = []
            for old in fns[fn].saved {
                if let m = mapped[old] {
                    ledger.retain(m); saved.append(m)
                } else if ledger.isLive(old) {
                    ledger.retain(old); mapped[old] = old; saved.append(old)
                } else {
                    let fresh = ledger.alloc(ledger.size(old), .temporary)
                    mapped[old] = fresh; saved.append(fresh)
                }
            }
            fns[fn].saved = saved
            ledger.sample("recompute (checkpoint)")
        }
        for id in segmentInputs[s] { ledger.release(id) }
        segmentInputs[s] = []
    }

    // MARK: Parameters

    /// AccumulateGrad edges for node `i`'s parameter tensors, with autocast's half copies when the op casts them.
    /// - Returns: per tensor the edge (-1 when frozen), the bytes of its gradient as the op computes it, and the
    ///   storages the op saves (the half copies).
    mutating func parameters(of i: Int, castable: Bool, accumulating: Bool) -> (edges: [Int], gradBytes: [Int], saved: [Int]) {
        let tensors = paramTensors[i]
        let trainable = analysis.layers[i].trainable
        var edges: [Int] = [], grads: [Int] = [], saved: [Int] = []
        let cast = castable && config.dtype.isAutocast
        for elements in tensors {
            let acc = trainable ? newAccumulate(inPlace: accumulating) : -1
            if acc >= 0 { accumulateNode[acc] = i }
            if cast {
                let copy = ledger.alloc(elements * act.byteSize, .activations)
                ledger.sample("_to_copy (autocast weight)")
                autocastCache.append(copy)
                saved.append(copy)
                if trainable {
                    var plan = BackwardPlan()
                    plan.op("_to_copy (weight grad to fp32)", elements * paramTypes[i].byteSize)
                    plan.outputs = [.alloc(0)]
                    let castFn = newFn(saved: [], edges: [acc], plan: plan)
                    nodeOfFn[castFn] = i
                    edges.append(castFn)
                    grads.append(elements * act.byteSize)
                } else {
                    edges.append(-1); grads.append(0)
                }
            } else {
                edges.append(acc)
                grads.append(trainable ? elements * paramTypes[i].byteSize : 0)
            }
        }
        paramFns[i] = edges
        return (edges, grads, saved)
    }

    /// The edge and gradient size for a weight owned by node `owner` (a tied embedding table).
    mutating func tiedWeight(owner: Int, elements: Int) -> (edge: Int, gradBytes: Int, saved: [Int]) {
        let acc = paramFns[owner].first ?? -1
        guard acc >= 0 else { return (-1, 0, []) }
        guard config.dtype.isAutocast else { return (acc, elements * paramTypes[owner].byteSize, []) }
        let copy = ledger.alloc(elements * act.byteSize, .activations)
        ledger.sample("_to_copy (autocast weight)")
        autocastCache.append(copy)
        var plan = BackwardPlan()
        plan.op("_to_copy (weight grad to fp32)", elements * paramTypes[owner].byteSize)
        plan.outputs = [.alloc(0)]
        let castFn = newFn(saved: [], edges: [acc], plan: plan)
        return (castFn, elements * act.byteSize, [copy])
    }

    /// Element counts of a node's parameter tensors in `model.parameters()` order.
    static func parameterTensors(_ layer: LayerStats) -> [Int] {
        let p = layer.params.total
        guard p > 0 else { return [] }
        switch layer.op {
        case .conv2d(let c):
            return c.bias ? [p - c.outChannels, c.outChannels] : [p]
        case .linear(let l):
            if l.tiedTo != nil { return l.bias ? [l.outFeatures] : [] }
            return l.bias ? [p - l.outFeatures, l.outFeatures] : [p]
        case .batchNorm, .groupNorm:
            return [p / 2, p / 2]
        case .layerNorm(let l):
            return l.bias ? [p / 2, p / 2] : [p]
        case .attention(let a):
            let q = a.heads * a.headDim, kv = a.kvHeads * a.headDim
            var t = [a.embedDim * (q + 2 * kv)]
            if a.qkvBias { t.append(q + 2 * kv) }
            t.append(q * a.embedDim)
            if a.outBias { t.append(a.embedDim) }
            if a.extraParams > 0 { t.append(a.extraParams) }
            return t
        default:
            return [p]
        }
    }

    // MARK: Ops

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func forwardNode(_ i: Int, accumulating: Bool) {
        let layer = analysis.layers[i]
        let ins = layer.inputs
        let x = ins.first ?? -1
        let yBytes = bytes(of: i)
        let xBytes = x >= 0 ? bytes(of: x) : 0
        let needIn = x >= 0 && requiresGrad(x)

        /// A fresh output, sampled as one kernel.
        func output(_ sim: inout StepSimulator, _ event: String, extra: [Int] = []) -> (Int, [Int]) {
            let y = sim.ledger.alloc(yBytes, .activations)
            let ex = extra.map { sim.ledger.alloc($0, .activations) }
            sim.ledger.sample(event)
            sim.storage[i] = y
            return (y, ex)
        }
        /// The output shares its input's storage (a view or an in-place op).
        func alias(_ sim: inout StepSimulator, contiguous: Bool) {
            sim.storage[i] = sim.storage[x]
            sim.ledger.retain(sim.storage[x])
            sim.contiguous[i] = contiguous
        }
        func attach(_ sim: inout StepSimulator, saved: [Int], edges: [Int], plan: BackwardPlan) {
            guard edges.contains(where: { $0 >= 0 }) else { return }
            let fn = sim.newFn(saved: saved, edges: edges, plan: plan)
            sim.nodeOfFn[fn] = i
            sim.gradFn[i] = fn
        }
        /// One backward kernel that allocates the input's gradient.
        func simple(_ event: String) -> BackwardPlan {
            var plan = BackwardPlan()
            plan.op(event, needIn ? xBytes : 0)
            plan.outputs = [needIn ? .alloc(0) : .none]
            return plan
        }

        switch layer.op {
        case .input:
            if let mp = config.fsdp?.paramDType, layer.outputDType == nil, mp != config.dtype.activations {
                // The batch arrives in the model's type; FSDP's root casts floating inputs to param_dtype
                // (`_fsdp_state.py` `_root_pre_forward`, `_cast_forward_inputs`): a copy the model then reads.
                _ = ledger.alloc(layer.outputBytes(batch: batch, dtype: config.dtype.activations), .input)
                storage[i] = ledger.alloc(yBytes, .activations)
                ledger.sample("_to_copy (fsdp input cast)")
            } else {
                storage[i] = ledger.alloc(yBytes, .input)
            }

        case .conv2d(let c):
            let p = parameters(of: i, castable: true, accumulating: accumulating)
            var workspace = 0
            if config.runtime == .native {
                workspace = c.nativeWorkspaceElements(inChannels: analysis.layers[x].outputShape.dims[0],
                                                      outputDims: layer.outputShape.dims) * act.byteSize
                let y = ledger.alloc(yBytes, .activations)
                let scratch = ledger.alloc(workspace, .temporary)
                ledger.sample("convolution (im2col + gemm)")
                ledger.release(scratch)
                storage[i] = y
            } else {
                _ = output(&self, "convolution")
            }
            var plan = BackwardPlan()
            let gw = p.gradBytes[0], gb = p.gradBytes.count > 1 ? p.gradBytes[1] : 0
            plan.op("convolution_backward", needIn ? xBytes : 0, gw, gb)
            if config.runtime == .native, workspace > 0 { plan.scratch = plan.op("convolution_backward (workspace)", workspace) }
            plan.outputs = [needIn ? .alloc(0) : .none, gw > 0 ? .alloc(1) : .none, gb > 0 ? .alloc(2) : .none]
            attach(&self, saved: [storage[x]] + p.saved, edges: [edge(x)] + p.edges + (p.edges.count == 1 ? [-1] : []), plan: plan)

        case .linear(let l):
            if let q = l.quantization { forwardQuantizedLinear(i, l, q); return }
            var p = parameters(of: i, castable: true, accumulating: accumulating)
            if let owner = l.tiedTo, let o = analysis.layers.firstIndex(where: { $0.name == owner }) {
                // The shared table's gradient from here goes to the owner's AccumulateGrad (summed there).
                let tied = tiedWeight(owner: o, elements: layer.outputShape.dims.last.map { $0 * (analysis.layers[x].outputShape.dims.last ?? 0) } ?? 0)
                p = (edges: [tied.edge] + p.edges, gradBytes: [tied.gradBytes] + p.gradBytes, saved: tied.saved + p.saved)
            }
            _ = output(&self, "addmm")
            var plan = BackwardPlan()
            let gw = p.gradBytes[0], gb = l.bias ? p.gradBytes[1] : 0
            plan.op("mm (grad input)", needIn ? xBytes : 0)
            plan.op("mm (grad weight)", gw)
            plan.op("sum (grad bias)", gb)
            plan.outputs = [gb > 0 ? .alloc(2) : .none, needIn ? .alloc(0) : .none, gw > 0 ? .alloc(1) : .none]
            // mm saves `self` (the input) only for the weight's gradient and `mat2` (the weight or its autocast copy)
            // only for the input's (derivatives.yaml mm; the generated code saves a variable only when an output
            // that uses it requires grad): a frozen layer keeps no input.
            attach(&self, saved: (gw > 0 ? [storage[x]] : []) + (needIn ? p.saved : []),
                   edges: [l.bias ? p.edges[1] : -1, edge(x), p.edges[0]], plan: plan)

        case .batchNorm(let b):
            let p = parameters(of: i, castable: false, accumulating: accumulating)
            let channels = analysis.layers[x].outputShape.dims[0]
            // save_mean and save_invstd: the input's dtype on CPU, float32 in cuDNN.
            let statBytes = channels * (onCUDA ? max(4, act.byteSize) : act.byteSize)
            let (_, stats) = output(&self, "native_batch_norm", extra: [statBytes, statBytes])
            var plan = BackwardPlan()
            let gw = b.affine ? p.gradBytes[0] : 0, gb = b.affine ? p.gradBytes[1] : 0
            plan.op("native_batch_norm_backward", needIn ? xBytes : 0, gw, gb)
            plan.outputs = [needIn ? .alloc(0) : .none, gw > 0 ? .alloc(1) : .none, gb > 0 ? .alloc(2) : .none]
            attach(&self, saved: [storage[x]] + stats, edges: [edge(x)] + (b.affine ? p.edges : [-1, -1]), plan: plan)
            for s in stats { ledger.release(s) }

        case .layerNorm, .groupNorm, .rmsNorm:
            let p = parameters(of: i, castable: false, accumulating: accumulating)
            let dims = analysis.layers[x].outputShape.dims
            let rows: Int
            var statCount = 2
            switch layer.op {
            case .layerNorm(let l): rows = dims.dropLast(l.normalizedDims).reduce(1, *)
            case .groupNorm(let g): rows = g.groups
            default: rows = dims.dropLast().reduce(1, *); statCount = 1
            }
            let statBytes = rows * batch * max(4, act.byteSize)
            let (_, stats) = output(&self, "native_norm", extra: [Int](repeating: statBytes, count: statCount))
            var plan = BackwardPlan()
            var bytes = [needIn ? xBytes : 0]
            bytes += p.gradBytes
            plan.op("native_norm_backward", bytes)
            plan.outputs = [needIn ? .alloc(0) : .none] + p.gradBytes.indices.map { p.gradBytes[$0] > 0 ? .alloc($0 + 1) : .none }
            attach(&self, saved: [storage[x]] + stats, edges: [edge(x)] + p.edges, plan: plan)
            for s in stats { ledger.release(s) }

        case .embedding(let e):
            let p = parameters(of: i, castable: false, accumulating: accumulating)
            _ = output(&self, "embedding")
            var plan = BackwardPlan()
            plan.op("embedding_dense_backward", p.gradBytes[0])
            plan.outputs = [p.gradBytes[0] > 0 ? .alloc(0) : .none]
            attach(&self, saved: [storage[x]], edges: p.edges, plan: plan)
            if e.inputEmbeddings, gradFn[i] < 0, config.checkpoint != .none {
                // `output.requires_grad_(True)` makes the output a leaf: its AccumulateGrad holds it and, after the
                // backward pass, its `.grad`, for as long as the graph lives (the output's `grad_fn` chain reaches
                // it): until the next step's forward returns.
                let fn = newFn(saved: [], edges: [], plan: BackwardPlan())
                fns[fn].keepsGradient = true
                nodeOfFn[fn] = i
                gradFn[i] = fn
                ledger.retain(storage[i])
                heldByOutput.append(storage[i])
            }

        case .activation(let a):
            // Formulas that use the result (relu, sigmoid, tanh; leaky_relu in place) keep the output; the others
            // keep `self`, which an in-place op must first clone.
            var usesResult: Bool = switch a.function {
            case .relu, .sigmoid, .tanh: true
            case .leakyRelu: a.inplace
            default: false
            }
            if config.runtime == .native {
                // The native engine differentiates relu6 and hardsigmoid from the result too (so in place they
                // need no clone of the input); MemQEngine/Activation.swift `backwardOperand`.
                switch a.function {
                case .relu6, .hardsigmoid: usesResult = true
                default: break
                }
            }
            let event = "\(a.function.rawValue)_backward"
            if a.inplace {
                var saved = storage[x]
                var clone = -1
                if !usesResult && needIn {
                    clone = ledger.alloc(xBytes, .activations)
                    ledger.sample("clone (in-place \(a.function.rawValue))")
                    saved = clone
                }
                alias(&self, contiguous: contiguous[x])
                attach(&self, saved: [saved], edges: [edge(x)], plan: simple(event))
                ledger.release(clone)
            } else {
                let (y, _) = output(&self, a.function.rawValue)
                attach(&self, saved: [usesResult ? y : storage[x]], edges: [edge(x)], plan: simple(event))
            }

        case .softmax:
            let (y, _) = output(&self, "_softmax")
            attach(&self, saved: [y], edges: [edge(x)], plan: simple("_softmax_backward_data"))

        case .maxPool2d, .adaptiveMaxPool2d:
            // Indices are int64 on every device.
            // Native: Int32 indices.
            let (_, ex) = output(&self, "max_pool2d_with_indices", extra: [layer.outputElements * batch * (config.runtime == .native ? 4 : 8)])
            attach(&self, saved: [storage[x], ex[0]], edges: [edge(x)], plan: simple("max_pool2d_with_indices_backward"))
            ledger.release(ex[0])

        case .avgPool2d:
            _ = output(&self, "avg_pool2d")
            attach(&self, saved: [storage[x]], edges: [edge(x)], plan: simple("avg_pool2d_backward"))

        case .adaptiveAvgPool2d(let size):
            if size.allSatisfy({ $0 == 1 }) {
                // aten::adaptive_avg_pool2d lowers a 1x1 output to mean(-1, -2): nothing saved; backward expand + div.
                _ = output(&self, "mean")
                attach(&self, saved: [], edges: [edge(x)], plan: simple("div (mean backward)"))
            } else {
                _ = output(&self, "_adaptive_avg_pool2d")
                attach(&self, saved: [storage[x]], edges: [edge(x)], plan: simple("_adaptive_avg_pool2d_backward"))
            }

        case .flatten, .reshape:
            if contiguous[x] {
                alias(&self, contiguous: true)
            } else if splitsLastDim(x, into: layer.outputShape.dims) {
                // `view` that only splits the innermost dimension keeps the strides: still a view.
                alias(&self, contiguous: false)
                layout[i] = .strided
            } else {
                _ = output(&self, "clone (reshape of a non-contiguous view)")
            }
            var plan = BackwardPlan()
            plan.outputs = [.incoming]
            attach(&self, saved: [], edges: [edge(x)], plan: plan)

        case .permute, .transpose:
            let from = layout[x]
            alias(&self, contiguous: false)
            layout[i] = Layout.after(layer.op, of: from, rank: analysis.layers[x].outputShape.rank + 1)
            contiguous[i] = layout[i] == .contiguous
            var plan = BackwardPlan()
            plan.outputs = [.incoming]
            attach(&self, saved: [], edges: [edge(x)], plan: plan)

        case .select:
            alias(&self, contiguous: false)
            layout[i] = .strided
            attach(&self, saved: [], edges: [edge(x)], plan: simple("select_backward"))

        case .split:
            if config.runtime == .native {
                // The native engine copies the piece (its tensors are always contiguous); the backward is a zero
                // tensor of the input's size with the piece's gradient in its channels.
                _ = output(&self, "narrow (copy)")
                var plan = BackwardPlan()
                plan.op("slice_backward", needIn ? xBytes : 0)
                plan.outputs = [needIn ? .alloc(0) : .none]
                attach(&self, saved: [], edges: [edge(x)], plan: plan)
                break
            }
            alias(&self, contiguous: false)
            layout[i] = .strided
            var plan = BackwardPlan()
            plan.op("split_backward", needIn ? yBytes : 0)
            plan.outputs = [needIn ? .alloc(0) : .none]
            attach(&self, saved: [], edges: [edge(x)], plan: plan)

        case .concat:
            _ = output(&self, "cat")
            var plan = BackwardPlan()
            plan.outputs = ins.map { requiresGrad($0) ? .incoming : .none }
            if config.runtime == .native {
                // The native engine copies each input's channels out of the incoming gradient.
                plan.outputs = ins.map { requiresGrad($0) ? .alloc(plan.op("narrow (cat backward, copy)", bytes(of: $0))[0]) : .none }
            }
            attach(&self, saved: [], edges: ins.map { edge($0) }, plan: plan)
            if gradFn[i] >= 0, config.runtime != .native { fns[gradFn[i]].edgeBytes = ins.map { bytes(of: $0) } }

        case .add(let inplace):
            if inplace { alias(&self, contiguous: contiguous[x]) } else { _ = output(&self, "add") }
            var plan = BackwardPlan()
            var outs: [BackwardPlan.Out] = []
            for v in ins {
                if !requiresGrad(v) { outs.append(.none); continue }
                let vb = bytes(of: v)
                if vb < yBytes || broadcastsOverBatch(v, i) {
                    outs.append(.alloc(plan.op("sum (broadcast add backward)", vb)[0]))
                } else {
                    outs.append(.incoming)
                }
            }
            plan.outputs = outs
            attach(&self, saved: [], edges: ins.map { edge($0) }, plan: plan)

        case .mul:
            if config.runtime == .native {
                // The native engine's fused multiply-and-reduce allocates each operand's gradient only, and keeps
                // both operands.
                _ = output(&self, "mul")
                var plan = BackwardPlan()
                plan.outputs = ins.map { requiresGrad($0) ? .alloc(plan.op("mul (fused backward)", bytes(of: $0))[0]) : .none }
                attach(&self, saved: Array(Set(ins.map { storage[$0] })), edges: ins.map { edge($0) }, plan: plan)
                break
            }
            _ = output(&self, "mul")
            var plan = BackwardPlan()
            var outs: [BackwardPlan.Out] = []
            var saved: [Int] = []
            for (k, v) in ins.enumerated() {
                if !requiresGrad(v) { outs.append(.none); continue }
                for (m, other) in ins.enumerated() where m != k { saved.append(storage[other]) }
                let full = plan.op("mul (backward)", yBytes)[0]
                let vb = bytes(of: v)
                if vb < yBytes || broadcastsOverBatch(v, i) {
                    outs.append(.alloc(plan.op("sum (broadcast mul backward)", vb)[0]))
                    plan.scratch.append(full)
                } else {
                    outs.append(.alloc(full))
                }
            }
            plan.outputs = outs
            attach(&self, saved: Array(Set(saved)), edges: ins.map { edge($0) }, plan: plan)

        case .dropout(let p, let inplace):
            guard p > 0 else { alias(&self, contiguous: contiguous[x]); gradFn[i] = gradFn[x]; return }
            if config.runtime == .native {
                // The native engine: output (unless in place) and a UInt8 mask, one byte per element.
                let maskBytes = layer.outputElements * batch
                let m: Int
                if inplace {
                    alias(&self, contiguous: contiguous[x])
                    m = ledger.alloc(maskBytes, .activations)
                    ledger.sample("dropout_ (uint8 mask)")
                } else {
                    m = output(&self, "dropout (uint8 mask)", extra: [maskBytes]).1[0]
                }
                attach(&self, saved: [m], edges: [edge(x)], plan: simple("dropout_backward"))
                ledger.release(m)
                break
            }
            let mask: Int
            if onCUDA && !inplace {
                // native_dropout: output and a bool mask in one kernel.
                let (_, ex) = output(&self, "native_dropout", extra: [layer.outputElements * batch])
                mask = ex[0]
            } else {
                // CPU (and in-place): a mask of the input's dtype (bernoulli_, div_), then input * mask.
                mask = ledger.alloc(xBytes, .activations)
                ledger.sample("bernoulli_ (dropout mask)")
                if inplace { alias(&self, contiguous: contiguous[x]) } else { _ = output(&self, "mul (dropout)") }
            }
            attach(&self, saved: [mask], edges: [edge(x)], plan: simple("mul (dropout backward)"))
            ledger.release(mask)

        case .stochasticDepth(let p):
            guard p > 0 else { alias(&self, contiguous: contiguous[x]); gradFn[i] = gradFn[x]; return }
            let noise = ledger.alloc(batch * act.byteSize, .activations)
            ledger.sample("bernoulli_ (stochastic depth)")
            _ = output(&self, "mul (stochastic depth)")
            attach(&self, saved: [noise], edges: [edge(x)], plan: simple("mul (stochastic depth backward)"))
            ledger.release(noise)

        case .upsample:
            _ = output(&self, "upsample_nearest2d")
            attach(&self, saved: [], edges: [edge(x)], plan: simple("upsample_nearest2d_backward"))

        case .pad2d:
            _ = output(&self, "constant_pad_nd")
            var plan = BackwardPlan()
            plan.outputs = [.incoming]
            attach(&self, saved: [], edges: [edge(x)], plan: plan)

        case .roll:
            // at::roll copies into a new tensor; its derivative (derivatives.yaml: grad.roll(-shifts, dims))
            // allocates the input's gradient; nothing is saved.
            _ = output(&self, "roll")
            attach(&self, saved: [], edges: [edge(x)], plan: simple("roll (backward)"))

        case .channelShuffle:
            _ = output(&self, "clone (channel_shuffle)")
            attach(&self, saved: [], edges: [edge(x)], plan: simple("clone (reshape of the transposed gradient)"))

        case .matmul:
            let b = ins[1]
            // torch.matmul expands and reshapes each operand to 3-D: a copy when the leading dimensions cannot be
            // merged, and the copy is what bmm saves.
            let operands = matmulOperands(ins)
            _ = output(&self, "bmm")
            var plan = BackwardPlan()
            let needB = requiresGrad(b)
            plan.op("bmm (grad self)", needIn ? xBytes : 0)
            plan.op("bmm (grad other)", needB ? bytes(of: b) : 0)
            plan.outputs = [needIn ? .alloc(0) : .none, needB ? .alloc(1) : .none]
            var saved: [Int] = []
            if needB { saved.append(operands[0]) }
            if needIn { saved.append(operands[1]) }
            attach(&self, saved: saved, edges: [edge(x), edge(b)], plan: plan)
            for (k, v) in ins.enumerated() where operands[k] != storage[v] { ledger.release(operands[k]) }

        case .attention(let a):
            forwardAttention(i, a, accumulating: accumulating)

        case .mean:
            _ = output(&self, "mean")
            attach(&self, saved: [], edges: [edge(x)], plan: simple("div (mean backward)"))

        case .scale:
            _ = output(&self, "mul (scale)")
            attach(&self, saved: [], edges: [edge(x)], plan: simple("mul (scale backward)"))

        case .layerScale(_, let plusOne):
            let p = parameters(of: i, castable: false, accumulating: accumulating)
            // Gemma's `output * (1.0 + self.weight.float())`: `weight.float()` (a copy unless float32), then
            // `1 + ...`, a float32 tensor the mul keeps for the input's gradient (modeling_gemma.py GemmaRMSNorm).
            var onePlus = -1
            let dim = paramTensors[i].first ?? 0
            if plusOne {
                let cast = paramTypes[i] != .float32 ? ledger.alloc(dim * 4, .activations) : -1
                if cast >= 0 { ledger.sample("_to_copy (weight.float())") }
                onePlus = ledger.alloc(dim * 4, .activations)
                ledger.sample("add (1 + weight)")
                ledger.release(cast)
            }
            _ = output(&self, "mul (layer scale)")
            var plan = BackwardPlan()
            plan.op("mul (grad input)", needIn ? xBytes : 0)
            var gammaOut = BackwardPlan.Out.none
            if p.gradBytes[0] > 0 {
                let full = plan.op("mul (grad gamma)", yBytes)[0]
                if plusOne && paramTypes[i] != .float32 {
                    // The float32 gradient of `1 + weight.float()`, cast back to the weight's type.
                    let sum = plan.op("sum (grad gamma)", dim * 4)[0]
                    gammaOut = .alloc(plan.op("_to_copy (grad to weight dtype)", p.gradBytes[0])[0])
                    plan.scratch.append(sum)
                } else {
                    gammaOut = .alloc(plan.op("sum (grad gamma)", p.gradBytes[0])[0])
                }
                plan.scratch.append(full)
            }
            plan.outputs = [needIn ? .alloc(0) : .none, gammaOut]
            let saved = (p.gradBytes[0] > 0 ? [storage[x]] : []) + (needIn && onePlus >= 0 ? [onePlus] : [])
            attach(&self, saved: saved, edges: [edge(x), p.edges[0]], plan: plan)
            ledger.release(onePlus)

        case .positionalEmbedding, .classToken:
            let p = parameters(of: i, castable: false, accumulating: accumulating)
            _ = output(&self, layer.kind == .classToken ? "cat (class token)" : "add (position embedding)")
            var plan = BackwardPlan()
            let k = plan.op("sum (expand backward)", p.gradBytes[0])[0]
            plan.outputs = [needIn ? .incoming : .none, p.gradBytes[0] > 0 ? .alloc(k) : .none]
            attach(&self, saved: [], edges: [edge(x), p.edges[0]], plan: plan)

        case .crossEntropy, .lmLoss:
            break

        case .pointwise, .rotaryTable, .sdpa, .repeatKV, .kvCache, .causalMask, .positions:
            forwardTransformer(i)
        }
        propagateLayout(i)
    }

    /// Self-attention as PyTorch runs it: the packed q/k/v projection (saves its input), fused scaled
    /// dot-product attention (flash kernel: saves q, k, v, the output and the float32 log-sum-exp per head and
    /// position), and the output projection (saves the attention output).
    mutating func forwardAttention(_ i: Int, _ a: Attention, accumulating: Bool) {
        let layer = analysis.layers[i]
        let x = layer.inputs[0]
        let dims = analysis.layers[x].outputShape.dims
        let tokens = dims.dropLast().reduce(1, *) * batch
        let rows = dims.dropLast(2).reduce(1, *) * batch
        let seqLen = dims[dims.count - 2]
        let q = a.heads * a.headDim, kv = a.kvHeads * a.headDim
        let e = act.byteSize
        let xBytes = bytes(of: x)
        let needIn = requiresGrad(x)
        let p = parameters(of: i, castable: true, accumulating: accumulating)
        // Parameter tensors: W_qkv, [b_qkv], W_out, [b_out], [extra].
        var t = 0
        let wqkv = t; t += 1
        let bqkv = a.qkvBias ? t : -1; if a.qkvBias { t += 1 }
        let wo = t; t += 1
        let bo = a.outBias ? t : -1; if a.outBias { t += 1 }
        let extra = a.extraParams > 0 ? t : -1
        func grad(_ k: Int) -> Int { k >= 0 ? p.gradBytes[k] : 0 }
        func edgeOf(_ k: Int) -> Int { k >= 0 ? p.edges[k] : -1 }
        func savedCast(_ k: Int) -> [Int] { k >= 0 && k < p.saved.count ? [p.saved[k]] : [] }

        // 1. q/k/v projection.
        let qkv = ledger.alloc(tokens * (q + 2 * kv) * e, .activations)
        ledger.sample("addmm (q/k/v projection)")
        var planA = BackwardPlan()
        planA.op("mm (grad input)", needIn ? xBytes : 0)
        planA.op("mm (grad W_qkv)", grad(wqkv))
        planA.op("sum (grad b_qkv)", grad(bqkv))
        planA.outputs = [grad(bqkv) > 0 ? .alloc(2) : .none, needIn ? .alloc(0) : .none, grad(wqkv) > 0 ? .alloc(1) : .none]
        let edgesA = [edgeOf(bqkv), edge(x), edgeOf(wqkv)]
        let fnA = edgesA.contains { $0 >= 0 } ? newFn(saved: [storage[x]] + savedCast(wqkv), edges: edgesA, plan: planA) : -1
        if fnA >= 0 { nodeOfFn[fnA] = i }

        // 2. Fused attention.
        let out = ledger.alloc(tokens * q * e, .activations)
        let lse = ledger.alloc(rows * a.heads * seqLen * 4, .activations)
        ledger.sample("_scaled_dot_product_flash_attention")
        var planB = BackwardPlan()
        planB.op("_scaled_dot_product_flash_attention_backward", fnA >= 0 ? tokens * (q + 2 * kv) * e : 0, grad(extra))
        planB.outputs = [fnA >= 0 ? .alloc(0) : .none, grad(extra) > 0 ? .alloc(1) : .none]
        let edgesB = [fnA, edgeOf(extra)]
        let fnB = edgesB.contains { $0 >= 0 } ? newFn(saved: [qkv, out, lse], edges: edgesB, plan: planB) : -1
        if fnB >= 0 { nodeOfFn[fnB] = i }
        ledger.release(qkv)
        ledger.release(lse)

        // 3. Output projection.
        let y = ledger.alloc(bytes(of: i), .activations)
        ledger.sample("addmm (output projection)")
        storage[i] = y
        var planC = BackwardPlan()
        planC.op("mm (grad attention output)", fnB >= 0 ? tokens * q * e : 0)
        planC.op("mm (grad W_out)", grad(wo))
        planC.op("sum (grad b_out)", grad(bo))
        planC.outputs = [grad(bo) > 0 ? .alloc(2) : .none, fnB >= 0 ? .alloc(0) : .none, grad(wo) > 0 ? .alloc(1) : .none]
        let edgesC = [edgeOf(bo), fnB, edgeOf(wo)]
        if edgesC.contains(where: { $0 >= 0 }) {
            let fnC = newFn(saved: [out] + savedCast(wo), edges: edgesC, plan: planC)
            nodeOfFn[fnC] = i
            gradFn[i] = fnC
        }
        ledger.release(out)
    }
}
