import Foundation
import MemQCore
import MemQReport
import MemQWire
import MemQZoo

/// The options every memory query shares (`estimate`, `sweep`, `fit`), read from a body or built by the CLI.
package struct TrainingRequest: Sendable {
    package var model: ModelSource
    package var config: TrainingConfig
    package var method: Estimate.Method
    /// Name prefixes of frozen layers.
    package var freeze: [String]
    /// LoRA adapters on a frozen base (`lora`: `r=16,alpha=32,...` or peft's adapter_config.json object).
    package var lora: LoRA? = nil
    /// A quantized base (`quantize-base`, `compute-dtype`, `double-quant`): QLoRA.
    package var quantization: Quantization? = nil

    /// Reads the model and training options; `batch` is optional for `fit`.
    /// Reads the model and training options; `readBatch` false when the command reads `batch` itself (sweep).
    package static func read(_ r: inout RequestReader, readBatch: Bool = true) throws(WireError) -> TrainingRequest {
        let model = try readModel(&r)
        var config = TrainingConfig(batch: 1)
        if readBatch, let b = try r.int("batch") {
            guard b >= 1 else { throw .invalidField("batch", "batch must be a positive integer, got \(b)") }
            config.batch = b
        }
        if readBatch, let d = try r.string("dtype") { config.dtype = try parseDType(d) }
        if readBatch, let o = try r.string("optimizer") { config.optimizer = try parseOptimizer(o) }
        if let g = try r.string("gpu") { config.gpu = try parseGPU(g) }
        if let rt = try r.string("runtime") {
            guard let kind = RuntimeKind(rawValue: rt.lowercased()) else {
                throw .invalidField("runtime", "unknown runtime '\(rt)'; valid: \(RuntimeKind.validNames)")
            }
            config.runtime = kind
        }
        var method = Estimate.Method.timeline
        if let m = try r.string("method") {
            guard let parsed = Estimate.Method(rawValue: m.lowercased()) else {
                throw .invalidField("method", "unknown method '\(m)'; valid: timeline, seed")
            }
            method = parsed
        }
        if let c = try r.string("checkpoint") { config.checkpoint = try parseCheckpoint(c) }
        if let m = try r.int("micro-batch") {
            guard m >= 1 else { throw .invalidField("micro-batch", "micro-batch must be a positive integer, got \(m)") }
            config.microBatch = m
        }
        if let n = try r.int("data-parallel") {
            guard n >= 1 else { throw .invalidField("data-parallel", "data-parallel must be at least 1 device, got \(n)") }
            config.dataParallel = n
        }
        if let z = try r.int("zero") {
            guard (0...3).contains(z) else { throw .invalidField("zero", "ZeRO stage must be 0, 1, 2 or 3, got \(z)") }
            config.zeroStage = z
        }
        config.fsdp = try readFSDP(&r)
        if let impl = try r.string("optimizer-impl") {
            guard let parsed = OptimizerImpl(rawValue: impl.lowercased()) else {
                throw .invalidField("optimizer-impl", "unknown optimizer implementation '\(impl)'; valid: auto, foreach, for-loop")
            }
            config.optimizerImpl = parsed
        }
        let freeze = try r.stringList("freeze") ?? []
        var request = TrainingRequest(model: model, config: config, method: method, freeze: freeze)
        request.lora = try readLoRA(&r)
        request.quantization = try readQuantization(&r)
        if request.quantization != nil && request.lora == nil {
            throw .invalidField("quantize-base", "a quantized base trains only through adapters (QLoRA): add 'lora', e.g. r=16,alpha=32,targets=q_proj,v_proj")
        }
        try request.readAttention(&r)
        return request
    }

    /// `fsdp` (devices), `reshard-after-forward`, `fsdp-param-dtype`, `fsdp-reduce-dtype`, `fsdp-cpu-offload`.
    static func readFSDP(_ r: inout RequestReader) throws(WireError) -> FSDP? {
        let n = try r.int("fsdp")
        let raf = try r.bool("reshard-after-forward")
        let param = try r.string("fsdp-param-dtype"), reduce = try r.string("fsdp-reduce-dtype")
        let offload = try r.bool("fsdp-cpu-offload")
        guard let n else {
            if raf != nil || param != nil || reduce != nil || offload != nil {
                throw .invalidField("fsdp", "the FSDP options (reshard-after-forward, fsdp-param-dtype, fsdp-reduce-dtype, fsdp-cpu-offload) need 'fsdp': the number of devices")
            }
            return nil
        }
        guard n >= 1 else { throw .invalidField("fsdp", "fsdp must be at least 1 device, got \(n)") }
        func dtype(_ text: String?, _ field: String) throws(WireError) -> DType? {
            guard let text else { return nil }
            switch text.lowercased() {
            case "bf16", "bfloat16": return .bfloat16
            case "fp16", "float16", "half": return .float16
            case "fp32", "float32": return .float32
            default: throw .invalidField(field, "unknown dtype '\(text)'; valid: bf16, fp16, fp32")
            }
        }
        return FSDP(worldSize: n, reshardAfterForward: raf ?? true, paramDType: try dtype(param, "fsdp-param-dtype"),
                    reduceDType: try dtype(reduce, "fsdp-reduce-dtype"), cpuOffload: offload ?? false)
    }

    /// `quantize-base` (nf4, fp4, int8), `compute-dtype` (bnb_4bit_compute_dtype; transformers' default fp32),
    /// `double-quant` (bnb_4bit_use_double_quant; default false).
    static func readQuantization(_ r: inout RequestReader) throws(WireError) -> Quantization? {
        let kind = try r.string("quantize-base"), compute = try r.string("compute-dtype"), dq = try r.bool("double-quant")
        guard let kind else {
            if compute != nil || dq != nil {
                throw .invalidField("quantize-base", "'compute-dtype' and 'double-quant' need 'quantize-base' (nf4, fp4, int8)")
            }
            return nil
        }
        guard let k = Quantization.Kind(rawValue: kind.lowercased()) else {
            throw .invalidField("quantize-base", "unknown quantization '\(kind)'; valid: \(Quantization.Kind.validNames)")
        }
        var type = DType.float32
        if let compute {
            switch compute.lowercased() {
            case "bf16", "bfloat16": type = .bfloat16
            case "fp16", "float16", "half": type = .float16
            case "fp32", "float32": type = .float32
            default: throw .invalidField("compute-dtype", "unknown compute dtype '\(compute)'; valid: bf16, fp16, fp32")
            }
        }
        return Quantization(k, computeDType: type, doubleQuant: dq ?? false)
    }

    /// `lora`: a string of `key=value` pairs or an object in peft's `adapter_config.json` keys.
    static func readLoRA(_ r: inout RequestReader) throws(WireError) -> LoRA? {
        guard let v = r.raw("lora"), v != .null else { return nil }
        do {
            if case .string(let s) = v { return try LoRA(parsing: s) }
            return try LoRA(peftConfig: v)
        } catch {
            throw .invalidField("lora", error.description)
        }
    }

    /// `attention` (auto, eager, sdpa) and `attention-kernel` for Hugging Face configs; the SDPA dispatcher sees
    /// the device and compute dtype of `config`.
    package mutating func readAttention(_ r: inout RequestReader) throws(WireError) {
        if let a = try r.string("attention") {
            guard let parsed = HFBuildOptions.Implementation(rawValue: a.lowercased()) else {
                throw .invalidField("attention", "unknown attention implementation '\(a)'; valid: \(HFBuildOptions.Implementation.validNames)")
            }
            model.hf.implementation = parsed
        }
        if let k = try r.string("attention-kernel") {
            guard let parsed = AttentionKernel(rawValue: k.lowercased()) else {
                throw .invalidField("attention-kernel", "unknown attention kernel '\(k)'; valid: \(AttentionKernel.validNames)")
            }
            model.hf.kernel = parsed
        }
        model.hf.onCUDA = config.onCUDA
        model.hf.dtype = config.computeType
        model.hf.computeCapability = config.gpu.flatMap { Self.computeCapability(of: $0.name) }
    }

    /// The compute capability of the catalogue's GPUs by name (NVIDIA's CUDA GPUs list): V100 7.0, T4 7.5,
    /// A100 8.0, RTX 3090 8.6, RTX 4090 and L4 8.9, H100 9.0; nil for names it does not know.
    static func computeCapability(of name: String) -> Int? {
        let n = name.lowercased()
        for (prefix, cc) in [("v100", 70), ("t4", 75), ("a100", 80), ("a10", 86), ("rtx3090", 86), ("rtx4090", 89),
                             ("l4", 89), ("h100", 90), ("h200", 90)] where n.hasPrefix(prefix) {
            return cc
        }
        return nil
    }

    /// `model` (a zoo name, a path or inline JSON text, or a spec object) and `input` (`3x224x224` or an array).
    package static func readModel(_ r: inout RequestReader) throws(WireError) -> ModelSource {
        var input: TensorShape? = nil
        if let v = r.raw("input") {
            switch v {
            case .string(let s):
                guard let shape = TensorShape(parsing: s) else {
                    throw .invalidField("input", "invalid input shape '\(s)'; write one sample's shape without the batch, e.g. 3x224x224")
                }
                input = shape
            case .array(let items):
                let dims = items.compactMap { item -> Int? in if case .int(let i) = item { i } else { nil } }
                guard dims.count == items.count, !dims.isEmpty, dims.allSatisfy({ $0 > 0 && $0 <= 1 << 30 }) else {
                    throw .invalidField("input", "input must list one sample's positive dimensions, e.g. [3, 224, 224]")
                }
                input = TensorShape(dims)
            default:
                throw .invalidField("input", "input must be a shape like \"3x224x224\" or [3, 224, 224], got \(v.typeName)")
            }
        }
        if let hf = r.raw("hf_config") {
            guard case .object = hf else { throw .invalidField("hf_config", "'hf_config' must be a Hugging Face config.json object, got \(hf.typeName)") }
            return ModelSource(hfConfig: hf, input: input)
        }
        guard let m = r.raw("model") else {
            throw WireError(status: .badRequest, code: "missing_field", message: "missing 'model': a zoo name (see the models command) or an inline JSON spec", field: "model")
        }
        switch m {
        case .string(let s): return ModelSource(s, input: input)
        case .object(let o) where o["model_type"] != nil: return ModelSource(hfConfig: m, input: input)
        case .object: return ModelSource(spec: m, input: input)
        default: throw .invalidField("model", "'model' must be a zoo name or a JSON spec object, got \(m.typeName)")
        }
    }

    static func parseDType(_ d: String) throws(WireError) -> DTypePolicy {
        guard let p = DTypePolicy(name: d) else { throw .invalidField("dtype", "unknown dtype '\(d)'; valid: \(DTypePolicy.validNames)") }
        return p
    }

    static func parseOptimizer(_ o: String) throws(WireError) -> Optimizer {
        guard let p = Optimizer(name: o) else { throw .invalidField("optimizer", "unknown optimizer '\(o)'; valid: \(Optimizer.validNames)") }
        return p
    }

    static func parseGPU(_ g: String) throws(WireError) -> GPUProfile {
        guard let p = GPUProfile.named(g, in: DeviceCatalog.current) else {
            throw WireError(status: .notFound, code: "unknown_gpu", message: "unknown GPU '\(g)'; valid: \(DeviceCatalog.current.map(\.name).joined(separator: ", "))", field: "gpu")
        }
        return p
    }

    /// `none`, `every:K` (every K-th block) or `blocks:NAME,NAME`.
    static func parseCheckpoint(_ text: String) throws(WireError) -> Checkpointing {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "none" || t.isEmpty { return .none }
        if t.hasPrefix("every:"), let k = Int(t.dropFirst(6)), k >= 1 { return .everyKthBlock(k) }
        if t.hasPrefix("blocks:") {
            let names = t.dropFirst(7).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            if !names.isEmpty { return .blocks(names) }
        }
        throw .invalidField("checkpoint", "invalid checkpointing '\(text)'; valid: none, every:K (every K-th block), blocks:NAME[,NAME...]")
    }
}

/// The GPU catalogue in effect: `config/devices.json` when found (beside the working directory or the executable),
/// else the built-in one.
package enum DeviceCatalog {
    package static let current: [GPUProfile] = {
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["MEMQ_DEVICES"] { candidates.append(URL(fileURLWithPath: env)) }
        candidates.append(URL(fileURLWithPath: "config/devices.json"))
        candidates.append(exe.appendingPathComponent("../../config/devices.json"))
        candidates.append(exe.appendingPathComponent("../../../config/devices.json"))
        for url in candidates {
            if let data = try? Data(contentsOf: url), let catalog = try? GPUProfile.catalog(from: data), !catalog.isEmpty {
                return catalog
            }
        }
        return GPUProfile.builtIn
    }()
}
