import Foundation
import MemQCore
import MemQReport
import MemQWire

extension MemQService {
    /// `report`: the estimate, its step op by op, the layers by saved bytes, peaks against batch for `dtypes` x
    /// `optimizers` (default: the request's), and the largest batch that fits each GPU of the catalogue.
    /// Extra keys: `batches` (a list or `1,2,4..256`; default powers of two up to twice the largest fit, at least 64),
    /// `dtypes`, `optimizers`.
    package func report(_ body: JSONValue) throws(WireError) -> MemoryReport {
        var r = try RequestReader(body)
        let batchText = try r.stringList("batches")
        let dtypeNames = try r.stringList("dtypes"), optimizerNames = try r.stringList("optimizers")
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "report")
        let analysis = try analyze(request)
        let config = request.config, method = request.method
        let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, config, method: method) }
        let result = EstimateResult(e, model: analysis.graph.name, inputShape: analysis.inputShape.dims,
                                    assumptions: Self.assumptions(analysis, config))
        let samples = Estimator.trace(analysis, config)
        let saved = try run { () throws(EstimateError) in try Estimator.savedActivations(analysis, config) }
        let top = zip(analysis.layers.map(\.name), saved).filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(15).map { (name: $0.0, bytes: $0.1) }

        var gpus: [MemoryReport.GPUFit] = []
        for g in DeviceCatalog.current {
            var c = config
            c.gpu = g
            let fit = try? Estimator.fit(analysis, c, budget: g.memoryBytes, method: method, limit: 1 << 16)
            gpus.append(.init(name: g.name, memoryBytes: g.memoryBytes, maxBatch: fit?.maxBatch))
        }
        let batches: [Int]
        if let batchText {
            batches = try Self.batchList(batchText)
        } else {
            let largest = max(64, 2 * (gpus.compactMap(\.maxBatch).max() ?? 32))
            batches = Array(sequence(first: 1) { $0 * 2 }.prefix { $0 <= min(largest, 1 << 14) })
        }
        guard batches.count <= 64 else { throw .invalidField("batches", "at most 64 batch sizes, got \(batches.count)") }
        let dtypes = try (dtypeNames ?? [config.dtype.rawValue]).map { (d: String) throws(WireError) in try TrainingRequest.parseDType(d) }
        let optimizers = try (optimizerNames ?? [config.optimizer.rawValue]).map { (o: String) throws(WireError) in try TrainingRequest.parseOptimizer(o) }
        guard dtypes.count * optimizers.count <= 8 else {
            throw .invalidField("dtypes", "at most 8 dtype x optimizer curves, got \(dtypes.count * optimizers.count)")
        }
        var curves: [MemoryReport.Curve] = []
        for dtype in dtypes {
            var curveRequest = request
            curveRequest.config.dtype = dtype
            curveRequest.model.hf.dtype = curveRequest.config.computeType
            let curveAnalysis = try analyze(curveRequest)
            for optimizer in optimizers {
                var points: [(batch: Int, peakBytes: Int)] = []
                for b in batches {
                    var c = curveRequest.config
                    c.optimizer = optimizer
                    c.batch = b
                    if let m = c.microBatch { c.microBatch = min(m, b) }
                    let cc = c
                    let p = try run { () throws(EstimateError) in try Estimator.estimate(curveAnalysis, cc, method: method) }
                    points.append((b, p.peakBytes))
                }
                curves.append(.init(label: "\(dtype.rawValue), \(optimizer.rawValue)", points: points))
            }
        }
        return MemoryReport(estimate: result, samples: samples, topLayers: top, curves: curves, gpus: gpus)
    }

    /// The estimate and its step as allocations at addresses (`memq estimate --snapshot / --trace`).
    package func allocationTrace(_ body: JSONValue) throws(WireError) -> (EstimateResult, AllocationTrace) {
        var r = try RequestReader(body)
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "estimate")
        let analysis = try analyze(request)
        let config = request.config, method = request.method
        let e = try run { () throws(EstimateError) in try Estimator.estimate(analysis, config, method: method) }
        let trace = try run { () throws(EstimateError) in try Estimator.allocationTrace(analysis, config) }
        return (EstimateResult(e, model: analysis.graph.name, inputShape: analysis.inputShape.dims,
                               assumptions: Self.assumptions(analysis, config)), trace)
    }
}
