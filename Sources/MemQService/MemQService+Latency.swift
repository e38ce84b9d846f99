import Foundation
import MemQCore
import MemQProbe
import MemQReport
import MemQWire

/// `latency`: the roofline estimate of a forward pass (or a training step) on a device; and the `speed` columns of
/// `sweep` and `fit`.
///
/// Body keys besides the training options: `device` (`cpu-local` or a GPU profile; default the request's `gpu`),
/// `train` (add backward and optimizer step), `compute-efficiency`, `memory-efficiency` (fractions in (0, 1]),
/// `launch-overhead-us` (microseconds per kernel), `tf32` (fp32 matrix products on TF32 tensor cores).
extension MemQService {
    package func latency(_ body: JSONValue) throws(WireError) -> LatencyResult {
        var r = try RequestReader(body)
        let options = try LatencyOptions.read(&r)
        let train = try r.bool("train") ?? false
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "latency")
        let analysis = try analyze(request)
        let roofline = try options.roofline(gpu: request.config.gpu)
        return LatencyResult(estimate: Self.latency(analysis, request.config, roofline: roofline, train: train))
    }

    static func latency(_ analysis: ModelAnalysis, _ config: TrainingConfig, roofline: Roofline, train: Bool) -> LatencyEstimate {
        roofline.estimate(analysis, batch: config.batch, dtype: config.dtype, train: train, optimizer: config.optimizer,
                          optimizerImpl: config.optimizerImpl)
    }

    /// The step's speed for a sweep or fit row (`speed: true`).
    static func speed(_ analysis: ModelAnalysis, _ config: TrainingConfig, roofline: Roofline?) -> StepSpeed? {
        roofline.map { StepSpeed(latency(analysis, config, roofline: $0, train: true)) }
    }
}

/// The latency keys of a request body, shared by `latency`, `sweep` and `fit`.
package struct LatencyOptions: Sendable {
    package var device: String?
    package var compute: Double?
    package var direct: Double?
    package var pooling: Double?
    package var memory: Double?
    package var launchMicroseconds: Double?
    package var tf32 = false

    package static func read(_ r: inout RequestReader) throws(WireError) -> LatencyOptions {
        LatencyOptions(device: try r.string("device"), compute: try r.double("compute-efficiency"),
                       direct: try r.double("direct-efficiency"), pooling: try r.double("pooling-efficiency"),
                       memory: try r.double("memory-efficiency"), launchMicroseconds: try r.double("launch-overhead-us"),
                       tf32: try r.bool("tf32") ?? false)
    }

    /// Whether any latency key was given (sweep and fit refuse them without `speed`).
    var isEmpty: Bool { device == nil && compute == nil && direct == nil && pooling == nil && memory == nil && launchMicroseconds == nil && !tf32 }

    /// `target` with the efficiency overrides applied and checked.
    package func roofline(device target: LatencyDevice) throws(WireError) -> Roofline {
        var e = target.efficiency
        if let compute { e.compute = compute }
        if let direct { e.direct = direct }
        if let pooling { e.pooling = pooling }
        if let memory { e.memory = memory }
        if let launchMicroseconds { e.launchOverheadMicroseconds = launchMicroseconds }
        do {
            return Roofline(device: target, efficiency: try e.validated(), allowTF32Matmul: tf32)
        } catch {
            guard case .badFactor(let name, _, _) = error else { throw .internalError("\(error)") }
            throw WireError(status: .badRequest, code: "invalid_device", message: error.description, field: name)
        }
    }

    /// The device (`device`, else the request's GPU) with the efficiency overrides applied and checked.
    package func roofline(gpu: GPUProfile?) throws(WireError) -> Roofline {
        let target: LatencyDevice
        do {
            if let device, device.lowercased() == LatencyDevice.cpuLocalName {
                target = try LatencyDevice.readLocal()
            } else if let device {
                target = try LatencyDevice(gpu: try TrainingRequest.parseGPU(device))
            } else if let gpu {
                target = try LatencyDevice(gpu: gpu)
            } else {
                throw WireError(status: .badRequest, code: "missing_field",
                                message: "a time estimate needs a device: 'device' (cpu-local, or a GPU profile: \(DeviceCatalog.current.map(\.name).joined(separator: ", "))) or 'gpu'",
                                field: "device")
            }
            return try roofline(device: target)
        } catch let error as WireError {
            throw error
        } catch let error as LatencyError {
            let field: String = switch error {
            case .badFactor(let name, _, _): name
            default: "device"
            }
            let status: WireStatus = if case .notCalibrated = error { .notFound } else { .badRequest }
            throw WireError(status: status, code: "invalid_device", message: error.description, field: field)
        } catch {
            throw .internalError("\(error)")
        }
    }
}

extension MemQService {
    /// `latency` on `cpu-local` with the native engine's measured times beside the estimate (the CLI's
    /// `--measure`; it runs the model in this process, so the daemon does not offer it).
    package func latencyMeasured(_ body: JSONValue, runs: Int) throws(WireError) -> LatencyResult {
        var r = try RequestReader(body)
        var options = try LatencyOptions.read(&r)
        let train = try r.bool("train") ?? false
        let request = try TrainingRequest.read(&r)
        try r.finish(command: "latency")
        if let d = options.device, d.lowercased() != LatencyDevice.cpuLocalName {
            throw .invalidField("device", "--measure times the native engine on this CPU: use --device cpu-local (got '\(d)')")
        }
        options.device = LatencyDevice.cpuLocalName
        guard request.config.dtype == .fp32 else {
            throw .invalidField("dtype", "--measure runs the native engine in float32; drop --dtype \(request.config.dtype.rawValue)")
        }
        let analysis = try analyze(request)
        // Calibrated now, in this process, so the estimate and the measurement meet the machine in the same state
        // (a shared VM's rates drift by tens of percent over minutes); the stored cpu-local profile is left as it is.
        let device = LatencyProbe.calibrate()
        let estimate = Self.latency(analysis, request.config, roofline: try options.roofline(device: device), train: train)
        let times: LatencyProbe.Times
        do {
            times = try LatencyProbe.measure(analysis, batch: request.config.batch, optimizer: request.config.optimizer,
                                             train: train, runs: runs)
        } catch {
            throw WireError(status: .badRequest, code: "unsupported_model", message: error.description, field: "model")
        }
        var index: [String: Int] = [:]
        for (i, layer) in analysis.layers.enumerated() { index[layer.name] = i }
        let optimizerTotal = times.seconds.values.compactMap { $0[.optimizer] }.reduce(0, +)
        let perLayer: [Double?] = estimate.layers.map { row in
            if row.phase == .optimizer { return optimizerTotal }
            return index[row.name].flatMap { times.seconds[$0]?[row.phase] }
        }
        let step = train ? times.forwardSeconds + times.backwardSeconds + times.optimizerSeconds : nil
        return LatencyResult(estimate: estimate, measured: LatencyMeasured(
            estimate: estimate, layerSeconds: perLayer, forwardSeconds: times.forwardSeconds, stepSeconds: step,
            runs: times.runs))
    }

    /// Measures this machine and stores the `cpu-local` profile where `latency --device cpu-local` reads it.
    package static func calibrateDevice(to url: URL = LatencyDevice.localFile()) throws -> LatencyDevice {
        let device = LatencyProbe.calibrate()
        try device.write(to: url)
        return device
    }
}
