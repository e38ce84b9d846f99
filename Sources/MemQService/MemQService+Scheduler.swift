import Foundation
import MemQCore
import MemQReport
import MemQWire

/// The scheduler queries beyond `plan` and `resources` (docs/schedulers.md).
extension MemQService {
    /// `curve`: peak against batch as `fixed + per_sample x batch` pieces over `1...max-batch` (default 4096) with
    /// their breakpoints; with a `gpu`, the bound of CUDA's per-allocation rounding.
    package func curve(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        var r = try RequestReader(body)
        let maxBatch = try r.int("max-batch") ?? 4096
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "curve")
        let analysis = try analyze(request)
        let config = request.config
        let (segments, allowance) = try run { () throws(EstimateError) in try Estimator.curve(analysis, config, maxBatch: maxBatch) }
        let rows: [JSONValue] = segments.map { ["from": .int($0.from), "to": .int($0.to), "fixed_bytes": .int($0.fixedBytes), "per_sample_bytes": .int($0.perSampleBytes)] }
        var text = "\(analysis.graph.name)  \(config.dtype.rawValue)  \(config.optimizer.rawValue): peak(batch) = fixed + per_sample x batch\n"
        var table = TextTable(columns: [("batches", .left), ("fixed", .right), ("per sample", .right), ("peak at the end", .right)])
        for s in segments {
            table.rows.append(["\(s.from)...\(s.to)", ByteCount(s.fixedBytes).formatted(), ByteCount(s.perSampleBytes).formatted(), ByteCount(s.peak(s.to)).formatted()])
        }
        text += table.rendered()
        if allowance > 0 { text += "with --gpu: add at most \(ByteCount(allowance).formatted()) for CUDA's 512-byte rounding of each live allocation\n" }
        return SchedulerResult(result: ["model": .string(analysis.graph.name), "segments": .array(rows), "rounding_allowance_bytes": .int(allowance),
                                        "basis": "tensor bytes (runtime pytorch), the upper envelope of the step's samples; exact between breakpoints"],
                               text: text)
    }

    /// `accumulate`: a `global-batch` over `gpus` devices of type `gpu` (required): per device the share, the
    /// largest micro-batch whose upper bound fits, the accumulation steps, and AdaptDL's `local_bsz_bounds`.
    package func accumulate(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        var r = try RequestReader(body)
        guard let global = try r.int("global-batch"), global >= 1 else { throw .invalidField("global-batch", "accumulate needs 'global-batch', a positive integer") }
        let count = try r.int("gpus") ?? 1
        guard count >= 1 else { throw .invalidField("gpus", "gpus must be at least 1, got \(count)") }
        let baseMargin = try Self.readMargin(&r, default: 0.05)
        var request = try TrainingRequest.read(&r)
        try r.finish(command: "accumulate")
        guard let gpu = request.config.gpu else { throw .invalidField("gpu", "accumulate needs 'gpu': the device type") }
        request.model.hf.onCUDA = true
        let analysis = try analyze(request)
        let margin = observedMargin(model: analysis.graph.name, gpu: gpu.name, base: baseMargin).margin
        let share = (global + count - 1) / count
        var device = request.config
        device.runtime = .pytorchCUDA
        func fits(_ micro: Int) throws(WireError) -> Bool {
            var c = device
            c.batch = share
            c.microBatch = micro < share ? micro : nil
            let cc = c
            let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, cc) }
            return Double(e.peakBytes) * (1 + margin) <= Double(gpu.memoryBytes)
        }
        guard try fits(1) else {
            throw WireError(status: .badRequest, code: "does_not_fit", message: "even micro-batch 1 does not fit a \(gpu.name) with \(String(format: "%g", margin * 100))% margin; use more GPUs with ZeRO/FSDP (shard)", field: "gpu")
        }
        var lo = 1, hi = share
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if try fits(mid) { lo = mid } else { hi = mid - 1 }
        }
        let steps = (share + lo - 1) / lo
        var single = device
        single.batch = 1
        let largest = (try? Estimator.fit(analysis, single, budget: Int(Double(gpu.memoryBytes) / (1 + margin)), limit: 1 << 20))?.maxBatch ?? lo
        let text = "\(analysis.graph.name): global batch \(global) on \(count) x \(gpu.name): \(share) per GPU = micro-batch \(lo) x \(steps) accumulation steps (local_bsz_bounds 1...\(largest))\n"
        return SchedulerResult(result: ["model": .string(analysis.graph.name), "gpu": .string(gpu.name), "gpus": .int(count), "global_batch": .int(global),
                                        "per_gpu_batch": .int(share), "micro_batch": .int(lo), "accumulation_steps": .int(steps),
                                        "local_bsz_bounds": [1, .int(largest)]],
                               text: text)
    }

    /// `shard`: for a model that does not fit one `gpu`, the fewest devices under ZeRO stages 1, 2 and 3 and FSDP2
    /// (up to `max-gpus`, default 1024) whose per-device upper bound fits.
    package func shard(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        var r = try RequestReader(body)
        let limit = try r.int("max-gpus") ?? 1024
        let baseMargin = try Self.readMargin(&r, default: 0.05)
        var request = try TrainingRequest.read(&r)
        try r.finish(command: "shard")
        guard let gpu = request.config.gpu else { throw .invalidField("gpu", "shard needs 'gpu': the device type") }
        request.model.hf.onCUDA = true
        let analysis = try analyze(request)
        let margin = observedMargin(model: analysis.graph.name, gpu: gpu.name, base: baseMargin).margin
        // FSDP2 is simulated per device, so the allocator model replays its step; ZeRO divides the single-device
        // breakdown at the peak, so its bound is CUDA's tensor bytes plus the context and workspaces.
        func bound(_ c: TrainingConfig) throws(WireError) -> Int {
            var cc = c
            cc.runtime = c.fsdp != nil ? .pytorchCUDA : .pytorch
            let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, cc) }
            let extra = c.fsdp != nil ? 0 : gpu.contextBytes + gpu.cublasWorkspaceBytes + gpu.cudnnWorkspaceBytes
            return Int((Double(e.peakBytes + extra) * (1 + margin)).rounded(.up))
        }
        let base = request.config
        var rows: [JSONValue] = []
        var text = "\(analysis.graph.name) batch \(base.batch) per GPU on \(gpu.name) (\(gpu.memoryBytes >> 20) MiB): fewest GPUs\n"
        for scheme in ["zero-1", "zero-2", "zero-3", "fsdp2"] {
            var found: Int? = nil, foundBound = 0
            var n = 2
            while n <= limit {
                var c = base
                if scheme == "fsdp2" { c.fsdp = FSDP(worldSize: n) } else { c.dataParallel = n; c.zeroStage = Int(scheme.suffix(1))! }
                let b = try bound(c)
                if b <= gpu.memoryBytes { found = n; foundBound = b; break }
                n = n < 8 ? n + 1 : n * 2
            }
            rows.append(["scheme": .string(scheme), "min_gpus": found.map { .int($0) } ?? .null, "upper_bound_bytes": .int(foundBound)])
            text += "  \(scheme): " + (found.map { "\($0) GPUs (\(ByteCount(foundBound).formatted()) per GPU)" } ?? "more than \(limit) GPUs") + "\n"
        }
        text += "ZeRO figures divide state at the peak (an approximation); FSDP2's are simulated per device (docs/memory-model.md).\n"
        return SchedulerResult(result: ["model": .string(analysis.graph.name), "gpu": .string(gpu.name), "schemes": .array(rows)], text: text)
    }

    /// `colocate`: can two jobs (`jobs`: two request bodies) share one `gpu`: the sum of their device peaks (each its
    /// own CUDA context), and the peak of their step timelines laid over each other by fraction of the step (both
    /// steps of equal length, starting together), which is lower when the peaks do not coincide.
    package func colocate(_ body: JSONValue) throws(WireError) -> SchedulerResult {
        var r = try RequestReader(body)
        guard case .array(let jobs)? = r.raw("jobs"), jobs.count == 2 else { throw .invalidField("jobs", "colocate needs 'jobs': two request bodies") }
        let gpuName = try r.string("gpu")
        try r.finish(command: "colocate")
        guard let gpuName else { throw .invalidField("gpu", "colocate needs 'gpu': the shared device") }
        let gpu = try TrainingRequest.parseGPU(gpuName)
        var peaks: [Int] = [], curves: [[Int]] = [], names: [String] = []
        for (k, job) in jobs.enumerated() {
            guard case .object(var o) = job else { throw .invalidField("jobs[\(k)]", "each job is a request body object") }
            o["gpu"] = .string(gpu.name)
            o["runtime"] = "pytorch-cuda"
            var jr = try RequestReader(.object(o))
            let request = try TrainingRequest.read(&jr)
            try jr.finish(command: "colocate")
            let analysis = try analyze(request)
            let config = request.config
            let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, config) }
            peaks.append(e.peakBytes)
            // The step op by op: tensor bytes plus what the device profile adds at the peak (segments, context).
            let overhead = e.breakdown.runtimeOverhead
            curves.append(Estimator.trace(analysis, config).map { $0.total + overhead })
            names.append(analysis.graph.name)
        }
        let n = 1000
        var aligned = 0
        for t in 0..<n {
            let a = curves[0][min(curves[0].count - 1, t * curves[0].count / n)], b = curves[1][min(curves[1].count - 1, t * curves[1].count / n)]
            aligned = max(aligned, a + b)
        }
        let sum = peaks[0] + peaks[1]
        let text = "\(names[0]) + \(names[1]) on one \(gpu.name) (\(ByteCount(gpu.memoryBytes).formatted())): peaks \(ByteCount(peaks[0]).formatted()) + \(ByteCount(peaks[1]).formatted()) = \(ByteCount(sum).formatted()) -> \(sum <= gpu.memoryBytes ? "fits" : "does NOT fit") in the worst alignment; steps aligned by fraction: \(ByteCount(aligned).formatted())\n"
        return SchedulerResult(result: ["gpu": .string(gpu.name), "memory_bytes": .int(gpu.memoryBytes), "peaks": .array(peaks.map { .int($0) }),
                                        "sum_of_peaks_bytes": .int(sum), "aligned_peak_bytes": .int(aligned), "fits": .bool(sum <= gpu.memoryBytes),
                                        "fits_if_aligned": .bool(aligned <= gpu.memoryBytes)],
                               text: text)
    }
}
