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

    enum CodingKeys: String, CodingKey {
        case name, description
        case memoryBytes = "memory_bytes"
        case contextBytes = "context_bytes"
        case cublasWorkspaceBytes = "cublas_workspace_bytes"
        case cudnnWorkspaceBytes = "cudnn_workspace_bytes"
    }

    public init(name: String, description: String, memoryBytes: Int, contextBytes: Int, cublasWorkspaceBytes: Int,
                cudnnWorkspaceBytes: Int) {
        self.name = name; self.description = description; self.memoryBytes = memoryBytes
        self.contextBytes = contextBytes; self.cublasWorkspaceBytes = cublasWorkspaceBytes
        self.cudnnWorkspaceBytes = cudnnWorkspaceBytes
    }

    private static let mib = 1 << 20
    private static let preHopperCublas = 2 * 4096 * 1024 + 8 * 16 * 1024

    /// The built-in catalogue (same content as config/devices.json).
    public static let builtIn: [GPUProfile] = [
        GPUProfile(name: "a100-40gb", description: "NVIDIA A100-SXM4-40GB", memoryBytes: 40960 * mib,
                   contextBytes: 500 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "a100-80gb", description: "NVIDIA A100-SXM4-80GB", memoryBytes: 81920 * mib,
                   contextBytes: 500 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "h100-80gb", description: "NVIDIA H100 80GB HBM3", memoryBytes: 81559 * mib,
                   contextBytes: 550 * mib, cublasWorkspaceBytes: 32 * mib, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "v100-16gb", description: "Tesla V100-SXM2-16GB", memoryBytes: 16384 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "v100-32gb", description: "Tesla V100-SXM2-32GB", memoryBytes: 32768 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "rtx3090", description: "NVIDIA GeForce RTX 3090", memoryBytes: 24576 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "rtx4090", description: "NVIDIA GeForce RTX 4090", memoryBytes: 24564 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "l4", description: "NVIDIA L4", memoryBytes: 23034 * mib,
                   contextBytes: 450 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
        GPUProfile(name: "t4", description: "Tesla T4", memoryBytes: 15360 * mib,
                   contextBytes: 400 * mib, cublasWorkspaceBytes: preHopperCublas, cudnnWorkspaceBytes: 0),
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
