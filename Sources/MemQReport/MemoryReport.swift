import Foundation
import MemQCore

/// `memq report`: everything one HTML page shows about a training step's memory. Built by MemQService; rendered
/// here (`MemoryReport+HTML.swift`).
public struct MemoryReport: Sendable {
    /// One line of the memory-against-batch chart: a dtype and optimizer pair.
    public struct Curve: Sendable, Hashable {
        public var label: String
        public var points: [(batch: Int, peakBytes: Int)]
        public init(label: String, points: [(batch: Int, peakBytes: Int)]) { self.label = label; self.points = points }
        public static func == (a: Curve, b: Curve) -> Bool {
            a.label == b.label && a.points.map(\.batch) == b.points.map(\.batch) && a.points.map(\.peakBytes) == b.points.map(\.peakBytes)
        }
        public func hash(into h: inout Hasher) { h.combine(label); h.combine(points.map(\.batch)); h.combine(points.map(\.peakBytes)) }
    }

    /// A GPU of the catalogue: its memory and the largest batch of the report's settings that fits (nil: not even 1).
    public struct GPUFit: Sendable, Hashable {
        public var name: String
        public var memoryBytes: Int
        public var maxBatch: Int?
        public init(name: String, memoryBytes: Int, maxBatch: Int?) { self.name = name; self.memoryBytes = memoryBytes; self.maxBatch = maxBatch }
    }

    public var estimate: EstimateResult
    /// The step op by op (live bytes by category after each op).
    public var samples: [StepSample]
    /// Layers by the bytes they keep for backward, largest first.
    public var topLayers: [(name: String, bytes: Int)]
    public var curves: [Curve]
    public var gpus: [GPUFit]

    public init(estimate: EstimateResult, samples: [StepSample], topLayers: [(name: String, bytes: Int)], curves: [Curve], gpus: [GPUFit]) {
        self.estimate = estimate; self.samples = samples; self.topLayers = topLayers; self.curves = curves; self.gpus = gpus
    }

    /// Category names and colours, in `StepSample.live` order (MemoryCategory).
    static let categories: [(key: String, color: String)] = [
        ("weights", "#4e79a7"), ("buffers", "#9c755f"), ("gradients", "#f28e2b"), ("optimizer_state", "#e15759"),
        ("activations", "#59a14f"), ("temporary", "#edc948"), ("input", "#b07aa1"),
    ]

    /// At most `limit` samples, each the largest of its bucket (so the peak survives), with their original index.
    func downsampled(limit: Int = 1200) -> [(index: Int, sample: StepSample)] {
        guard samples.count > limit else { return samples.enumerated().map { ($0.offset, $0.element) } }
        let bucket = Double(samples.count) / Double(limit)
        var out: [(Int, StepSample)] = []
        var start = 0
        for b in 0..<limit {
            let end = min(samples.count, Int(Double(b + 1) * bucket))
            guard end > start else { continue }
            var best = start
            for i in start..<end where samples[i].total > samples[best].total { best = i }
            out.append((best, samples[best]))
            start = end
        }
        return out
    }
}
