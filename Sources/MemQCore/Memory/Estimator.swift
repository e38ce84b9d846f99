/// Predicts the peak memory of one training step: one estimate, a sweep over a grid, or the largest batch that
/// fits a budget.
///
/// An estimate is arithmetic over the graph's analysis (no tensors are made): the `timeline` method simulates
/// the step's allocations (`StepSimulator`), the `seed` method applies the design notes' textbook rule.
public enum Estimator {
    /// Estimates one configuration.
    /// - Throws: `EstimateError` for an invalid batch or option (a checkpointing selection that covers no block
    ///   among them), or figures beyond 64 bits.
    public static func estimate(_ analysis: ModelAnalysis, _ config: TrainingConfig,
                                method: Estimate.Method = .timeline) throws(EstimateError) -> Estimate {
        try validate(analysis, config)
        switch method {
        case .seed: return seed(analysis, config)
        case .timeline: return timeline(analysis, config)
        }
    }

    /// The largest batch whose peak stays within `budget * (1 - margin)`.
    public struct Fit: Sendable, Hashable {
        public var maxBatch: Int
        /// The estimate at `maxBatch`.
        public var atMax: Estimate
        /// The estimate at `maxBatch + 1` (which does not fit).
        public var next: Estimate
        public var budgetBytes: Int
        public var margin: Double
        /// Bytes the peak may use: the budget less the margin.
        public var usableBytes: Int
    }

    /// Finds the largest batch that fits. Peaks never decrease with the batch, so an exponential search then a
    /// bisection needs about 2 log2(batch) estimates.
    /// - Parameters:
    ///   - budget: bytes available; `margin` is kept free (a fraction, 0.05 for 5%).
    ///   - limit: the largest batch considered.
    public static func fit(_ analysis: ModelAnalysis, _ config: TrainingConfig, budget: Int, margin: Double = 0,
                           method: Estimate.Method = .timeline, limit: Int = 1 << 24) throws(EstimateError) -> Fit {
        guard budget > 0 else { throw .invalidOption(field: "budget", message: "must be a positive number of bytes, got \(budget)") }
        guard margin >= 0, margin < 1 else {
            throw .invalidOption(field: "margin", message: "must be a fraction in [0, 1) such as 0.05 (5%), got \(margin)")
        }
        let usable = Int(Double(budget) * (1 - margin))
        var c = config
        func peak(_ b: Int) throws(EstimateError) -> Estimate {
            c.batch = b
            if let m = config.microBatch { c.microBatch = min(m, b) }
            return try estimate(analysis, c, method: method)
        }
        let one = try peak(1)
        if one.peakBytes > usable {
            // What every batch needs by the end of the step: weights, buffers, all gradients, optimizer state.
            let gradients = gradientBytes(analysis, config)
            let state = persistentOptimizerState(analysis, config)
            let fixed = one.breakdown.weights + one.breakdown.buffers + gradients + state + one.breakdown.runtimeOverhead
            if fixed > usable {
                throw .budgetBelowFixedMemory(
                    budget: usable, fixed: fixed,
                    detail: "weights \(ByteFormat.binary(one.breakdown.weights)), gradients \(ByteFormat.binary(gradients)), optimizer state \(ByteFormat.binary(state)), buffers and runtime \(ByteFormat.binary(one.breakdown.buffers + one.breakdown.runtimeOverhead))")
            }
            throw .budgetBelowBatchOne(budget: usable, batchOnePeak: one.peakBytes)
        }
        var lo = 1, loEstimate = one
        var hi = 2
        var hiEstimate: Estimate? = nil
        while hi <= limit {
            let e = try peak(hi)
            if e.peakBytes > usable { hiEstimate = e; break }
            lo = hi; loEstimate = e
            hi *= 2
        }
        guard var high = hiEstimate else {
            throw .invalidOption(field: "budget", message: "every batch up to \(limit) fits; the budget is not a constraint")
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            let e = try peak(mid)
            if e.peakBytes > usable { hi = mid; high = e } else { lo = mid; loEstimate = e }
        }
        return Fit(maxBatch: lo, atMax: loEstimate, next: high, budgetBytes: budget, margin: margin, usableBytes: usable)
    }

    // MARK: Validation

    static func validate(_ analysis: ModelAnalysis, _ config: TrainingConfig) throws(EstimateError) {
        try WorkBudget.check()   // every estimate, sweep row, fit probe and plan row starts here
        guard config.batch >= 1 else {
            throw .invalidOption(field: "batch", message: "must be a positive integer, got \(config.batch)")
        }
        if let m = config.microBatch {
            guard m >= 1, m <= config.batch else {
                throw .invalidOption(field: "micro-batch", message: "must be between 1 and the batch (\(config.batch)), got \(m)")
            }
        }
        guard config.dataParallel >= 1 else {
            throw .invalidOption(field: "data-parallel", message: "must be at least 1 device, got \(config.dataParallel)")
        }
        guard (0...3).contains(config.zeroStage) else {
            throw .invalidOption(field: "zero", message: "ZeRO stage must be 0, 1, 2 or 3, got \(config.zeroStage)")
        }
        if config.zeroStage > 0 && config.dataParallel < 2 {
            throw .invalidOption(field: "zero", message: "ZeRO shards state over data-parallel devices; give --data-parallel N with N >= 2")
        }
        if config.runtime == .native && config.optimizer.isBitsAndBytes {
            throw .invalidOption(field: "optimizer", message: "the native engine has no bitsandbytes optimizer ('\(config.optimizer.rawValue)'); use the pytorch or pytorch-cuda runtime")
        }
        if let f = config.fsdp {
            guard f.worldSize >= 1 else {
                throw .invalidOption(field: "fsdp", message: "FSDP shards over at least 1 device, got \(f.worldSize)")
            }
            if config.dataParallel > 1 || config.zeroStage > 0 {
                throw .invalidOption(field: "fsdp", message: "FSDP already shards over its devices; give --fsdp N or --data-parallel N [--zero K], not both")
            }
            if (config.microBatch ?? config.batch) < config.batch {
                throw .invalidOption(field: "fsdp", message: "gradient accumulation under FSDP (unsharded gradients kept between micro-batches) is not modelled; drop --micro-batch")
            }
            if analysis.layers.contains(where: { if case .linear(let l) = $0.op { l.quantization != nil } else { false } }) {
                throw .invalidOption(field: "fsdp", message: "FSDP over a quantized base is not modelled")
            }
            if analysis.layers.contains(where: { if case .linear(let l) = $0.op { l.quantization != nil } else { false } }) {
                throw .invalidOption(field: "fsdp", message: "FSDP over a quantized base is not modelled")
            }
            if config.runtime == .native {
                throw .invalidOption(field: "fsdp", message: "the native engine runs on one device; FSDP needs the pytorch or pytorch-cuda runtime")
            }
        }
        if config.runtime == .pytorchCUDA && config.gpu == nil {
            throw .invalidOption(field: "runtime", message: "pytorch-cuda needs a GPU profile (--gpu); valid: \(GPUProfile.validNames)")
        }
        if case .everyKthBlock(let k) = config.checkpoint, k < 1 {
            throw .invalidOption(field: "checkpoint", message: "every k-th block needs k >= 1, got \(k)")
        }
        _ = try config.checkpoint.segments(in: analysis)
        // Everything the step allocates is at most a few times the outputs of all layers per sample: keep the
        // largest figure comfortably inside 64 bits.
        let (scaled, overflow) = analysis.elementsPerSample.multipliedReportingOverflow(by: config.batch)
        if overflow || scaled > (Int.max / 64) {
            throw .overflow(field: "batch", message: "batch \(config.batch) makes memory figures exceed 64 bits; use a realistic batch")
        }
    }

    // MARK: Timeline

    static func timeline(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> Estimate {
        let micro = config.microBatch ?? config.batch
        let program = TimelineProgram.cached(analysis: analysis, config: config, accumulating: micro < config.batch)
        let peakLive: [Int], peakEvent: (node: Int, phase: Estimate.Phase, event: String), peakReserved: Int
        if micro == 1 && analysis.foldsDifferentlyAtBatchOne {
            var c = config
            c.batch = micro < config.batch ? config.batch : 1
            var sim = StepSimulator(analysis: analysis, config: c, batch: 1)
            let ledger = sim.run()
            peakLive = ledger.peakLive; peakEvent = ledger.peakEvent; peakReserved = ledger.peakReserved
        } else if config.onCUDA || config.runtime == .native {
            // Per-allocation rounding (CUDA's 512 bytes; the native engine maps whole 4 KiB pages, whole 2 MiB huge
            // pages from 2 MiB on) and the allocator model: replay the events.
            let ledger = program.run(batch: micro, rounding: .of(config),
                                     allocator: config.runtime == .pytorchCUDA ? CachingAllocatorModel() : nil)
            peakLive = ledger.peakLive; peakEvent = ledger.peakEvent; peakReserved = ledger.peakReserved
        } else {
            let p = program.linearPeak(batch: micro)
            peakLive = p.live; peakEvent = (p.node, p.phase, p.event); peakReserved = 0
        }
        var breakdown = Estimate.Breakdown()
        for c in MemoryCategory.allCases { breakdown[c] = peakLive[c.rawValue] }
        let scratch = max(0, peakEvent.phase == .step ? breakdown.optimizerState - persistentOptimizerState(analysis, config) : 0)
        applyDataParallel(&breakdown, analysis, config)
        var reserved: Int? = nil
        if config.runtime == .pytorchCUDA, let gpu = config.gpu {
            let segments = peakReserved + gpu.cublasWorkspaceBytes + gpu.cudnnWorkspaceBytes
            reserved = segments
            breakdown.runtimeOverhead = max(0, segments - breakdown.total) + gpu.contextBytes
        }
        let node = analysis.layers[min(peakEvent.node, analysis.layers.count - 1)].name
        return Estimate(peakBytes: breakdown.total,
                        peakAt: .init(node: node, phase: peakEvent.phase, event: peakEvent.event),
                        breakdown: breakdown, optimizerScratch: scratch, reservedBytes: reserved, method: .timeline,
                        config: config, params: analysis.params, macs: analysis.macs * config.batch)
    }

    /// Optimizer state that persists between steps.
    static func persistentOptimizerState(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> Int {
        if config.fsdp?.cpuOffload == true { return 0 }
        var total = analysis.params.trainable > 0 ? config.optimizer.sharedStateBytes : 0
        for layer in analysis.layers where layer.trainable {
            let stateType = config.optimizerStateType(parameter: layer.parameterType(model: config.dtype.parameters))
            let tensors = config.fsdp.map { FSDPUnits.shardElements(layer, worldSize: $0.worldSize) } ?? StepSimulator.parameterTensors(layer)
            for elements in tensors {
                if config.dtype.hasMasterWeights { total += elements * 4 }
                total += config.optimizer.stateBytes(elements: elements, stateType: stateType).reduce(0, +)
                if config.optimizer.hasStepTensor && !config.onCUDA { total += config.dtype.parameters == .float64 ? 8 : 4 }
            }
        }
        return total
    }

    /// Bytes of all trainable parameters' gradients (each in its parameter's type).
    static func gradientBytes(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> Int {
        analysis.layers.reduce(0) { total, layer in
            guard layer.trainable else { return total }
            let elements = config.fsdp.map { FSDPUnits.shardElements(layer, worldSize: $0.worldSize).reduce(0, +) } ?? layer.params.trainable
            return total + elements * layer.parameterType(model: config.dtype.parameters).byteSize
        }
    }

    /// Per-device figures under data parallelism: DDP's gradient buckets (a second copy of the gradients),
    /// ZeRO stage 1 shards optimizer state, stage 2 also gradients, stage 3 also weights (plus the largest
    /// layer's parameters gathered at a time).
    static func applyDataParallel(_ b: inout Estimate.Breakdown, _ analysis: ModelAnalysis, _ config: TrainingConfig) {
        let n = config.dataParallel
        guard n > 1 else { return }
        let gradBytes = gradientBytes(analysis, config)
        switch config.zeroStage {
        case 0:
            b.gradients += gradBytes
        default:
            b.optimizerState = b.optimizerState / n
            if config.zeroStage >= 2 { b.gradients = b.gradients / n }
            if config.zeroStage >= 3 {
                let largest = analysis.layers.map { $0.params.total }.max() ?? 0
                b.weights = b.weights / n + largest * config.dtype.parameters.byteSize
            }
        }
    }

    // MARK: Seed

    /// The design notes' rule: weights, every layer's output twice (forward, and again for backward),
    /// gradients equal to the weights, and the optimizer's copies.
    static func seed(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> Estimate {
        let p = config.dtype.parameters.byteSize
        var b = Estimate.Breakdown()
        let params = analysis.params
        b.weights = params.total * p
        b.buffers = params.buffers * p + params.counters * 8
        b.gradients = params.trainable * p
        b.optimizerState = config.optimizer.stateCopies * params.trainable * config.dtype.optimizerState.byteSize
            + (config.dtype.hasMasterWeights ? params.trainable * 4 : 0)
        var outputs = 0
        for layer in analysis.layers {
            if case .input = layer.op { b.input += layer.outputElements * config.batch * (layer.outputDType ?? config.dtype.activations).byteSize; continue }
            outputs += layer.outputElements * config.batch * (layer.outputDType ?? config.dtype.activations).byteSize
        }
        b.activations = outputs
        b.temporary = outputs
        return Estimate(peakBytes: b.total, peakAt: .init(node: analysis.layers.last?.name ?? "", phase: .backward, event: "seed rule"),
                        breakdown: b, optimizerScratch: 0, reservedBytes: nil, method: .seed, config: config,
                        params: params, macs: analysis.macs * config.batch)
    }
}

extension Estimator {
    /// One piece of the peak against batch: for `from...to`, peak = `fixedBytes + perSampleBytes * batch`.
    public struct CurveSegment: Sendable, Hashable {
        public var from: Int, to: Int
        public var fixedBytes: Int, perSampleBytes: Int
        public func peak(_ batch: Int) -> Int { fixedBytes + perSampleBytes * batch }
    }

    /// The peak against batch over `1...maxBatch` as linear pieces with their breakpoints (where the moment of the
    /// peak moves to another op), so any batch can be evaluated without asking again. Exact for the CPU `pytorch`
    /// runtime; on a GPU each of the at most `allocations` live storages rounds up by less than 512 bytes, which
    /// `roundingAllowance` bounds.
    /// - Throws: for `pytorch-cuda` (the allocator's segments are not linear in the batch: ask `plan`), the native
    ///   runtime, gradient accumulation, or a batch range below 1.
    public static func curve(_ analysis: ModelAnalysis, _ config: TrainingConfig, maxBatch: Int) throws(EstimateError)
        -> (segments: [CurveSegment], roundingAllowance: Int) {
        guard maxBatch >= 1 else { throw .invalidOption(field: "max-batch", message: "must be at least 1, got \(maxBatch)") }
        guard config.runtime == .pytorch else {
            throw .invalidOption(field: "runtime", message: "a curve is linear for tensor bytes (runtime pytorch); the pytorch-cuda profile's segments are not: use plan or fit per GPU")
        }
        guard config.microBatch == nil, config.dataParallel == 1 else {
            throw .invalidOption(field: "micro-batch", message: "curve takes the batch per pass: drop micro-batch and data-parallel (use accumulate)")
        }
        var c = config
        c.batch = 1
        try validate(analysis, c)
        let program = TimelineProgram.cached(analysis: analysis, config: c, accumulating: false)
        var segments: [CurveSegment] = []
        var start = 1
        if analysis.foldsDifferentlyAtBatchOne {
            // Batch 1 folds some reshapes into views: its step is simulated on its own.
            segments.append(CurveSegment(from: 1, to: 1, fixedBytes: try estimate(analysis, c).peakBytes, perSampleBytes: 0))
            start = 2
        }
        if start <= maxBatch {
            for p in program.envelope(from: start, to: maxBatch) {
                segments.append(CurveSegment(from: p.from, to: p.to, fixedBytes: p.fixed, perSampleBytes: p.perSample))
            }
        }
        var allowance = 0
        if config.onCUDA {
            // The most storages live at once, each rounded up by at most 511 bytes.
            var sim = StepSimulator(analysis: analysis, config: c, batch: 1, recording: true)
            _ = sim.run()
            allowance = sim.ledger.maxLiveStorages * 511
        }
        return (segments, allowance)
    }
}
