import Foundation
import MemQCore
import MemQReport
import MemQWire

extension MemQService {
    /// `plan`: per GPU type (`gpus`, default the whole catalogue), whether `batch` fits, the largest per-GPU batch,
    /// the tensor peak and an upper bound (the `pytorch-cuda` profile — allocator segments, CUDA context, workspaces —
    /// plus `margin`, default 5%, for fragmentation the allocator model does not see), and the cheapest type that fits
    /// when `prices` ({"a100-80gb": 3.67, ...} per GPU-hour) are given.
    package func plan(_ body: JSONValue) throws(WireError) -> PlanResult {
        var r = try RequestReader(body)
        let names = try r.stringList("gpus")
        let baseMargin = try Self.readMargin(&r, default: 0.05)
        var prices: [String: Double] = [:]
        if let v = r.raw("prices") {
            guard case .object(let o) = v else { throw .invalidField("prices", "'prices' must map GPU names to a price per hour, e.g. {\"a100-80gb\": 3.67}") }
            for (k, p) in o {
                guard GPUProfile.named(k, in: DeviceCatalog.current) != nil else {
                    throw .invalidField("prices", "unknown GPU '\(k)' in 'prices'; valid: \(DeviceCatalog.current.map(\.name).joined(separator: ", "))")
                }
                switch p {
                case .int(let i) where i >= 0: prices[k.lowercased()] = Double(i)
                case .double(let d) where d >= 0 && d.isFinite: prices[k.lowercased()] = d
                default: throw .invalidField("prices", "the price of '\(k)' must be a non-negative number, got \(p.typeName)")
                }
            }
        }
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "plan")
        let gpus = try (names ?? DeviceCatalog.current.map(\.name)).map { (n: String) throws(WireError) in try TrainingRequest.parseGPU(n) }
        var rows: [PlanResult.Row] = []
        for g in gpus {
            var req = request
            req.config.gpu = g
            req.model.hf.onCUDA = true
            req.model.hf.computeCapability = TrainingRequest.computeCapability(of: g.name)
            let analysis = try analyze(req)
            let margin = observedMargin(model: analysis.graph.name, gpu: g.name, base: baseMargin).margin
            let (t, bound, device) = try Self.deviceBound(self, analysis, req, margin: margin)
            let method = req.method
            // The largest batch whose bound fits: fit the device profile to memory / (1 + margin).
            let budget = Int(Double(g.memoryBytes) / (1 + margin))
            let maxBatch = (try? Estimator.fit(analysis, device, budget: budget, method: method, limit: 1 << 20))?.maxBatch
            rows.append(PlanResult.Row(
                gpu: g.name, memoryBytes: g.memoryBytes,
                usableBytes: max(0, g.memoryBytes - g.contextBytes - g.cublasWorkspaceBytes - g.cudnnWorkspaceBytes),
                fits: bound <= g.memoryBytes, maxBatch: maxBatch, peakBytes: t.peakBytes, upperBoundBytes: bound,
                basis: "pytorch-cuda profile (caching-allocator segments + CUDA context \(g.contextBytes >> 20) MiB + workspaces) + \(String(format: "%g", margin * 100))% margin",
                dominant: t.breakdown.dominant, pricePerHour: prices[g.name]))
        }
        let name = try analyze(request).graph.name
        return PlanResult(model: name, batch: request.config.batch, margin: baseMargin, rows: rows)
    }

    /// On the request's GPU: the tensor peak (`pytorch` runtime), the upper bound (the `pytorch-cuda` profile's device
    /// total times 1 + margin, rounded up) and the device configuration.
    static func deviceBound(_ service: MemQService, _ analysis: ModelAnalysis, _ req: TrainingRequest, margin: Double) throws(WireError)
        -> (tensors: Estimate, bound: Int, device: TrainingConfig) {
        var tensors = req.config
        tensors.runtime = .pytorch
        var device = req.config
        device.runtime = .pytorchCUDA
        let method = req.method
        let (t, d) = try service.run { () throws(EstimateError) in
            (try Estimator.estimate(analysis, tensors, method: method), try Estimator.estimate(analysis, device, method: method))
        }
        return (t, Int((Double(d.peakBytes) * (1 + margin)).rounded(.up)), device)
    }

    /// `resources`: the request's upper bound on its `gpu` (required) rendered for `schedulers` (default all: hami,
    /// volcano, kai, aliyun, slurm), `gpus` devices per job (default 1), `margin` as `plan`'s.
    package func resources(_ body: JSONValue) throws(WireError) -> ResourcesResult {
        var r = try RequestReader(body)
        let baseMargin = try Self.readMargin(&r, default: 0.05)
        let count = try r.int("gpus") ?? 1
        guard count >= 1 else { throw .invalidField("gpus", "gpus must be at least 1 device per job, got \(count)") }
        let names = try r.stringList("schedulers") ?? ResourcesResult.schedulers
        for n in names where !ResourcesResult.schedulers.contains(n.lowercased()) {
            throw .invalidField("schedulers", "unknown scheduler '\(n)'; valid: \(ResourcesResult.schedulers.joined(separator: ", "))")
        }
        var request = try TrainingRequest.read(&r)
        try r.finish(command: "resources")
        guard let gpu = request.config.gpu else {
            throw WireError(status: .badRequest, code: "missing_field", message: "resources needs 'gpu': the GPU type the memory is for (valid: \(DeviceCatalog.current.map(\.name).joined(separator: ", ")))", field: "gpu")
        }
        request.model.hf.onCUDA = true
        let analysis = try analyze(request)
        let margin = observedMargin(model: analysis.graph.name, gpu: gpu.name, base: baseMargin).margin
        let (_, bound, _) = try Self.deviceBound(self, analysis, request, margin: margin)
        return ResourcesResult(model: analysis.graph.name, gpu: gpu, gpus: count, upperBoundBytes: bound, schedulers: names.map { $0.lowercased() })
    }

    /// `margin`: a fraction (0.05) or a percentage ("5%") in [0, 1).
    static func readMargin(_ r: inout RequestReader, default value: Double) throws(WireError) -> Double {
        guard let v = r.raw("margin") else { return value }
        let m: Double
        switch v {
        case .double(let d): m = d
        case .int(let i): m = Double(i)
        case .string(let s):
            guard let f = Fraction.parse(s) else { throw .invalidField("margin", "margin must be a fraction (0.05) or a percentage (\"5%\"), got '\(s)'") }
            m = f
        default: throw .invalidField("margin", "margin must be a fraction (0.05) or a percentage (\"5%\"), got \(v.typeName)")
        }
        guard m >= 0, m < 1 else { throw .invalidField("margin", "margin must be in [0, 1), got \(m)") }
        return m
    }
}

extension MemQService {
    /// `batch`: `{"queries": [{"command": "estimate", "body": {...}}, ...]}` answered in one reply,
    /// `{"results": [{"status": 200, "body": ...} or {"status": 400, "error": {...}}, ...]}` in the same order; each
    /// query succeeds or fails on its own. Fast commands only (estimate, sweep, fit, summary, plan, models, report),
    /// at most 10,000 queries.
    package func batch(_ body: JSONValue) throws(WireError) -> JSONValue {
        let bytes = try batchBytes(body)
        do { return try JSONValue.parse(Data(bytes)) } catch { throw WireError(status: .internalError, code: "internal", message: "\(error)", field: nil) }
    }

    /// `batch`'s reply as JSON text, written directly: estimates through their own writer (`jsonBytes`), the rest
    /// serialized — what memqd sends.
    package func batchBytes(_ body: JSONValue) throws(WireError) -> [UInt8] {
        guard case .object(let o) = body, case .array(let queries)? = o["queries"] else {
            throw .invalidField("queries", "batch needs 'queries': a list of {\"command\": \"estimate\", \"body\": {...}}")
        }
        if let extra = o.keys.first(where: { $0 != "queries" }) {
            throw .invalidField(extra, "unknown option '\(extra)' for batch; its only key is 'queries'")
        }
        guard queries.count <= 10_000 else { throw .invalidField("queries", "at most 10000 queries per batch, got \(queries.count)") }
        var out = Array("{\"results\":[".utf8)
        out.reserveCapacity(queries.count * 900)
        for (k, q) in queries.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            do throws(WireError) {
                guard case .object(let qo) = q, case .string(let name)? = qo["command"] else {
                    throw .invalidField("queries[\(k)]", "each query is {\"command\": NAME, \"body\": {...}}")
                }
                guard let command = WireCommand(rawValue: name), command.lane == .fast, command != .batch else {
                    throw .invalidField("queries[\(k)].command", "'\(name)' cannot be batched; valid: estimate, sweep, fit, summary, plan, models, report")
                }
                let result = command == .estimate ? try estimate(qo["body"] ?? [:]).jsonBytes() : try handle(command, body: qo["body"] ?? [:]).bytes()
                out += Array("{\"status\":200,\"body\":".utf8)
                out += result
                out.append(UInt8(ascii: "}"))
            } catch {
                out += JSONValue.object(["status": .int(error.status.rawValue), "error": error.errorObject]).bytes()
            }
        }
        out += Array("]}".utf8)
        return out
    }
}
