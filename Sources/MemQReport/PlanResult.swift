import Foundation
import MemQCore

/// `memq plan` / memqd `plan`: for a model and training config, per GPU type, what a scheduler needs to place the job.
///
/// JSON: `model`, `batch`, `margin`, `rows` [{`gpu`, `memory_bytes`, `memory_mib`, `usable_bytes`, `usable_mib`,
/// `fits`, `max_batch`, `peak_bytes`, `upper_bound_bytes`, `upper_bound_mib`, `basis`, `dominant`,
/// `price_per_hour`}], `cheapest` (the cheapest GPU type that fits, when prices are given).
public struct PlanResult: ReportRenderable, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        public var gpu: String
        public var memoryBytes: Int
        /// Device memory less the CUDA context and the workspaces the allocator keeps (cuBLAS, cuDNN): what tensors
        /// and the caching allocator's segments can use.
        public var usableBytes: Int
        /// Whether the batch fits: the upper bound within the device memory.
        public var fits: Bool
        /// The largest per-GPU batch whose upper bound fits (nil: not even batch 1).
        public var maxBatch: Int?
        /// Tensor bytes at the peak (`torch.cuda.max_memory_allocated`, the `pytorch` runtime with this GPU).
        public var peakBytes: Int
        /// What the device shows at the peak (the `pytorch-cuda` profile: allocator segments, context, workspaces),
        /// plus the margin.
        public var upperBoundBytes: Int
        public var basis: String
        public var dominant: String
        public var pricePerHour: Double?

        public var memoryMiB: Int { memoryBytes >> 20 }
        public var usableMiB: Int { usableBytes >> 20 }
        /// Rounded up: a scheduler's request never below the bound.
        public var upperBoundMiB: Int { (upperBoundBytes + (1 << 20) - 1) >> 20 }

        enum CodingKeys: String, CodingKey {
            case gpu, fits, basis, dominant
            case memoryBytes = "memory_bytes", usableBytes = "usable_bytes", maxBatch = "max_batch"
            case peakBytes = "peak_bytes", upperBoundBytes = "upper_bound_bytes", pricePerHour = "price_per_hour"
            case memoryMiB = "memory_mib", usableMiB = "usable_mib", upperBoundMiB = "upper_bound_mib"
        }

        public init(gpu: String, memoryBytes: Int, usableBytes: Int, fits: Bool, maxBatch: Int?, peakBytes: Int,
                    upperBoundBytes: Int, basis: String, dominant: String, pricePerHour: Double?) {
            self.gpu = gpu; self.memoryBytes = memoryBytes; self.usableBytes = usableBytes; self.fits = fits
            self.maxBatch = maxBatch; self.peakBytes = peakBytes; self.upperBoundBytes = upperBoundBytes; self.basis = basis
            self.dominant = dominant; self.pricePerHour = pricePerHour
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            gpu = try c.decode(String.self, forKey: .gpu); memoryBytes = try c.decode(Int.self, forKey: .memoryBytes)
            usableBytes = try c.decode(Int.self, forKey: .usableBytes); fits = try c.decode(Bool.self, forKey: .fits)
            maxBatch = try c.decodeIfPresent(Int.self, forKey: .maxBatch); peakBytes = try c.decode(Int.self, forKey: .peakBytes)
            upperBoundBytes = try c.decode(Int.self, forKey: .upperBoundBytes); basis = try c.decode(String.self, forKey: .basis)
            dominant = try c.decode(String.self, forKey: .dominant); pricePerHour = try c.decodeIfPresent(Double.self, forKey: .pricePerHour)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(gpu, forKey: .gpu); try c.encode(memoryBytes, forKey: .memoryBytes); try c.encode(memoryMiB, forKey: .memoryMiB)
            try c.encode(usableBytes, forKey: .usableBytes); try c.encode(usableMiB, forKey: .usableMiB); try c.encode(fits, forKey: .fits)
            try c.encodeIfPresent(maxBatch, forKey: .maxBatch); try c.encode(peakBytes, forKey: .peakBytes)
            try c.encode(upperBoundBytes, forKey: .upperBoundBytes); try c.encode(upperBoundMiB, forKey: .upperBoundMiB)
            try c.encode(basis, forKey: .basis); try c.encode(dominant, forKey: .dominant)
            try c.encodeIfPresent(pricePerHour, forKey: .pricePerHour)
        }
    }

    public var model: String
    public var batch: Int
    public var margin: Double
    public var rows: [Row]
    /// The cheapest GPU type that fits the batch (prices given), nil otherwise.
    public var cheapest: String?

    public init(model: String, batch: Int, margin: Double, rows: [Row]) {
        self.model = model; self.batch = batch; self.margin = margin; self.rows = rows
        cheapest = rows.filter { $0.fits && $0.pricePerHour != nil }.min { $0.pricePerHour! < $1.pricePerHour! }?.gpu
    }

    public func renderText() -> String {
        var out = "\(model)  batch \(batch) per GPU  upper bound = pytorch-cuda profile + \(String(format: "%g", margin * 100))% margin\n"
        var table = TextTable(columns: [("gpu", .left), ("memory", .right), ("usable", .right), ("peak (tensors)", .right),
                                        ("upper bound", .right), ("fits", .left), ("max batch", .right), ("dominant", .left),
                                        ("$/h", .right)])
        for r in rows {
            table.rows.append([r.gpu, "\(r.memoryMiB) MiB", "\(r.usableMiB) MiB", ByteCount(r.peakBytes).formatted(),
                               "\(r.upperBoundMiB) MiB", r.fits ? "yes" : "no", r.maxBatch.map(String.init) ?? "none", r.dominant,
                               r.pricePerHour.map { String(format: "%.2f", $0) } ?? ""])
        }
        out += table.rendered()
        if let cheapest { out += "cheapest that fits: \(cheapest)\n" }
        out += "MiB = 2^20 bytes; the upper bound is rounded up, usable memory down.\n"
        return out
    }

    public func renderCSV() -> String {
        CSVWriter.table(header: ["gpu", "memory_bytes", "usable_bytes", "fits", "max_batch", "peak_bytes", "upper_bound_bytes",
                                 "upper_bound_mib", "dominant", "price_per_hour"],
                        rows: rows.map { r in
                            [r.gpu, String(r.memoryBytes), String(r.usableBytes), String(r.fits), r.maxBatch.map(String.init) ?? "",
                             String(r.peakBytes), String(r.upperBoundBytes), String(r.upperBoundMiB), r.dominant,
                             r.pricePerHour.map { String($0) } ?? ""]
                        })
    }
}
