import Foundation
import MemQCore
import MemQReport
import MemQStore
import MemQWire

extension MemQService {
    /// The margin for `model` on `gpu`: `base` widened by the largest excess observed (measured / predicted - 1),
    /// and the observations that widened it.
    func observedMargin(model: String, gpu: String, base: Double) -> (margin: Double, used: [Observation]) {
        guard let store = observations, let seen = try? store.observations(model: model, gpu: gpu), !seen.isEmpty else { return (base, []) }
        let excess = seen.map(\.excess).max() ?? 0
        return (min(0.95, base + excess), seen.filter { $0.excess > 0 })
    }

    /// `observe`: a measured peak (`measured-bytes`: bytes or "12.5GiB") or an `oom: true` for a request body's
    /// configuration on its `gpu`; stored with MemQ's prediction (the device profile's peak) in the observations
    /// database, so later `plan`, `resources`, `accumulate` and `shard` answers for that model and GPU widen their
    /// margin by how much reality exceeded the estimate.
    package func observe(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        guard let store = observations else {
            throw WireError(status: .notImplemented, code: "no_store", message: "observations need a database: start memqd with --observations-db FILE (or observations-db in config/memqd.json)", field: nil)
        }
        var r = try RequestReader(body)
        var measured: Int? = nil
        if let v = r.raw("measured-bytes") {
            switch v {
            case .int(let i) where i > 0: measured = i
            case .string(let s):
                do { measured = try ByteCount(parsing: s).bytes } catch { throw .invalidField("measured-bytes", "measured-bytes: \(error)") }
            default: throw .invalidField("measured-bytes", "measured-bytes must be positive bytes or a size like \"12.5GiB\", got \(v.typeName)")
            }
        }
        let oom = try r.bool("oom") ?? false
        var request = try TrainingRequest.read(&r)
        try r.finish(command: "observe")
        guard let gpu = request.config.gpu else { throw .invalidField("gpu", "observe needs 'gpu': the device the job ran on") }
        guard measured != nil || oom else { throw .invalidField("measured-bytes", "observe needs 'measured-bytes' (the measured peak) or 'oom': true") }
        request.model.hf.onCUDA = true
        let analysis = try analyze(request)
        var device = request.config
        device.runtime = .pytorchCUDA
        let dc = device
        let predicted = try run { () throws(EstimateError) in try Estimator.estimate(analysis, dc) }.peakBytes
        // An OOM says the peak was above the device's memory.
        let value = oom ? max(measured ?? 0, gpu.memoryBytes + 1) : measured!
        let key = "dtype=\(device.dtype.rawValue) optimizer=\(device.optimizer.rawValue) batch=\(device.batch) input=\(analysis.inputShape)"
        let o = Observation(model: analysis.graph.name, gpu: gpu.name, config: key, predictedBytes: predicted, measuredBytes: value, oom: oom)
        do { try store.add(o) } catch { throw WireError(status: .internalError, code: "store_failed", message: "\(error)", field: nil) }
        let (margin, _) = observedMargin(model: o.model, gpu: gpu.name, base: 0.05)
        let text = "recorded \(o.model) on \(gpu.name): predicted \(ByteCount(predicted).formatted()), \(oom ? "OOM" : "measured \(ByteCount(value).formatted())") (excess \(String(format: "%.1f", o.excess * 100))%); the margin for this model and GPU is now \(String(format: "%.1f", margin * 100))%\n"
        return SchedulerResult(result: ["model": .string(o.model), "gpu": .string(gpu.name), "predicted_bytes": .int(predicted), "measured_bytes": .int(value),
                                        "oom": .bool(oom), "excess": .double(o.excess), "margin": .double(margin)],
                               text: text)
    }

    /// `explain`: what an answer for a request body rests on: the runtime profile and its rounding, the GPU profile's
    /// context and workspaces, the dtype policy, the builder's assumptions (attention kernel, cache, adapters), the
    /// sharding, and the observations that widen its margin.
    package func explain(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        var r = try RequestReader(body)
        let margin = try Self.readMargin(&r, default: 0.05)
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "explain")
        let analysis = try analyze(request)
        let c = request.config
        var lines: [String] = []
        switch c.runtime {
        case .pytorch where c.gpu != nil: lines.append("runtime pytorch with a GPU: tensor bytes as torch.cuda.max_memory_allocated counts them, every allocation rounded up to 512 bytes (c10 kMinBlockSize); cuDNN float32 BatchNorm statistics; foreach optimizers")
        case .pytorch: lines.append("runtime pytorch on CPU: exact tensor bytes as PyTorch's MemTracker counts them; per-parameter optimizer loops")
        case .pytorchCUDA: lines.append("runtime pytorch-cuda: the caching allocator model's reserved segments (2 MiB small pool, 20 MiB large segments, best-fit reuse, never released) plus the CUDA context and workspaces")
        case .native: lines.append("runtime native: MemQ's CPU engine's own allocation policy (4 KiB pages, 2 MiB huge pages)")
        }
        if let g = c.gpu {
            lines.append("GPU \(g.name): \(g.memoryBytes >> 20) MiB, CUDA context \(g.contextBytes >> 20) MiB (typical CUDA 12 figure, config/devices.json), cuBLAS workspace \(g.cublasWorkspaceBytes >> 10) KiB, cuDNN workspace \(g.cudnnWorkspaceBytes >> 10) KiB")
            let (m, used) = observedMargin(model: analysis.graph.name, gpu: g.name, base: margin)
            lines.append("upper bounds: the pytorch-cuda profile x (1 + \(String(format: "%.1f", m * 100))%) — base \(String(format: "%g", margin * 100))%" + (used.isEmpty ? "" : " widened by \(used.count) observation(s) where reality exceeded the estimate"))
            for o in used {
                lines.append("observation: \(o.config): predicted \(ByteCount(o.predictedBytes).formatted()), \(o.oom ? "OOM" : "measured \(ByteCount(o.measuredBytes).formatted())") (+\(String(format: "%.1f", o.excess * 100))%) at \(o.recorded)")
            }
        }
        lines.append("dtype \(c.dtype.rawValue): parameters \(c.dtype.parameters.rawValue), activations \(c.computeType.rawValue), optimizer state \(c.dtype.optimizerState.rawValue); optimizer \(c.optimizer.rawValue) (\(c.resolvedOptimizerImpl.rawValue))")
        lines.append("sharding: \(c.shardingDescription)")
        lines += Self.assumptions(analysis, c).map { "assumed: \($0)" }
        return SchedulerResult(result: ["model": .string(analysis.graph.name), "assumptions": .array(lines.map { .string($0) })],
                               text: lines.joined(separator: "\n") + "\n")
    }
}
