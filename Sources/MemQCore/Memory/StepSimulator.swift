/// One parameter tensor of the optimizer: its elements and element type.
struct ParameterTensor {
    var elements: Int
    var type: DType
    var bytes: Int { elements * type.byteSize }
}

/// Simulates one training step (the second: optimizer state exists) as an allocation timeline.
///
/// Forward: each op allocates its outputs and what autograd saves (the per-op rules are in
/// `StepSimulator+Forward.swift`, each with its PyTorch source); a tensor nobody saved dies after its last
/// consumer. Loss: `cross_entropy(model(x).float(), y)`. Backward: the autograd engine's order and frees.
/// Step: the optimizer's state and scratch. The rules reproduce PyTorch's MemTracker byte for byte on the
/// calibration models (docs/memory-model.md).
struct StepSimulator {
    let analysis: ModelAnalysis
    let config: TrainingConfig
    /// Samples in one forward/backward pass (the micro-batch under gradient accumulation).
    let batch: Int
    var ledger: StorageLedger
    var fns: [GradFn] = []
    var seq = 0

    /// Per value (graph node output): its storage, its grad_fn (-1: needs no gradient), whether contiguous.
    var storage: [Int]
    var gradFn: [Int]
    var contiguous: [Bool]
    /// Per value: how its elements lie in memory, for the ops that copy a tensor they cannot view (matmul's
    /// `reshape`, `view`, `.contiguous()`).
    var layout: [Layout]
    /// Storages the model's output keeps past the loss (logits, the key/value cache): live through the backward
    /// pass and the optimizer step, until the next step's forward pass rebinds the output.
    var heldByOutput: [Int] = []
    var previousOutputs: [Int] = []
    /// Per node: AccumulateGrad (or autocast ToCopy) nodes of its parameter tensors, in registration order.
    var paramFns: [[Int]]
    /// Per node: its parameter tensors' element counts, in registration order.
    let paramTensors: [[Int]]
    /// Storages held until the end of the forward pass (autocast's cache of half weight copies).
    var autocastCache: [Int] = []
    /// FSDP2's units and buffers (nil without FSDP).
    var fsdp: FSDPState?
    /// Per AccumulateGrad function: the node whose parameter it accumulates.
    var accumulateNode: [Int: Int] = [:]

    let act: DType
    let paramType: DType
    /// Per node: its parameters' element type (float32 adapters on a half-precision base).
    let paramTypes: [DType]
    let onCUDA: Bool

    init(analysis: ModelAnalysis, config: TrainingConfig, batch: Int, recording: Bool = false) {
        self.analysis = analysis
        self.config = config
        self.batch = batch
        self.ledger = StorageLedger(rounding: .of(config),
                                    allocator: config.runtime == .pytorchCUDA ? CachingAllocatorModel() : nil)
        if recording { self.ledger = StorageLedger(rounding: .exact); self.ledger.recording = true }
        let n = analysis.layers.count
        storage = [Int](repeating: -1, count: n)
        gradFn = [Int](repeating: -1, count: n)
        contiguous = [Bool](repeating: true, count: n)
        layout = [Layout](repeating: .contiguous, count: n)
        paramFns = [[Int]](repeating: [], count: n)
        paramTensors = analysis.layers.map(StepSimulator.parameterTensors)
        act = config.computeType
        // Under FSDP mixed precision autograd sees the unsharded parameters in param_dtype.
        let compute = config.fsdp?.paramDType ?? config.dtype.parameters
        paramType = compute
        paramTypes = analysis.layers.map { $0.parameterType(model: compute) }
        fsdp = config.fsdp.map { FSDPState(analysis: analysis, config: $0, original: config.dtype.parameters) }
        onCUDA = config.onCUDA
    }

    // MARK: Bookkeeping

    /// Bytes of `elements` per sample for the whole (micro-)batch in `dtype`.
    func batchBytes(_ elements: Int, _ dtype: DType) -> Int { elements * batch * dtype.byteSize }
    func bytes(of layer: Int) -> Int { analysis.layers[layer].outputBytes(batch: batch, dtype: act) }

    mutating func newFn(saved: [Int], edges: [Int], plan: BackwardPlan) -> Int {
        seq += 1
        for s in saved { ledger.retain(s) }
        fns.append(GradFn(seq: seq, saved: saved.filter { $0 >= 0 }, edges: edges, plan: plan, isAccumulate: false))
        return fns.count - 1
    }

    mutating func newAccumulate(inPlace: Bool) -> Int {
        fns.append(GradFn(seq: Int.max, saved: [], edges: [], plan: .none, isAccumulate: true, accumulatesInPlace: inPlace))
        return fns.count - 1
    }

    /// The grad_fn edge for value `v`, or -1.
    func edge(_ v: Int) -> Int { gradFn[v] }
    func requiresGrad(_ v: Int) -> Bool { gradFn[v] >= 0 }

    // MARK: The step

    /// Runs the whole step and returns the ledger with its peak.
    mutating func run() -> StorageLedger {
        var params = analysis.layers.indices.flatMap { i in paramTensors[i].map { (i, $0) } }
        var types = paramTypes
        if let f = config.fsdp {
            // Each rank holds the padded shard of every parameter, in the parameters' own type.
            params = analysis.layers.indices.flatMap { i in FSDPUnits.shardElements(analysis.layers[i], worldSize: f.worldSize).map { (i, $0) } }
            types = analysis.layers.map { $0.parameterType(model: config.dtype.parameters) }
            if f.cpuOffload { params = [] }  // on the host
        }
        let trainable = params.filter { analysis.layers[$0.0].trainable }.map { ParameterTensor(elements: $0.1, type: types[$0.0]) }

        // State when the step starts: weights, buffers, optimizer state; the previous step's loss (4 bytes)
        // is still bound; gradients were set to None by zero_grad unless gradients accumulate.
        let accumulating = (config.microBatch ?? config.batch) < config.batch
        ledger.phase = .forward
        var persistent: [Int] = []
        if config.fsdp != nil {
            for (i, n) in params { persistent.append(ledger.alloc(n * types[i].byteSize, .weights)) }
        } else {
            // One storage per tensor; a quantized layer's packed weight, bias and quantization state.
            for i in analysis.layers.indices {
                for b in storedParameterBytes(i, type: types[i]) { persistent.append(ledger.alloc(b, .weights)) }
            }
        }
        for layer in analysis.layers {
            // One storage per buffer tensor, as PyTorch has them (BatchNorm: running_mean, running_var, and the
            // int64 num_batches_tracked), so that per-allocation rounding (CUDA, pages) applies to each.
            if case .rotaryTable(let t) = layer.op {
                // Created as float32 (torch.arange(...).float()) in every dtype.
                for n in t.buffers { persistent.append(ledger.alloc(n * 4, .buffers)) }
                continue
            }
            if case .positions(let lengths) = layer.op {
                for n in lengths { persistent.append(ledger.alloc(n * 8, .buffers)) }
                continue
            }
            if case .batchNorm = layer.op, layer.params.buffers > 0 {
                persistent.append(ledger.alloc(layer.params.buffers / 2 * bufferType.byteSize, .buffers))
                persistent.append(ledger.alloc(layer.params.buffers / 2 * bufferType.byteSize, .buffers))
            } else {
                persistent.append(ledger.alloc(layer.params.buffers * bufferType.byteSize, .buffers))
            }
            for _ in 0..<layer.params.counters { persistent.append(ledger.alloc(8, .buffers)) }
        }
        persistent += optimizerState(trainable)
        if accumulating {
            for t in trainable { persistent.append(ledger.alloc(t.bytes, .gradients)) }
        }
        // The native engine's loss is a Swift scalar: no previous loss tensor is bound.
        let oldLoss = config.runtime == .native ? -1 : ledger.alloc(lossType.byteSize, .activations)
        // The previous step's output object (logits, `past_key_values`) is rebound only when this forward returns.
        previousOutputs = previousStepOutputs()
        let previousLeaves = previousStepLeaves()

        if let root = fsdp?.units.root { fsdpUnshardForward(root) }
        forward(accumulating: accumulating)
        fsdpEndForward()
        for id in autocastCache { ledger.release(id) }
        autocastCache.removeAll()
        let (root, rootGrad, lossHeld) = loss(oldLoss: oldLoss)
        ledger.phase = .backward
        backward(root: root, grad: rootGrad)
        fsdpEndBackward()
        ledger.release(rootGrad)
        ledger.phase = .step
        ledger.node = analysis.layers.count - 1
        step(trainable)
        for id in fsdp?.shardedGrads ?? [] { ledger.release(id) }
        // `loss` stays bound until the next step rebinds it.
        for id in lossHeld { ledger.release(id) }
        for id in heldByOutput { ledger.release(id) }
        for id in previousLeaves { ledger.release(id) }
        return ledger
    }

    var bufferType: DType { config.dtype.isAutocast ? .float32 : config.dtype.parameters }
    /// Loss math runs in fp32 for half precision (`.float()`), else in the model's dtype.
    var lossType: DType { act.byteSize < 4 ? .float32 : act }

    /// Optimizer state allocated in the first step, present when the second starts.
    mutating func optimizerState(_ trainable: [ParameterTensor]) -> [Int] {
        var ids: [Int] = []
        for t in trainable {
            let elements = t.elements
            if config.dtype.hasMasterWeights { ids.append(ledger.alloc(elements * 4, .optimizerState)) }
            let stateType = config.optimizerStateType(parameter: t.type)
            for b in config.optimizer.stateBytes(elements: elements, stateType: stateType) { ids.append(ledger.alloc(b, .optimizerState)) }
            // `step` is a float32 scalar tensor (float64 when the default dtype is float64); on CUDA the non-fused,
            // non-capturable implementations keep it on the host.
            // The native engine counts steps in a Swift Int: no step tensor.
            if config.optimizer.hasStepTensor && !onCUDA && config.runtime != .native {
                ids.append(ledger.alloc(paramType == .float64 ? 8 : 4, .optimizerState))
            }
        }
        if !trainable.isEmpty { ids.append(ledger.alloc(config.optimizer.sharedStateBytes, .optimizerState)) }
        return ids
    }

    // MARK: Backward

    /// The autograd engine: a priority queue by sequence number, AccumulateGrad first.
    mutating func backward(root: Int, grad: Int) {
        // Dependencies: edges into each node reachable from the root.
        var stack = [root]
        var seen = Set([root])
        while let n = stack.popLast() {
            for e in fns[n].edges where e >= 0 {
                fns[e].deps += 1
                if seen.insert(e).inserted { stack.append(e) }
            }
        }
        var heap = ReadyQueue()
        ledger.retain(grad)
        fns[root].buffer = grad
        fns[root].hasBuffer = true
        heap.push(seq: fns[root].seq, fn: root)
        while let n = heap.pop() {
            let g = fns[n].buffer
            fns[n].hasBuffer = false
            if fns[n].isAccumulate {
                if fns[n].accumulatesInPlace {
                    ledger.sample("add_ (grad accumulation into .grad)")
                    ledger.release(g)
                } else {
                    // param.grad = grad.detach(): the storage is stolen, no copy.
                    ledger.relabel(g, to: .gradients)
                    ledger.sample("AccumulateGrad")
                    if fsdp != nil, let node = accumulateNode[n] { fsdpKeepGradient(g, node: node) }
                }
                continue
            }
            ledger.node = nodeOfFn[n] ?? ledger.node
            if fsdp != nil, let node = nodeOfFn[n] { fsdpBeforeBackward(node: node) }
            if fns[n].keepsGradient {
                ledger.sample("AccumulateGrad (input embeddings)")
                heldByOutput.append(g)
                fns[n].hasBuffer = false
                continue
            }
            if let s = segmentOfFn[n], !segmentRecomputed[s] { recompute(segment: s) }
            var ids: [Int] = []
            let plan = fns[n].plan
            for op in plan.ops {
                for b in op.bytes { ids.append(ledger.alloc(b, .temporary)) }
                ledger.sample(op.event)
            }
            var outs: [Int] = []
            outs.reserveCapacity(plan.outputs.count)
            for out in plan.outputs {
                switch out {
                case .none: outs.append(-2)
                case .alloc(let k): outs.append(ids[k])
                case .incoming: ledger.retain(g); outs.append(g)
                }
            }
            ledger.release(g)
            for s in fns[n].saved { ledger.release(s) }
            fns[n].saved = []
            // The function's own temporaries die when it returns, before the engine sums its outputs into the next
            // functions' input buffers (torch/csrc/autograd/engine.cpp: call_function, then InputBuffer::add).
            for k in plan.scratch { ledger.release(ids[k]) }
            for (k, target) in fns[n].edges.enumerated() {
                let o = k < outs.count ? outs[k] : -2
                if o == -2 { continue }
                if target < 0 { ledger.release(o); continue }
                if !fns[target].hasBuffer {
                    fns[target].buffer = o
                    fns[target].hasBuffer = true
                } else {
                    // InputBuffer::accumulate: `old_var + var`, a tensor of the gradient's own size (a cat input's
                    // gradient is a narrow view of the whole cat's).
                    let logical = k < fns[n].edgeBytes.count ? fns[n].edgeBytes[k] : ledger.size(o)
                    let sum = ledger.alloc(logical, .temporary)
                    ledger.sample("add (gradient accumulation)")
                    ledger.release(fns[target].buffer)
                    ledger.release(o)
                    fns[target].buffer = sum
                }
                fns[target].deps -= 1
                if fns[target].deps == 0 { heap.push(seq: fns[target].seq, fn: target) }
            }
        }
    }

    /// Which graph node created each grad_fn (for reporting the peak's node).
    var nodeOfFn: [Int: Int] = [:]
    /// Checkpointed segments: per grad_fn, its segment (or absent); per segment, its grad_fns and held inputs.
    var segmentOfFn: [Int: Int] = [:]
    var segmentFns: [[Int]] = []
    var segmentInputs: [[Int]] = []
    var segmentRecomputed: [Bool] = []
    /// Whether the forward pass is inside a checkpointed segment.
    var insideCheckpoint = false

    // MARK: Optimizer step

    mutating func step(_ trainable: [ParameterTensor]) {
        ledger.sample("optimizer.step")
        // The native engine's optimizers update each parameter in one fused pass: no scratch.
        if config.runtime == .native { return }
        // Bytes of parameter i in the dtype the step computes in.
        let sizes = trainable.map { $0.elements * config.optimizerStateType(parameter: $0.type).byteSize }
        let upcast = config.dtype.hasMasterWeights ? 1 : 0   // grad.float() per parameter for the fp32 master update
        switch config.resolvedOptimizerImpl {
        case .foreach:
            let total = sizes.reduce(0, +)
            let copies = config.optimizer.foreachScratch + upcast
            guard copies > 0 else { return }
            var ids: [Int] = []
            for _ in 0..<copies { for s in sizes { ids.append(ledger.alloc(s, .optimizerState)) } }
            ledger.sample(total > 0 ? "_foreach_sqrt" : "optimizer.step")
            for id in ids { ledger.release(id) }
        case .forLoop, .auto:
            let (current, previous) = config.optimizer.loopScratch
            guard current + upcast > 0 else { return }
            var held: [Int] = []
            for s in sizes {
                var now: [Int] = []
                for _ in 0..<(current + upcast) {
                    now.append(ledger.alloc(s, .optimizerState))
                    ledger.sample(config.optimizer == .nesterov ? "add (nesterov)" : "sqrt/div")
                }
                // The previous parameter's result is rebound only now.
                for id in held { ledger.release(id) }
                held = []
                // Keep `previous` of this parameter's scratch until the next parameter's scratch exists.
                for (k, id) in now.enumerated() {
                    if k < previous { held.append(id) } else { ledger.release(id) }
                }
            }
            for id in held { ledger.release(id) }
        }
    }
}
