import Foundation
import MemQCore

/// `memq resources` / memqd `resources`: one job's GPU request in the units of the schedulers that take GPU memory
/// as a resource, every value rounded up (docs/schedulers.md cites each project's documentation).
///
/// JSON: `model`, `gpu`, `gpus` (devices per job), `upper_bound_bytes` and `memory_mib` (per device, rounded up),
/// `memory_gib` (rounded up), `fraction` (of the device's memory, rounded up to 0.01), `fragments`
/// {scheduler: {`yaml`, `json`, `note`}}.
public struct ResourcesResult: ReportRenderable, Hashable {
    public struct Fragment: Codable, Sendable, Hashable {
        public var yaml: String
        public var json: JSONValue
        public var note: String
    }

    public var model: String
    public var gpu: String
    public var gpus: Int
    public var upperBoundBytes: Int
    public var memoryMiB: Int
    public var memoryGiB: Int
    public var fraction: Double
    public var fragments: [String: Fragment]

    enum CodingKeys: String, CodingKey {
        case model, gpu, gpus, fraction, fragments
        case upperBoundBytes = "upper_bound_bytes", memoryMiB = "memory_mib", memoryGiB = "memory_gib"
    }

    /// The schedulers rendered, in order.
    public static let schedulers = ["hami", "volcano", "kai", "aliyun", "slurm"]

    public init(model: String, gpu: GPUProfile, gpus: Int, upperBoundBytes: Int, schedulers: [String]) {
        self.model = model
        self.gpu = gpu.name
        self.gpus = gpus
        self.upperBoundBytes = upperBoundBytes
        memoryMiB = (upperBoundBytes + (1 << 20) - 1) >> 20
        memoryGiB = (upperBoundBytes + (1 << 30) - 1) >> 30
        fraction = (Double(upperBoundBytes) / Double(gpu.memoryBytes) * 100).rounded(.up) / 100
        var f: [String: Fragment] = [:]
        for s in schedulers { f[s] = Self.fragment(s, mib: memoryMiB, gib: memoryGiB, fraction: fraction, gpus: gpus, gpu: gpu.name) }
        fragments = f
    }

    static func fragment(_ scheduler: String, mib: Int, gib: Int, fraction: Double, gpus: Int, gpu: String) -> Fragment {
        switch scheduler {
        case "hami":
            // HAMi: resources.limits nvidia.com/gpu (cards) and nvidia.com/gpumem (MiB per card, an integer).
            return Fragment(yaml: "resources:\n  limits:\n    nvidia.com/gpu: \(gpus)\n    nvidia.com/gpumem: \(mib)\n",
                            json: ["resources": ["limits": ["nvidia.com/gpu": .int(gpus), "nvidia.com/gpumem": .int(mib)]]],
                            note: "MiB per GPU (HAMi: one unit = 1 MiB unless the cluster sets nvidia.memoryFactor)")
        case "volcano":
            return Fragment(yaml: "schedulerName: volcano\nresources:\n  limits:\n    volcano.sh/vgpu-number: \(gpus)\n    volcano.sh/vgpu-memory: \(mib)\n",
                            json: ["schedulerName": "volcano",
                                   "resources": ["limits": ["volcano.sh/vgpu-number": .int(gpus), "volcano.sh/vgpu-memory": .int(mib)]]],
                            note: "MiB per vGPU; vgpu-number is read from limits only (unless the cluster sets gpuMemoryFactor)")
        case "kai":
            let yaml = "schedulerName: kai-scheduler\nmetadata:\n  labels:\n    kai.scheduler/queue: default-queue\n  annotations:\n    gpu-memory: \"\(mib)\"\n"
            return Fragment(yaml: yaml,
                            json: ["schedulerName": "kai-scheduler",
                                   "metadata": ["labels": ["kai.scheduler/queue": "default-queue"], "annotations": ["gpu-memory": .string(String(mib))]]],
                            note: gpus > 1
                                ? "KAI's gpu-memory shares one GPU; for \(gpus) GPUs request nvidia.com/gpu: \(gpus) instead"
                                : "MiB, a bare number; or gpu-fraction \"\(String(format: "%.2f", fraction))\" of a \(gpu) (must be below 1); the queue label is the cluster's")
        case "aliyun":
            return Fragment(yaml: "resources:\n  limits:\n    aliyun.com/gpu-mem: \(gib)\n",
                            json: ["resources": ["limits": ["aliyun.com/gpu-mem": .int(gib)]]],
                            note: gpus > 1 ? "gpushare gives one GPU per container: \(gpus) GPUs cannot be expressed" : "GiB, rounded up (unless the device plugin runs with --memory-unit=MiB)")
        default:  // slurm
            return Fragment(yaml: "#SBATCH --gres=gpu:\(gpu):\(gpus)\n",
                            json: ["gres": .string("gpu:\(gpu):\(gpus)")],
                            note: "Slurm cannot request GPU memory (--mem-per-gpu is host RAM): choose a type with at least \(mib) MiB; type names are the site's gres.conf Type=")
        }
    }

    public func renderText() -> String {
        var out = "\(model) on \(gpus) x \(gpu): upper bound \(ByteCount(upperBoundBytes).formatted()) per GPU = \(memoryMiB) MiB (\(memoryGiB) GiB), rounded up\n"
        for s in Self.schedulers {
            guard let f = fragments[s] else { continue }
            out += "\n# \(s): \(f.note)\n" + f.yaml
        }
        return out
    }

    public func renderCSV() -> String {
        CSVWriter.table(header: ["scheduler", "gpu", "gpus", "memory_mib", "memory_gib", "fragment"],
                        rows: Self.schedulers.compactMap { s in
                            fragments[s].map { [s, gpu, String(gpus), String(memoryMiB), String(memoryGiB), $0.yaml.replacingOccurrences(of: "\n", with: "\\n")] }
                        })
    }
}
