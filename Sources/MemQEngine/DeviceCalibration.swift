// Measuring this machine's roofline for the `cpu-local` latency profile.
import Dispatch
import Foundation
import MemQCore

/// What `memq calibrate-device` measures: the ceilings the native engine's kernels run under on this CPU.
package struct DeviceCalibration: Sendable {
    /// `cblas_sgemm` on a `gemmSize`-square product with OpenBLAS's own threads (every core), FLOP/s, median of runs.
    package var sgemmFLOPS: Double
    package var gemmSize: Int
    /// A parallel streaming copy of `copyBytes` (read + write counted: 2 x bytes per copy), bytes/s, median of runs.
    package var copyBytesPerSecond: Double
    package var copyBytes: Int
    /// The fixed cost of one engine op: a one-element tensor allocated (its own mapping), a loop over it on the
    /// calling thread, the tensor freed; seconds, the median of many.
    package var opOverheadSeconds: Double
    /// What an op pays on top when it splits over the cores: an empty parallel loop (every kernel above
    /// `Parallel.minimumWork` hands its loop to Dispatch's threads; GEMMs of 2^20 MACs or more split the same way),
    /// its median less `opOverheadSeconds`.
    package var dispatchSeconds: Double
    /// How fast the allocator makes fresh pages resident (zero-filled): tensors under 2 MiB (4 KiB pages) and from
    /// 2 MiB on (2 MiB huge pages), bytes/s.
    package var smallPageBytesPerSecond: Double
    package var hugePageBytesPerSecond: Double
    /// The engine's own im2col + GEMM convolution on a fixed mid-network layer (batch 4, 128 -> 128 channels, 3x3,
    /// 28x28, padding 1), FLOP/s: what a compute-bound engine kernel reaches of `sgemmFLOPS`.
    package var convolutionFLOPS: Double
    /// The engine's depthwise convolution (a direct loop) on batch 4, 128 channels, 3x3, 56x56, padding 1, FLOP/s.
    package var depthwiseFLOPS: Double
    /// The engine's max pool (3x3, stride 2, padding 1 over batch 4, 64 channels, 112x112), window elements per second.
    package var poolingFLOPS: Double
    /// The engine's ReLU over 16 Mi floats (not in place; bytes read + written over the time less its output's page
    /// population): what a memory-bound engine kernel reaches of `copyBytesPerSecond`.
    package var elementwiseBytesPerSecond: Double

    /// Runs the measurements (a few seconds on two cores).
    package static func measure(gemmSize: Int = 2048, copyBytes: Int = 256 << 20) -> DeviceCalibration {
        GraphWarmUp.run()
        let gemmSeconds = median(7) { _ = GraphWarmUp.sgemmSeconds(size: gemmSize, repeats: 1) }
        let gemm = 2 * Double(gemmSize) * Double(gemmSize) * Double(gemmSize) / gemmSeconds
        let huge = populateRate(bytes: 64 << 20, repeats: 5)
        let serial = opOverhead(parallel: false)
        return DeviceCalibration(sgemmFLOPS: gemm, gemmSize: gemmSize, copyBytesPerSecond: copyRate(bytes: copyBytes),
                                 copyBytes: copyBytes, opOverheadSeconds: serial,
                                 dispatchSeconds: max(0, opOverhead(parallel: true) - serial),
                                 smallPageBytesPerSecond: populateRate(bytes: 1 << 20, repeats: 64),
                                 hugePageBytesPerSecond: huge, convolutionFLOPS: convolutionRate(),
                                 depthwiseFLOPS: convolutionRate(channels: 128, size: 56, groups: 128),
                                 poolingFLOPS: poolingRate(),
                                 elementwiseBytesPerSecond: elementwiseRate(populate: huge))
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The median wall-clock seconds of `runs` calls of `body` (the same statistic `memq latency --measure` takes of
    /// the engine's ops, so the two meet the machine's noise alike).
    static func median(_ runs: Int, _ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = now()
            body()
            samples.append(Double(now() - start) / 1e9)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Best rate of a copy between two `bytes`-sized buffers split over the cores (bytes read plus bytes written).
    static func copyRate(bytes: Int) -> Double {
        let allocator = EngineAllocator()
        let count = bytes / MemoryLayout<Float>.stride
        let a = Tensor<Float>(shape: [count], category: .temporary, allocator: allocator)
        let b = Tensor<Float>(shape: [count], category: .temporary, allocator: allocator)
        let source = UnsafePointer(a.pointer), target = b.pointer
        let seconds = median(7) {
            Parallel.perform(Parallel.coreCount) { chunk in
                let lo = chunk * count / Parallel.coreCount, hi = (chunk + 1) * count / Parallel.coreCount
                (target + lo).update(from: source + lo, count: hi - lo)
            }
        }
        return 2 * Double(count * MemoryLayout<Float>.stride) / seconds
    }

    /// Median seconds of the smallest op the engine runs: allocate, one loop (serial, or one empty chunk per core
    /// when `parallel`), free.
    static func opOverhead(parallel: Bool) -> Double {
        let allocator = EngineAllocator()
        return median(2001) {
            let t = Tensor<Float>(shape: [Parallel.coreCount], category: .activations, allocator: allocator)
            let p = t.pointer
            if parallel {
                Parallel.perform(Parallel.coreCount) { chunk in p[chunk] += 1 }
            } else {
                Parallel.forRanges(t.count) { r in for i in r { p[i] += 1 } }
            }
            withExtendedLifetime(t) {}
        }
    }

    /// FLOP/s of `conv2dForward` on a fixed 3x3 layer (batch 4, `channels` in and out, `size` square, padding 1),
    /// median of five.
    static func convolutionRate(channels: Int = 128, size: Int = 28, groups: Int = 1) -> Double {
        let allocator = EngineAllocator()
        let input = Tensor<Float>(shape: [4, channels, size, size], category: .input, allocator: allocator)
        let weight = Tensor<Float>(shape: [channels, channels / groups, 3, 3], category: .weights, allocator: allocator)
        for i in 0..<input.count { input[i] = Float(i % 13) * 0.01 }
        for i in 0..<weight.count { weight[i] = Float(i % 7) * 0.01 }
        let seconds = median(5) {
            let y = conv2dForward(input: input, weight: weight, bias: nil, options: Conv2dOptions(padding: 1, groups: groups))
            withExtendedLifetime(y) {}
        }
        return 2 * 4 * Double(channels * channels / groups * 9 * size * size) / seconds
    }

    /// Window elements per second of `maxPool2dForward` on the fixed layer, median of five.
    static func poolingRate() -> Double {
        let allocator = EngineAllocator()
        let input = Tensor<Float>(shape: [4, 64, 112, 112], category: .input, allocator: allocator)
        for i in 0..<input.count { input[i] = Float(i % 17) * 0.1 }
        let seconds = median(5) {
            let y = maxPool2dForward(input, options: Pool2dOptions(kernel: 3, stride: 2, padding: 1))
            withExtendedLifetime(y) {}
        }
        return Double(4 * 64 * 56 * 56 * 9) / seconds
    }

    /// Bytes per second `activationForward(.relu)` moves over 16 Mi floats, its output's population taken out.
    static func elementwiseRate(populate: Double) -> Double {
        let allocator = EngineAllocator()
        let count = 16 << 20, bytes = Double(count * 4)
        let input = Tensor<Float>(shape: [count], category: .input, allocator: allocator)
        let seconds = median(7) {
            let y = activationForward(input, .relu)
            withExtendedLifetime(y) {}
        }
        return 2 * bytes / max(seconds - bytes / populate, seconds / 10)
    }

    /// Bytes per second of allocating (and making resident) then freeing a `bytes` tensor, median of `repeats`.
    static func populateRate(bytes: Int, repeats: Int) -> Double {
        let allocator = EngineAllocator()
        let seconds = median(repeats) {
            let t = Tensor<Float>(shape: [bytes / 4], category: .activations, allocator: allocator)
            withExtendedLifetime(t) {}
        }
        return Double(bytes) / seconds
    }

    /// The `cpu-local` latency profile these figures make (peaks are measured rates: the efficiencies are 1).
    package func device(cpuName: String, date: String) -> LatencyDevice {
        var d = LatencyDevice(
            name: LatencyDevice.cpuLocalName, description: cpuName,
            peakTFLOPS: ["fp32": sgemmFLOPS / 1e12], memoryBandwidthGBps: copyBytesPerSecond / 1e9,
            source: "memq calibrate-device on \(date): cblas_sgemm \(gemmSize)^3 with OpenBLAS threads on \(Parallel.coreCount) cores; parallel copy of \(copyBytes >> 20) MiB",
            efficiency: LatencyEfficiency(compute: min(1, convolutionFLOPS / sgemmFLOPS), direct: min(1, depthwiseFLOPS / sgemmFLOPS),
                                          pooling: min(1, poolingFLOPS / sgemmFLOPS),
                                          memory: min(1, elementwiseBytesPerSecond / copyBytesPerSecond),
                                          launchOverheadMicroseconds: opOverheadSeconds * 1e6,
                                          dispatchMicroseconds: dispatchSeconds * 1e6),
            isCPU: true)
        d.allocation = LatencyAllocation(smallPagesGBps: smallPageBytesPerSecond / 1e9,
                                         hugePagesGBps: hugePageBytesPerSecond / 1e9, hugePageThreshold: 2 << 20)
        return d
    }
}
