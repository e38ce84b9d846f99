import Foundation
import MemQCore
import MemQReport
import MemQWire
import MemQStore
import MemQZoo
import Synchronization

/// The commands themselves: a request body in, a result out. The CLI runs them in-process; memqd's workers run the
/// very same code, so `memq --server` prints what the embedded CLI prints.
package struct MemQService: Sendable {
    /// Whether `model` may name a file (the CLI: yes; the daemon: no, it takes zoo names and inline specs).
    package let allowFiles: Bool
    /// Measured peaks and OOMs (`observe`), which widen later answers' margins; nil keeps none.
    package let observations: ObservationStore?

    package init(allowFiles: Bool, observations: ObservationStore? = nil) {
        self.allowFiles = allowFiles
        self.observations = observations
    }

    /// Runs a fast command and returns its result as JSON.
    package func handle(_ command: WireCommand, body: JSONValue) throws(WireError) -> JSONValue {
        switch command {
        case .estimate: return try json(estimate(body))
        case .sweep: return try json(sweep(body))
        case .fit: return try json(fit(body))
        case .summary: return try json(summary(body))
        case .models: return try json(models(body))
        case .report: return .object(["html": .string(try report(body).html())])
        case .plan: return try json(plan(body))
        case .batch: return try batch(body)
        case .resources: return try json(resources(body))
        case .curve: return try json(curve(body))
        case .accumulate: return try json(accumulate(body))
        case .shard: return try json(shard(body))
        case .colocate: return try json(colocate(body))
        case .explain: return try json(explain(body))
        case .observe: return try json(observe(body))
        case .latency: return try json(latency(body))
        default: throw .notImplemented(command.rawValue)
        }
    }

    /// Whether `command` is known to answer in microseconds: an estimate of a zoo model (named by a string) at its
    /// default input, already analysed by an earlier request, on the CPU `pytorch` runtime (a scan of the recorded
    /// step; a new optimizer or dtype records its step once: up to about 7 ms for the largest zoo entry). Not: the
    /// first request for a model (building and analysing it takes up to about 9 ms), another input, sequence length
    /// or frozen layers, inline specs, a `gpu` or another `runtime` (the step is replayed per request through CUDA's
    /// rounding or the allocator model), `models` (builds every zoo entry), summaries (a row per layer), sweeps and
    /// fits.
    package func answersQuickly(_ command: WireCommand, body: JSONValue) -> Bool {
        guard command == .estimate, case .string(let name)? = body["model"], body["gpu"] == nil else { return false }
        switch body["runtime"] {
        case nil, .null?, .string("pytorch")?: break
        default: return false
        }
        for key in ["input", "freeze"] + RequestReader.spellings("seq-len") where body[key] != nil { return false }
        return Self.analyses.withLock { $0[Self.analysisKey(.text(name), input: nil, freeze: [])] != nil }
    }

    private func json<T: Encodable>(_ value: T) throws(WireError) -> JSONValue {
        ResultJSON.value(value)
    }

    // MARK: Commands

    package func estimate(_ body: JSONValue) throws(WireError) -> EstimateResult {
        var r = try RequestReader(body)
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "estimate")
        let analysis = try analyze(request)
        let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, request.config, method: request.method) }
        return EstimateResult(e, model: analysis.graph.name, inputShape: analysis.inputShape.dims,
                              assumptions: Self.assumptions(analysis, request.config))
    }

    /// The builder's notes, as the training options leave them: checkpointed layers run without the cache.
    static func assumptions(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> [String] {
        guard config.checkpoint != .none else { return analysis.graph.notes }
        return analysis.graph.notes.map {
            $0.hasPrefix("use_cache:") ? "use_cache: checkpointed layers run with cache=None (transformers' GradientCheckpointingLayer): no key/value copies there" : $0
        }
    }

    /// The simulated step op by op (the estimate's timeline at the request's batch, exact sizes).
    package func trace(_ body: JSONValue) throws(WireError) -> [StepSample] {
        var r = try RequestReader(body)
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "estimate")
        return Estimator.trace(try analyze(request), request.config)
    }

    package func sweep(_ body: JSONValue) throws(WireError) -> SweepResult {
        var r = try RequestReader(body)
        let batches = try Self.batchList(r.stringList("batch") ?? ["1"])
        let dtypes = try (r.stringList("dtype") ?? ["fp32"]).map { (d: String) throws(WireError) in try TrainingRequest.parseDType(d) }
        let optimizers = try (r.stringList("optimizer") ?? ["sgd"]).map { (o: String) throws(WireError) in try TrainingRequest.parseOptimizer(o) }
        let speed = try Self.speedOptions(&r, command: "sweep")
        var request = try TrainingRequest.read(&r, readBatch: false)
        try r.finish(command: "sweep")
        let roofline = try speed.map { (o: LatencyOptions) throws(WireError) in try o.roofline(gpu: request.config.gpu) }
        guard batches.count * dtypes.count * optimizers.count <= 10_000 else {
            throw .invalidField("batch", "the grid has \(batches.count * dtypes.count * optimizers.count) points; at most 10000")
        }
        var rows: [EstimateResult] = []
        for dtype in dtypes {
            // The graph depends on the dtype for Hugging Face configs (the SDPA kernel) and LoRA (the adapters' casts).
            request.config.dtype = dtype
            request.model.hf.dtype = request.config.computeType
            let analysis = try analyze(request)
            let notes = Self.assumptions(analysis, request.config)
            for optimizer in optimizers {
                for batch in batches {
                    request.config.dtype = dtype
                    request.config.optimizer = optimizer
                    request.config.batch = batch
                    if let m = request.config.microBatch { request.config.microBatch = min(m, batch) }
                    let config = request.config, method = request.method
                    let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, config, method: method) }
                    var row = EstimateResult(e, model: analysis.graph.name, inputShape: analysis.inputShape.dims, assumptions: notes)
                    row.speed = Self.speed(analysis, config, roofline: roofline)
                    rows.append(row)
                }
            }
        }
        return SweepResult(rows: rows)
    }

    package func fit(_ body: JSONValue) throws(WireError) -> FitResult {
        var r = try RequestReader(body)
        var budget: Int? = nil
        if let v = r.raw("budget") {
            switch v {
            case .int(let i): budget = i
            case .string(let s):
                do { budget = try ByteCount(parsing: s).bytes } catch {
                    throw .invalidField("budget", "budget: \(error)")
                }
            default: throw .invalidField("budget", "budget must be bytes or a size like \"24GiB\", got \(v.typeName)")
            }
        }
        var margin = 0.0
        if let v = r.raw("margin") {
            switch v {
            case .double(let d): margin = d
            case .int(let i): margin = Double(i)
            case .string(let s):
                guard let f = Fraction.parse(s) else {
                    throw .invalidField("margin", "margin must be a fraction (0.05) or a percentage (\"5%\"), got '\(s)'")
                }
                margin = f
            default: throw .invalidField("margin", "margin must be a fraction (0.05) or a percentage (\"5%\"), got \(v.typeName)")
            }
        }
        let speed = try Self.speedOptions(&r, command: "fit")
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "fit")
        let roofline = try speed.map { (o: LatencyOptions) throws(WireError) in try o.roofline(gpu: request.config.gpu) }
        guard let bytes = budget ?? request.config.gpu?.memoryBytes else {
            throw WireError(status: .badRequest, code: "missing_field", message: "fit needs a budget: give 'budget' (e.g. \"24GiB\") or 'gpu' (e.g. a100-40gb)", field: "budget")
        }
        let analysis = try analyze(request)
        let f = try run { () throws(EstimateError) in
            try Estimator.fit(analysis, request.config, budget: bytes, margin: margin, method: request.method)
        }
        var result = FitResult(f, model: analysis.graph.name, inputShape: analysis.inputShape.dims)
        result.atMax.speed = Self.speed(analysis, f.atMax.config, roofline: roofline)
        result.next.speed = Self.speed(analysis, f.next.config, roofline: roofline)
        return result
    }

    /// `speed: true` and its latency keys; the keys without `speed` are an error (they would change nothing).
    static func speedOptions(_ r: inout RequestReader, command: String) throws(WireError) -> LatencyOptions? {
        let wanted = try r.bool("speed") ?? false
        let options = try LatencyOptions.read(&r)
        if !wanted && !options.isEmpty {
            throw .invalidField("speed", "\(command): device, efficiency and tf32 options need 'speed': true (the step time columns)")
        }
        return wanted ? options : nil
    }

    package func summary(_ body: JSONValue) throws(WireError) -> SummaryResult {
        var r = try RequestReader(body)
        let model = try TrainingRequest.readModel(&r)
        let batch = try r.int("batch") ?? 1
        var dtype = DType.float32
        if let d = try r.string("dtype") {
            guard let parsed = DType(name: d), parsed.isFloatingPoint else {
                throw .invalidField("dtype", "unknown dtype '\(d)'; valid: fp32, fp16, bf16, fp64")
            }
            dtype = parsed
        }
        var memory = false
        if let v = r.raw("memory") {
            guard case .bool(let b) = v else { throw .invalidField("memory", "'memory' must be true or false, got \(v.typeName)") }
            memory = b
        }
        let optimizer = try r.string("optimizer").map { (o: String) throws(WireError) in try TrainingRequest.parseOptimizer(o) }
        try r.finish(command: "summary")
        let analysis = try analyze(TrainingRequest(model: model, config: TrainingConfig(batch: max(batch, 1)), method: .timeline, freeze: []))
        var result: SummaryResult
        do {
            result = try SummaryResult(analysis, batch: batch, dtype: dtype)
        } catch {
            throw .invalidField("batch", error.description)
        }
        if memory {
            let policy: DTypePolicy = switch dtype {
            case .float16: .fp16
            case .bfloat16: .bf16
            case .float64: .fp64
            default: .fp32
            }
            let config = TrainingConfig(batch: batch, dtype: policy, optimizer: optimizer ?? .sgd)
            let saved = try run { () throws(EstimateError) in try Estimator.savedActivations(analysis, config) }
            for i in result.layers.indices where i < saved.count { result.layers[i].savedBytes = saved[i] }
        }
        return result
    }

    package func models(_ body: JSONValue) throws(WireError) -> ModelsResult {
        var r = try RequestReader(body)
        let family = try r.string("family")
        try r.finish(command: "models")
        do {
            return try ModelsResult(family: family)
        } catch {
            throw WireError(status: .notFound, code: "unknown_family", message: "\(error)", field: "family")
        }
    }

    // MARK: Models and errors

    /// Parsed and analysed models, kept so repeated queries reuse the analysis (and its recorded timelines).
    private static let analyses = Mutex<[String: ModelAnalysis]>([:])

    /// The cache key of a model reference at an input (nil: its default) with frozen layer prefixes.
    private static func analysisKey(_ reference: ModelSource.Reference, input: TensorShape?, freeze: [String]) -> String {
        let key: String
        switch reference {
        case .text(let t): key = "t:" + t
        case .spec(let s): key = "s:" + String(decoding: s.serialized(), as: UTF8.self)
        case .hfConfig(let s): key = "h:" + String(decoding: s.serialized(), as: UTF8.self)
        }
        return key + "|" + (input?.description ?? "") + "|" + freeze.joined(separator: ",")
    }

    /// Whether a zoo name is one of the transformers (built from a Hugging Face config, so its graph depends on the
    /// attention options). Names whose first letter (case-folded) starts no transformer entry skip the lookup.
    static func mayBeTransformer(_ name: String) -> Bool {
        guard let first = name.utf8.first, transformerInitials.contains(first | 0x20) else { return false }
        return Zoo.entry(named: name)?.hfConfig != nil
    }

    private static let transformerInitials = Set(Zoo.entries.filter { $0.hfConfig != nil }.compactMap { $0.name.utf8.first.map { $0 | 0x20 } })

    package func analyze(_ request: TrainingRequest) throws(WireError) -> ModelAnalysis {
        var fullKey = Self.analysisKey(request.model.reference, input: request.model.input, freeze: request.freeze)
        // A Hugging Face config's graph depends on the attention path (and so on device and dtype); zoo names do not.
        switch request.model.reference {
        case .hfConfig: fullKey += "|\(request.model.hf)"
        case .text(let t) where t.contains("/") || t.hasSuffix(".json") || t.hasPrefix("{") || Self.mayBeTransformer(t):
            fullKey += "|\(request.model.hf)"
        default: break
        }
        // Adapters' types follow the precision policy (float32 adapters on a half-precision base).
        if let lora = request.lora { fullKey += "|lora:\(lora)|\(request.config.dtype.rawValue)" }
        if let q = request.quantization { fullKey += "|q:\(q.description)" }
        if let hit = Self.analyses.withLock({ $0[fullKey] }) { return hit }
        var analysis: ModelAnalysis
        do {
            analysis = try request.model.analysis(allowFiles: allowFiles)
            if !request.freeze.isEmpty {
                let graph = analysis.graph
                analysis = try ModelAnalysis(try run { () throws(EstimateError) in try graph.freezing(prefixes: request.freeze) })
            }
            if let q = request.quantization {
                let base = analysis
                analysis = try ModelAnalysis(try run { () throws(EstimateError) in try base.quantizingBase(q) })
            }
            if let lora = request.lora {
                let base = analysis
                analysis = try ModelAnalysis(try run { () throws(EstimateError) in try base.applyingLoRA(lora, dtype: request.config.dtype) })
            }
        } catch let error as WireError {
            throw error
        } catch let failure as ModelSource.Failure {
            throw Self.wireError(failure)
        } catch let e as ModelError {
            throw .invalidField("model", e.description)
        } catch {
            throw .invalidField("model", "\(error)")
        }
        let value = analysis
        Self.analyses.withLock { table in
            if table.count >= 256 { table.removeAll() }
            table[fullKey] = value
        }
        return analysis
    }

    static func wireError(_ failure: ModelSource.Failure) -> WireError {
        switch failure {
        case .unknownModel, .fileNotFound:
            WireError(status: .notFound, code: "unknown_model", message: failure.description, field: "model")
        case .invalidInputShape:
            .invalidField("input", failure.description)
        default:
            .invalidField("model", failure.description)
        }
    }

    func run<T>(_ body: () throws(EstimateError) -> T) throws(WireError) -> T {
        do {
            return try body()
        } catch {
            if case .timedOut = error {
                throw WireError(status: .timeout, code: "timeout", message: error.description, field: error.field)
            }
            throw WireError(status: .badRequest, code: "invalid_request", message: error.description, field: error.field)
        }
    }

    /// `1,2,4..512`: numbers, and `a..b` ranges that double from a up to b.
    static func batchList(_ items: [String]) throws(WireError) -> [Int] {
        var out: [Int] = []
        for item in items {
            if let range = item.range(of: "..") {
                guard let a = Int(item[..<range.lowerBound]), let b = Int(item[range.upperBound...]), a >= 1, b >= a else {
                    throw .invalidField("batch", "invalid batch range '\(item)'; write a..b with 1 <= a <= b, e.g. 4..512 (doubling)")
                }
                var x = a
                while x <= b { if out.last != x { out.append(x) }; x *= 2 }
            } else {
                guard let n = Int(item), n >= 1 else { throw .invalidField("batch", "invalid batch '\(item)'; batches are positive integers") }
                out.append(n)
            }
        }
        guard !out.isEmpty else { throw .invalidField("batch", "no batch sizes given") }
        return out
    }
}
