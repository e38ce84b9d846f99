import Foundation

/// The roofline's two ceilings for one device and the factors that bring them down to what kernels reach.
///
/// A GPU's figures come from its spec sheet (`GPUProfile.peakTFLOPS`, `memoryBandwidthGBps`, config/devices.json);
/// `cpu-local` is measured on the machine at hand by `memq calibrate-device` (an OpenBLAS sgemm on every core and
/// a streaming copy) and read back from `LatencyDevice.localFile`.
public struct LatencyDevice: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// Peak dense throughput in TFLOP/s per dtype key (`fp32`, `tf32`, `fp16`, `bf16`, `fp8`).
    public var peakTFLOPS: [String: Double]
    /// Memory bandwidth in GB/s (10^9 bytes per second).
    public var memoryBandwidthGBps: Double
    /// Where the figures come from (a spec sheet, or the calibration's command and date).
    public var source: String
    /// The efficiency factors used unless the caller overrides them.
    public var efficiency: LatencyEfficiency
    /// Whether this is a CPU running MemQ's native engine (no tensor cores; every dtype at the fp32 rate).
    public var isCPU: Bool
    /// How fast MemQ's native engine makes a fresh tensor's pages resident (each tensor is its own zero-filled
    /// mapping, EngineAllocator.swift); nil for a GPU, whose caching allocator reuses blocks at no cost.
    public var allocation: LatencyAllocation?

    enum CodingKeys: String, CodingKey {
        case name, description, source, efficiency, allocation
        case peakTFLOPS = "peak_tflops"
        case memoryBandwidthGBps = "memory_bandwidth_gbps"
        case isCPU = "is_cpu"
    }

    public init(name: String, description: String, peakTFLOPS: [String: Double], memoryBandwidthGBps: Double,
                source: String, efficiency: LatencyEfficiency, isCPU: Bool) {
        self.name = name; self.description = description; self.peakTFLOPS = peakTFLOPS
        self.memoryBandwidthGBps = memoryBandwidthGBps; self.source = source; self.efficiency = efficiency
        self.isCPU = isCPU
    }

    /// The GPU's roofline from its spec-sheet figures, with the GPU efficiency defaults.
    public init(gpu: GPUProfile) throws(LatencyError) {
        guard let peaks = gpu.peakTFLOPS, let bandwidth = gpu.memoryBandwidthGBps, peaks["fp32"] != nil else {
            throw .noSpeedFigures(gpu: gpu.name)
        }
        self.init(name: gpu.name, description: gpu.description, peakTFLOPS: peaks, memoryBandwidthGBps: bandwidth,
                  source: gpu.speedSource ?? "devices file", efficiency: .gpuDefault, isCPU: false)
    }

    /// Name of the measured CPU profile.
    public static let cpuLocalName = "cpu-local"

    /// Where `memq calibrate-device` stores the measured `cpu-local` profile: `$MEMQ_DEVICE_FILE`, else
    /// `$XDG_CONFIG_HOME/memq/cpu-local.json`, else `~/.config/memq/cpu-local.json`.
    public static func localFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["MEMQ_DEVICE_FILE"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
        return base.appendingPathComponent("memq").appendingPathComponent("cpu-local.json")
    }

    /// Reads the measured profile; an error that says how to make it when the file is missing or unreadable.
    public static func readLocal(from url: URL = localFile()) throws(LatencyError) -> LatencyDevice {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .notCalibrated(path: url.path) }
        do {
            return try JSONDecoder().decode(LatencyDevice.self, from: data)
        } catch {
            throw .badDeviceFile(path: url.path, message: "\(error)")
        }
    }

    /// Writes the profile as pretty JSON, creating the directory.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url)
    }
}

/// The native engine's cost of a fresh tensor: its bytes over the rate at which the kernel zero-fills its pages.
public struct LatencyAllocation: Sendable, Hashable, Codable {
    /// Tensors under `hugePageThreshold` bytes (4 KiB pages), GB/s.
    public var smallPagesGBps: Double
    /// Tensors of `hugePageThreshold` bytes or more (2 MiB huge pages), GB/s.
    public var hugePagesGBps: Double
    public var hugePageThreshold: Int

    enum CodingKeys: String, CodingKey {
        case smallPagesGBps = "small_pages_gbps"
        case hugePagesGBps = "huge_pages_gbps"
        case hugePageThreshold = "huge_page_threshold"
    }

    public init(smallPagesGBps: Double, hugePagesGBps: Double, hugePageThreshold: Int) {
        self.smallPagesGBps = smallPagesGBps; self.hugePagesGBps = hugePagesGBps
        self.hugePageThreshold = hugePageThreshold
    }

    /// Seconds to make a `bytes` tensor resident.
    public func seconds(bytes: Double) -> Double {
        guard bytes > 0 else { return 0 }
        return bytes / ((bytes >= Double(hugePageThreshold) ? hugePagesGBps : smallPagesGBps) * 1e9)
    }
}

/// The named factors between a device's peaks and what a layer's kernels reach, and the fixed cost of a kernel.
///
/// Defaults (docs/latency.md): on GPUs 0.6 of peak FLOP/s for GEMM-class kernels (cuBLAS/cuDNN reach 70-80% on
/// large square products and less on the thin ones networks are made of; direct-loop kernels the same, for want of
/// a measurement: they are memory-bound there), 0.8 of spec bandwidth for streaming
/// kernels (what STREAM-like copies reach on HBM/GDDR), and 5 µs per kernel (PyTorch eager's dispatch plus the
/// launch; not measured here: no GPU). On `cpu-local` all three are measured by `memq calibrate-device`: the
/// engine's convolution rate over the sgemm peak (and its depthwise convolution's, for direct loops), its ReLU's bandwidth over the streaming copy's, and the cost of
/// its smallest op.
public struct LatencyEfficiency: Sendable, Hashable, Codable {
    /// Fraction of peak FLOP/s a compute-bound kernel (a GEMM: convolutions, linear layers, products) reaches.
    public var compute: Double
    /// Fraction of peak FLOP/s a direct-loop kernel reaches: depthwise convolutions and pooling windows, which are
    /// no GEMM (MemQEngine/DepthwiseConv2d.swift, MaxPool2d.swift; cuDNN's depthwise kernels likewise).
    public var direct: Double
    /// Fraction of peak FLOP/s a pooling window reaches (one comparison or addition per window element; the native
    /// engine's max pool keeps the winner and its index, a dependent chain per output: MemQEngine/MaxPool2d.swift).
    public var pooling: Double
    /// Fraction of peak bandwidth a memory-bound kernel reaches.
    public var memory: Double
    /// Fixed cost of each kernel launch, in microseconds.
    public var launchOverheadMicroseconds: Double
    /// Extra cost of a kernel that splits its loop over the cores, in microseconds: the native engine's Dispatch
    /// hand-off for loops of `parallelElements` or more and GEMMs of `parallelMACs` or more (Parallel.swift,
    /// EngineScalar.swift `EngineBLAS.minimumSplitMACs`); 0 on GPUs (a kernel is already parallel).
    public var dispatchMicroseconds: Double

    enum CodingKeys: String, CodingKey {
        case compute, direct, pooling, memory
        case launchOverheadMicroseconds = "launch_overhead_us"
        case dispatchMicroseconds = "dispatch_us"
    }

    public init(compute: Double, direct: Double? = nil, pooling: Double? = nil, memory: Double,
                launchOverheadMicroseconds: Double, dispatchMicroseconds: Double = 0) {
        self.compute = compute; self.direct = direct ?? compute; self.pooling = pooling ?? direct ?? compute
        self.memory = memory
        self.launchOverheadMicroseconds = launchOverheadMicroseconds
        self.dispatchMicroseconds = dispatchMicroseconds
    }

    /// Reads a profile's factors; `direct` defaults to `compute` and `pooling` to `direct` (profiles written before
    /// they existed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        compute = try c.decode(Double.self, forKey: .compute)
        direct = try c.decodeIfPresent(Double.self, forKey: .direct) ?? compute
        pooling = try c.decodeIfPresent(Double.self, forKey: .pooling) ?? direct
        memory = try c.decode(Double.self, forKey: .memory)
        launchOverheadMicroseconds = try c.decode(Double.self, forKey: .launchOverheadMicroseconds)
        dispatchMicroseconds = try c.decodeIfPresent(Double.self, forKey: .dispatchMicroseconds) ?? 0
    }

    public static let gpuDefault = LatencyEfficiency(compute: 0.6, memory: 0.8, launchOverheadMicroseconds: 5)

    /// Checks every factor is in range; the error names the factor and what is valid.
    public func validated() throws(LatencyError) -> LatencyEfficiency {
        for (name, value) in [("compute-efficiency", compute), ("direct-efficiency", direct),
                                  ("pooling-efficiency", pooling), ("memory-efficiency", memory)]
        where !(value > 0 && value <= 1) {
            throw .badFactor(name: name, value: value, valid: "a fraction above 0 and at most 1")
        }
        for (name, value) in [("launch-overhead-us", launchOverheadMicroseconds), ("dispatch-us", dispatchMicroseconds)]
        where !(value >= 0 && value.isFinite) {
            throw .badFactor(name: name, value: value, valid: "0 or more microseconds")
        }
        return self
    }
}

/// What stops a latency estimate.
public enum LatencyError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSpeedFigures(gpu: String)
    case notCalibrated(path: String)
    case badDeviceFile(path: String, message: String)
    case badFactor(name: String, value: Double, valid: String)
    case unknownDevice(String)

    public var description: String {
        switch self {
        case .noSpeedFigures(let gpu):
            "GPU profile '\(gpu)' has no speed figures (peak_tflops with an fp32 key, memory_bandwidth_gbps); add them to its devices file entry"
        case .notCalibrated(let path):
            "device 'cpu-local' is not calibrated on this machine (no \(path)); run `memq calibrate-device` first"
        case .badDeviceFile(let path, let message):
            "device file \(path) is not a cpu-local profile: \(message); run `memq calibrate-device` to rewrite it"
        case .badFactor(let name, let value, let valid):
            "--\(name) \(value) is out of range; valid: \(valid)"
        case .unknownDevice(let name):
            "unknown device '\(name)'; valid: cpu-local, or a GPU profile (\(GPUProfile.validNames))"
        }
    }
}
