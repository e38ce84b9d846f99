import Foundation

/// An accelerator: its memory and what the CUDA runtime takes before the first tensor.
///
/// The catalogue lives in `config/devices.json`; `GPUProfile.builtIn` holds the same entries so the tools
/// work without the file (a test checks the two agree).
public struct GPUProfile: Sendable, Hashable, Codable {
    /// Short name used on the command line (`a100-40gb`).
    public var name: String
    public var description: String
    /// Device memory as `nvidia-smi` reports its total.
    public var memoryBytes: Int
    /// CUDA context and loaded kernels (module lazy loading on), outside PyTorch's allocator.
    public var contextBytes: Int
    /// cuBLAS workspace, allocated through PyTorch's caching allocator on the first matmul
    /// (`CUBLAS_WORKSPACE_CONFIG` default: 4096 KiB x 2 + 16 KiB x 8 before Hopper, 32 MiB on Hopper).
    public var cublasWorkspaceBytes: Int
    /// Workspace cuDNN's convolution algorithms are allowed to take (reserved, transient).
    public var cudnnWorkspaceBytes: Int
    /// Peak dense throughput in TFLOP/s (10^12) per dtype key (`fp32`, `tf32`, `fp16`, `bf16`, `fp8`), from the
    /// vendor's spec sheet (`speedSource`); nil for a profile without speed figures. A key the part lacks runs at
    /// the `fp32` rate (see `Roofline.peakFLOPS`).
    public var peakTFLOPS: [String: Double]?
    /// Memory bandwidth in GB/s (10^9 bytes per second), same source.
    public var memoryBandwidthGBps: Double?
    /// Where the speed figures come from.
    public var speedSource: String?

    enum CodingKeys: String, CodingKey {
        case name, description
        case memoryBytes = "memory_bytes"
        case contextBytes = "context_bytes"
        case cublasWorkspaceBytes = "cublas_workspace_bytes"
        case cudnnWorkspaceBytes = "cudnn_workspace_bytes"
        case peakTFLOPS = "peak_tflops"
        case memoryBandwidthGBps = "memory_bandwidth_gbps"
        case speedSource = "speed_source"
    }

    public init(name: String, description: String, memoryBytes: Int, contextBytes: Int, cublasWorkspaceBytes: Int,
                cudnnWorkspaceBytes: Int) {
        self.name = name; self.description = description; self.memoryBytes = memoryBytes
        self.contextBytes = contextBytes; self.cublasWorkspaceBytes = cublasWorkspaceBytes
        self.cudnnWorkspaceBytes = cudnnWorkspaceBytes
    }

    /// This profile with the roofline's figures from a spec sheet.
    public func speed(tflops: [String: Double], bandwidthGBps: Double, source: String) -> GPUProfile {
        var p = self
        p.peakTFLOPS = tflops; p.memoryBandwidthGBps = bandwidthGBps; p.speedSource = source
        return p
    }

    private static let mib = 1 << 20
    private static let preHopperCublas = 2 * 4096 * 1024 + 8 * 16 * 1024

    /// The built-in catalogue (same content as config/devices.json).
    public static let builtIn: [GPUProfile] = [
        GPUProfile(name: "a100-40gb", description: "NVIDIA A100-SXM4-40GB", memoryBytes: 40960 * mib,
                   contextBytes: 500 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 312, "fp16": 312, "fp32": 19.5, "tf32": 156], bandwidthGBps: 1555,
                   source: "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"),
        GPUProfile(name: "a100-80gb", description: "NVIDIA A100-SXM4-80GB", memoryBytes: 81920 * mib,
                   contextBytes: 500 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 312, "fp16": 312, "fp32": 19.5, "tf32": 156], bandwidthGBps: 2039,
                   source: "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"),
        GPUProfile(name: "h100-80gb", description: "NVIDIA H100 80GB HBM3", memoryBytes: 81559 * mib,
                   contextBytes: 550 * mib, cublasWorkspaceBytes: 32 * mib, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 989.4, "fp16": 989.4, "fp32": 67, "fp8": 1978.9, "tf32": 494.7], bandwidthGBps: 3350,
                   source: "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet (H100 SXM; dense = half the sparsity figures)"),
        GPUProfile(name: "v100-16gb", description: "Tesla V100-SXM2-16GB", memoryBytes: 16384 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["fp16": 125, "fp32": 15.7], bandwidthGBps: 900,
                   source: "https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf (V100 SXM2)"),
        GPUProfile(name: "v100-32gb", description: "Tesla V100-SXM2-32GB", memoryBytes: 32768 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["fp16": 125, "fp32": 15.7], bandwidthGBps: 900,
                   source: "https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf (V100 SXM2)"),
        GPUProfile(name: "rtx3090", description: "NVIDIA GeForce RTX 3090", memoryBytes: 24576 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 71, "fp16": 71, "fp32": 35.6, "tf32": 35.6], bandwidthGBps: 936,
                   source: "https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf (RTX 3090: FP16/BF16 tensor with FP32 accumulate, dense)"),
        GPUProfile(name: "rtx4090", description: "NVIDIA GeForce RTX 4090", memoryBytes: 24564 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 165.2, "fp16": 165.2, "fp32": 82.6, "fp8": 330.3, "tf32": 82.6], bandwidthGBps: 1008,
                   source: "https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf (RTX 4090: tensor with FP32 accumulate, dense)"),
        GPUProfile(name: "l4", description: "NVIDIA L4", memoryBytes: 23034 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["bf16": 121, "fp16": 121, "fp32": 30.3, "fp8": 242, "tf32": 60], bandwidthGBps: 300,
                   source: "https://www.nvidia.com/en-us/data-center/l4/ (L4 datasheet; dense = half the sparsity figures)"),
        GPUProfile(name: "t4", description: "Tesla T4", memoryBytes: 15360 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0)
            .speed(tflops: ["fp16": 65, "fp32": 8.1], bandwidthGBps: 320,
                   source: "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf"),
    ]

    /// Looks a profile up by name (case-insensitive; `_` and `-` alike) in `catalog`.
    public static func named(_ name: String, in catalog: [GPUProfile] = builtIn) -> GPUProfile? {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        return catalog.first { $0.name == key }
    }

    /// Reads a catalogue file: `{"devices": [{"name": ..., "memory_bytes": ...}, ...]}`.
    public static func catalog(from data: Data) throws -> [GPUProfile] {
        struct File: Codable { var devices: [GPUProfile] }
        return try JSONDecoder().decode(File.self, from: data).devices
    }

    public static var validNames: String { builtIn.map(\.name).joined(separator: ", ") }
}
