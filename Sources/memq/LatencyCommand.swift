import ArgumentParser
import Foundation
import MemQCore
import MemQReport
import MemQService
import MemQWire

/// The device and efficiency options of a time estimate (`latency`, and `sweep`/`fit` with `--speed`).
struct LatencyFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("cpu-local (this machine, after `memq calibrate-device`) or a GPU profile from config/devices.json. (default: the --gpu)",
                                            valueName: "device"))
    var device: String?

    @Option(name: .customLong("compute-efficiency"), help: ArgumentHelp("Fraction of peak FLOP/s a compute-bound kernel reaches. (default: 0.6 on GPUs; measured on cpu-local)", valueName: "fraction"))
    var computeEfficiency: Double?

    @Option(name: .customLong("direct-efficiency"), help: ArgumentHelp("Fraction of peak FLOP/s a direct-loop kernel (depthwise convolution, pooling) reaches. (default: 0.6 on GPUs; measured on cpu-local)", valueName: "fraction"))
    var directEfficiency: Double?

    @Option(name: .customLong("pooling-efficiency"), help: ArgumentHelp("Fraction of peak FLOP/s a pooling window reaches (per window element). (default: 0.6 on GPUs; measured on cpu-local)", valueName: "fraction"))
    var poolingEfficiency: Double?

    @Option(name: .customLong("memory-efficiency"), help: ArgumentHelp("Fraction of peak bandwidth a memory-bound kernel reaches. (default: 0.8 on GPUs; measured on cpu-local)", valueName: "fraction"))
    var memoryEfficiency: Double?

    @Option(name: .customLong("launch-overhead-us"), help: ArgumentHelp("Fixed cost per kernel in microseconds. (default: 5 on GPUs, measured on cpu-local)", valueName: "us"))
    var launchOverhead: Double?

    @Flag(name: .long, help: "fp32 matrix products on TF32 tensor cores (torch.backends.cuda.matmul.allow_tf32 = True); convolutions use TF32 regardless, as cuDNN's default.")
    var tf32 = false

    /// The keys of the request body.
    func add(to o: inout [String: JSONValue]) {
        if let device { o["device"] = .string(device) }
        if let computeEfficiency { o["compute-efficiency"] = .double(computeEfficiency) }
        if let directEfficiency { o["direct-efficiency"] = .double(directEfficiency) }
        if let poolingEfficiency { o["pooling-efficiency"] = .double(poolingEfficiency) }
        if let memoryEfficiency { o["memory-efficiency"] = .double(memoryEfficiency) }
        if let launchOverhead { o["launch-overhead-us"] = .double(launchOverhead) }
        if tf32 { o["tf32"] = .bool(true) }
    }

    var isEmpty: Bool { device == nil && computeEfficiency == nil && directEfficiency == nil && poolingEfficiency == nil && memoryEfficiency == nil && launchOverhead == nil && !tf32 }
}

/// `memq latency MODEL [--batch B] [--gpu G | --device cpu-local] [--train] [--measure]`: time per layer.
struct LatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Forward latency, FPS and training-step time per layer from a roofline model of the device.",
        discussion: """
            FLOPs are not latency. Each layer takes max(FLOPs / (peak x compute-efficiency), bytes moved / \
            (bandwidth x memory-efficiency)) plus a launch overhead per kernel, and is bound by whichever ceiling is \
            lower for it: its arithmetic intensity (FLOP per byte) against the device's ridge point. Depthwise \
            convolutions, activations and additions are memory-bound; large convolutions and products compute-bound. \
            GPU peaks and bandwidths come from the vendors' spec sheets (config/devices.json); cpu-local from \
            `memq calibrate-device`. With --train the backward (each op's gradient kernels) and the optimizer step \
            (a memory-bound pass over parameters, gradients and state) are added. --measure times the native engine \
            on this CPU, op by op, beside the estimate (fp32; runs the model, so it takes seconds). docs/latency.md.

            Examples:
              memq latency resnet50 --gpu a100-40gb --batch 64 --dtype bf16
              memq latency mobilenet_v2 --gpu t4 --train --optimizer adam --json
              memq calibrate-device && memq latency resnet18 --device cpu-local --batch 16 --measure
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: "Samples per pass. (default: 1)", transform: ArgumentTransforms.positiveInt)
    var batch: Int = 1

    @OptionGroup var latency: LatencyFlags

    @Flag(name: .long, help: "The whole training step: forward, backward and the optimizer's step.")
    var train = false

    @Flag(name: .long, help: "Time the native engine on this CPU beside the estimate (implies --device cpu-local).")
    var measure = false

    @Option(name: .long, help: "Timed runs with --measure; per-op medians. (default: 5)", transform: ArgumentTransforms.positiveInt)
    var runs: Int = 5

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        latency.add(to: &extra)
        if train { extra["train"] = .bool(true) }
        let body = try training.body(extra, forServer: server.server != nil)
        if measure {
            if server.server != nil { throw CLIError("--measure times the engine in this process; drop --server") }
            FileHandle.standardError.write(Data("memq: timing the native engine (\(runs) runs after one untimed step)...\n".utf8))
            do {
                try output.emit(try MemQService(allowFiles: true).latencyMeasured(body, runs: runs))
            } catch let error as WireError {
                throw CLIError(error.message)
            }
            return
        }
        let result = try CommandRunner.run(.latency, body: body, server: server, as: LatencyResult.self) { s, b throws(WireError) in
            try s.latency(b)
        }
        try output.emit(result)
    }
}

/// `memq calibrate-device`: measures this CPU's roofline for `--device cpu-local`.
struct CalibrateDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate-device",
        abstract: "Measure this machine's peak GEMM rate, copy bandwidth and per-op cost (the cpu-local device).",
        discussion: """
            Runs an OpenBLAS sgemm on every core, a parallel streaming copy, the native engine's smallest op and \
            its page population rates (a few seconds), then writes the cpu-local profile to $MEMQ_DEVICE_FILE, \
            else $XDG_CONFIG_HOME/memq/cpu-local.json, else ~/.config/memq/cpu-local.json, where \
            `memq latency --device cpu-local` reads it.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the profile here instead.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Print the profile as JSON.")
    var json = false

    func run() async throws {
        let url = output.map { URL(fileURLWithPath: $0) } ?? LatencyDevice.localFile()
        FileHandle.standardError.write(Data("memq: measuring this machine (a few seconds)...\n".utf8))
        let d = try MemQService.calibrateDevice(to: url)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(d), as: UTF8.self))
            return
        }
        print("""
            \(d.description)
            sgemm peak      \(String(format: "%.1f", (d.peakTFLOPS["fp32"] ?? 0) * 1000)) GFLOP/s
            copy bandwidth  \(String(format: "%.2f", d.memoryBandwidthGBps)) GB/s (read + write)
            per-op cost     \(String(format: "%.1f", d.efficiency.launchOverheadMicroseconds)) us
            fresh pages     \(String(format: "%.2f", d.allocation?.smallPagesGBps ?? 0)) GB/s (4 KiB), \(String(format: "%.2f", d.allocation?.hugePagesGBps ?? 0)) GB/s (2 MiB)
            written to \(url.path)
            """)
    }
}
