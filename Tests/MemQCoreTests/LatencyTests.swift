import Foundation
import Testing
@testable import MemQCore

/// The roofline model against numbers worked out by hand, and the design notes' claims about speed.
@Suite struct LatencyTests {
    private func analyze(_ input: [Int], _ build: (inout GraphBuilder, String) -> String) throws -> ModelAnalysis {
        var b = GraphBuilder(name: "t")
        let x = b.input(shape: input)
        _ = build(&b, x)
        return try ModelAnalysis(try b.build())
    }

    private func gpu(_ name: String) throws -> LatencyDevice {
        try LatencyDevice(gpu: try #require(GPUProfile.named(name)))
    }

    /// ShuffleNetV2 guideline G1 (design notes 001): a 1x1 convolution over h x w with c1 inputs and c2 outputs has
    /// B = h*w*c1*c2 FLOPs and MAC = h*w*(c1 + c2) + c1*c2; for fixed B, MAC is smallest at c1 = c2.
    /// h = w = 56, B = 56*56*128*128: (c1, c2) = (128, 128) gives 3136*256 + 16384 = 819,200 elements;
    /// (64, 256) and (256, 64) give 3136*320 + 16384 = 1,019,904; (32, 512) gives 3136*544 + 16384 = 1,722,368.
    @Test(arguments: [(128, 128, 819_200), (64, 256, 1_019_904), (256, 64, 1_019_904), (32, 512, 1_722_368)])
    func shuffleNetG1(c1: Int, c2: Int, elements: Int) throws {
        let a = try analyze([c1, 56, 56]) { b, x in b.conv(x, "conv", out: c2, kernel: 1, bias: false) }
        #expect(a.layers[1].macs == 56 * 56 * 128 * 128)
        #expect(a.layers[1].memoryAccessBytes(batch: 1, dtype: .float32) == elements * 4)
        let e = Roofline(device: try gpu("t4")).estimate(a, batch: 1)
        #expect(e.layers[1].bytes == Double(elements * 4))
        // Equal FLOPs, so the balanced layer is the fastest whenever it is bound by memory (it is on a T4:
        // 2*51,380,224 / 3,276,800 = 31.4 FLOP/B against a ridge of 8.1e12 / 320e9 = 25.3 for (128, 128) is
        // compute-bound; the memory times still order as the MACs).
        let balanced = 819_200.0 * 4 / (320e9 * 0.8)
        #expect(abs(e.layers[1].memorySeconds - balanced * Double(elements) / 819_200) < 1e-12)
    }

    /// A standard 3x3 convolution against its depthwise-separable replacement, 128 -> 128 channels at 56x56 (padding 1):
    /// standard 56*56*128*128*9 = 462,422,016 MACs over 401,408 + 401,408 + 147,456 = 950,272 elements moved;
    /// separable 56*56*128*9 + 56*56*128*128 = 3,612,672 + 51,380,224 = 54,992,896 MACs over
    /// (401,408 * 2 + 1,152) + (401,408 * 2 + 16,384) = 1,623,168 elements. Fewer FLOPs, more bytes per FLOP:
    /// 2 * 462,422,016 / (950,272 * 4) = 243.3 FLOP/B against 2 * 54,992,896 / (1,623,168 * 4) = 16.9; the
    /// depthwise layer alone 2 * 3,612,672 / (803,968 * 4) = 2.25, far below a T4's ridge (25.3): memory-bound.
    @Test func depthwiseSeparableIsLessIntense() throws {
        let standard = try analyze([128, 56, 56]) { b, x in b.conv(x, "conv", out: 128, kernel: 3, padding: 1, bias: false) }
        let separable = try analyze([128, 56, 56]) { b, x in
            let d = b.conv(x, "dw", out: 128, kernel: 3, padding: 1, groups: 128, bias: false)
            return b.conv(d, "pw", out: 128, kernel: 1, bias: false)
        }
        let roofline = Roofline(device: try gpu("t4"))
        let s = roofline.estimate(standard, batch: 1), p = roofline.estimate(separable, batch: 1)
        let sFlops = s.layers.reduce(0) { $0 + $1.flops }, sBytes = s.layers.reduce(0) { $0 + $1.bytes }
        let pFlops = p.layers.reduce(0) { $0 + $1.flops }, pBytes = p.layers.reduce(0) { $0 + $1.bytes }
        #expect(sFlops == 2 * 462_422_016 && sBytes == 950_272 * 4)
        #expect(pFlops == 2 * 54_992_896 && pBytes == 1_623_168 * 4)
        #expect(pFlops < sFlops && pBytes / pFlops > sBytes / sFlops)
        let depthwiseIntensity = try #require(p.layers[1].arithmeticIntensity)
        let handIntensity: Double = 2.0 * 3_612_672 / (803_968.0 * 4)
        #expect(abs(depthwiseIntensity - handIntensity) < 1e-9)
        #expect(p.layers[1].bound == .memory && s.layers[1].bound == .compute)
        let ridge: Double = 8.1e12 / 320e9
        #expect(abs(s.ridgeFLOPsPerByte - ridge) < 1e-9)
    }

    /// One linear layer, 1024 -> 4096 without bias, batch 256 on an A100-40GB (spec sheet: 19.5 TFLOP/s fp32,
    /// 312 bf16, 1,555 GB/s) with the GPU defaults (compute 0.6, memory 0.8, 5 us per kernel):
    /// FLOPs 2*256*1024*4096 = 2,147,483,648; fp32 bytes (262,144 + 1,048,576 + 4,194,304) * 4 = 22,020,096.
    /// fp32: compute 2,147,483,648 / (19.5e12 * 0.6) = 183.54 us, memory 22,020,096 / (1,555e9 * 0.8) = 17.70 us,
    /// so 188.54 us, compute-bound; bf16: 2,147,483,648 / (312e12 * 0.6) = 11.47 us against 8.85 us, 16.47 us.
    @Test func linearOnA100ByHand() throws {
        let a = try analyze([1024]) { b, x in b.linear(x, "fc", out: 4096, bias: false) }
        let roofline = Roofline(device: try gpu("a100-40gb"))
        let fp32 = roofline.estimate(a, batch: 256).layers[1]
        #expect(fp32.flops == 2_147_483_648 && fp32.bytes == 22_020_096)
        #expect(fp32.peakKey == "fp32" && fp32.bound == .compute && fp32.kernels == 1)
        #expect(abs(fp32.seconds - (2_147_483_648 / (19.5e12 * 0.6) + 5e-6)) < 1e-12)
        #expect(abs(fp32.memorySeconds - 22_020_096 / (1555e9 * 0.8)) < 1e-12)
        let bf16 = roofline.estimate(a, batch: 256, dtype: .bf16).layers[1]
        #expect(bf16.peakKey == "bf16" && bf16.bytes == 11_010_048)
        #expect(abs(bf16.seconds - (2_147_483_648 / (312e12 * 0.6) + 5e-6)) < 1e-12)
        // allow_tf32 moves the fp32 product onto the tensor cores (156 TFLOP/s).
        let tf32 = Roofline(device: try gpu("a100-40gb"), allowTF32Matmul: true).estimate(a, batch: 256).layers[1]
        #expect(tf32.peakKey == "tf32" && abs(tf32.computeSeconds - 2_147_483_648 / (156e12 * 0.6)) < 1e-12)
        // The input launches nothing; FPS = batch / forward latency.
        let e = roofline.estimate(a, batch: 256)
        #expect(e.layers[0].kernels == 0 && e.layers[0].seconds == 0)
        #expect(abs(e.forwardFPS - 256 / fp32.seconds) < 1e-6)
    }

    /// Training adds the backward of the same layer (grad_weight only: the graph input needs no gradient) and the
    /// optimizer: Adam over 4,194,304 fp32 weights with foreach on a GPU runs 7 element-wise operations
    /// (torch/optim/adam.py), each reading two operands and writing one: 7 * 3 * 4,194,304 * 4 = 352,321,536 bytes,
    /// plus the two state tensors read and written: 2 * (2 * 4,194,304 * 4) = 67,108,864; 419,430,400 in all, in
    /// 7 launches (one tensor: one chunk of multi_tensor_apply's 36 at depth 4).
    @Test func trainingStepByHand() throws {
        let a = try analyze([1024]) { b, x in b.linear(x, "fc", out: 4096, bias: false) }
        let e = Roofline(device: try gpu("a100-40gb")).estimate(a, batch: 256, train: true, optimizer: .adam)
        let backward = e.layers.filter { $0.phase == .backward }
        #expect(backward.count == 1)
        #expect(backward[0].flops == 2_147_483_648 && backward[0].kernels == 1)
        // grad_output (1,048,576) + input (262,144) + weight gradient (4,194,304) elements.
        #expect(backward[0].bytes == Double((1_048_576 + 262_144 + 4_194_304) * 4))
        let step = try #require(e.layers.last)
        #expect(step.phase == .optimizer && step.bytes == 419_430_400 && step.kernels == 7 && step.bound == .memory)
        #expect(abs(e.seconds - (e.forwardSeconds + e.backwardSeconds + e.optimizerSeconds)) < 1e-15)
        #expect(abs(try #require(e.trainSamplesPerSecond) - 256 / e.seconds) < 1e-6)
    }

    /// Max pooling 3x3 / 2 over 64 x 112 x 112 (padding 1): 64 * 56 * 56 = 200,704 outputs, 9 comparisons each =
    /// 1,806,336 operations at the pooling efficiency; a depthwise 3x3 conv's FLOPs at the direct one, a dense
    /// conv's at the compute one. Halving one factor doubles only its kernels' compute time.
    @Test func kernelClassesHaveTheirOwnEfficiency() throws {
        let a = try analyze([64, 112, 112]) { b, x in
            let p = b.add("pool", .maxPool2d(Pool2d(kernel: Pair(3), stride: Pair(2), padding: Pair(1))), [x])
            let d = b.conv(p, "dw", out: 64, kernel: 3, padding: 1, groups: 64, bias: false)
            return b.conv(d, "pw", out: 64, kernel: 3, padding: 1, bias: false)
        }
        let device = try gpu("t4")
        let base = Roofline(device: device).estimate(a, batch: 1)
        #expect(base.layers[1].flops == 1_806_336)
        var e = device.efficiency
        e.pooling /= 2
        let slowPool = Roofline(device: device, efficiency: e).estimate(a, batch: 1)
        #expect(abs(slowPool.layers[1].computeSeconds - 2 * base.layers[1].computeSeconds) < 1e-15)
        #expect(slowPool.layers[2].computeSeconds == base.layers[2].computeSeconds)
        e = device.efficiency
        e.direct /= 2
        let slowDirect = Roofline(device: device, efficiency: e).estimate(a, batch: 1)
        #expect(abs(slowDirect.layers[2].computeSeconds - 2 * base.layers[2].computeSeconds) < 1e-15)
        #expect(slowDirect.layers[3].computeSeconds == base.layers[3].computeSeconds)
        // A profile written before the direct and pooling factors existed reads them as the compute factor.
        let old = Data(#"{"compute": 0.5, "memory": 0.7, "launch_overhead_us": 3}"#.utf8)
        let decoded = try JSONDecoder().decode(LatencyEfficiency.self, from: old)
        #expect(decoded.direct == 0.5 && decoded.pooling == 0.5 && decoded.memory == 0.7)
    }

    /// Spearman's rho on hand-ranked pairs: identical order 1, reversed -1, one swap of five 0.9
    /// (1 - 6 * 2 / (5 * 24)).
    @Test func rankCorrelation() {
        func rho(_ a: [Double], _ b: [Double]) -> Double? { RankCorrelation.spearman(Array(zip(a, b))) }
        #expect(rho([1, 2, 3], [10, 20, 30]) == 1)
        #expect(rho([1, 2, 3], [30, 20, 10]) == -1)
        #expect(abs((rho([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]) ?? 0) - 0.9) < 1e-12)
    }

    /// Factors out of range and GPUs without speed figures are errors naming what is wrong.
    @Test func badInputs() throws {
        #expect(throws: LatencyError.badFactor(name: "compute-efficiency", value: 1.5, valid: "a fraction above 0 and at most 1")) {
            try LatencyEfficiency(compute: 1.5, memory: 0.8, launchOverheadMicroseconds: 5).validated()
        }
        #expect(throws: LatencyError.self) {
            try LatencyEfficiency(compute: 0.5, memory: 0.8, launchOverheadMicroseconds: -1).validated()
        }
        let bare = GPUProfile(name: "x1", description: "X", memoryBytes: 1 << 30, contextBytes: 0, cublasWorkspaceBytes: 0,
                              cudnnWorkspaceBytes: 0)
        #expect(throws: LatencyError.noSpeedFigures(gpu: "x1")) { try LatencyDevice(gpu: bare) }
        let missing = URL(fileURLWithPath: "/nonexistent/memq/cpu-local.json")
        #expect(throws: LatencyError.notCalibrated(path: missing.path)) { try LatencyDevice.readLocal(from: missing) }
        #expect(LatencyError.notCalibrated(path: "/p").description.contains("memq calibrate-device"))
    }

    /// Every catalogued GPU has the figures the roofline needs, with an fp32 rate and a cited source.
    @Test func everyGPUHasSpeedFigures() throws {
        for p in GPUProfile.builtIn {
            let d = try LatencyDevice(gpu: p)
            #expect(d.memoryBandwidthGBps > 0 && (d.peakTFLOPS["fp32"] ?? 0) > 0)
            #expect(d.source.hasPrefix("https://"))
        }
    }

    /// The local profile's path: MEMQ_DEVICE_FILE, else XDG_CONFIG_HOME, else ~/.config.
    @Test func localProfilePath() {
        #expect(LatencyDevice.localFile(environment: ["MEMQ_DEVICE_FILE": "/a/b.json"]).path == "/a/b.json")
        #expect(LatencyDevice.localFile(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]).path == "/x/memq/cpu-local.json")
        #expect(LatencyDevice.localFile(environment: ["HOME": "/h"]).path == "/h/.config/memq/cpu-local.json")
    }
}
