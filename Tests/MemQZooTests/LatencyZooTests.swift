import Testing
@testable import MemQCore
@testable import MemQZoo

/// The design notes' claim on real architectures: parameters, FLOPs and speed do not move together.
@Suite struct LatencyZooTests {
    /// A plain 3x3 conv net with MobileNetV2's FLOPs: conv-bn-relu blocks 3->32 (s2), 32->64 (s2), 64->128 (s2),
    /// 128->256 (s2), 256->256 at 224x224, pool, fc 256->1000. MACs 112^2*32*27 + 56^2*64*288 + 28^2*128*576 +
    /// 14^2*256*1152 + 14^2*256*2304 + 256*1000 = 10,838,016 + 3 * 57,802,752 + 115,605,504 + 256,000 = 300,107,776,
    /// against MobileNetV2's 300,774,272 (torchvision: 0.30 GFLOPS) - within 0.3%.
    static func plainNet() throws -> ModelAnalysis {
        var b = GraphBuilder(name: "plain")
        var x = b.input(shape: [3, 224, 224])
        for (k, (out, stride)) in [(32, 2), (64, 2), (128, 2), (256, 2), (256, 1)].enumerated() {
            x = b.conv(x, "conv\(k)", out: out, kernel: 3, stride: stride, padding: 1, bias: false)
            x = b.batchNorm(x, "bn\(k)")
            x = b.relu(x, "relu\(k)")
        }
        x = b.adaptiveAvgPool(x)
        x = b.flatten(x)
        _ = b.linear(x, "fc", out: 1000)
        return try ModelAnalysis(try b.build())
    }

    @Test func mobileNetV2IsMoreMemoryBoundThanAPlainNetOfTheSameFLOPs() throws {
        let plain = try Self.plainNet()
        let mobile = try ModelAnalysis(try #require(Zoo.entry(named: "mobilenet_v2")).build([3, 224, 224]))
        #expect(plain.macs == 300_107_776)
        #expect(abs(Double(mobile.macs) / Double(plain.macs) - 1) < 0.01)
        for gpu in ["t4", "a100-40gb"] {
            let roofline = Roofline(device: try LatencyDevice(gpu: try #require(GPUProfile.named(gpu))))
            let p = roofline.estimate(plain, batch: 32), m = roofline.estimate(mobile, batch: 32)
            func convs(_ e: LatencyEstimate, _ bound: LatencyBound) -> Int {
                e.layers.filter { $0.op == "conv2d" && $0.bound == bound }.count
            }
            func memoryShare(_ e: LatencyEstimate) -> Double {
                e.layers.filter { $0.bound == LatencyBound.memory }.reduce(0) { $0 + $1.seconds } / e.forwardSeconds
            }
            // MobileNetV2's 17 depthwise convolutions are memory-bound on both parts.
            #expect(convs(m, LatencyBound.memory) >= 17, "\(gpu)")
            #expect(convs(m, LatencyBound.memory) > convs(p, LatencyBound.memory), "\(gpu)")
            #expect(m.count(LatencyBound.memory) > p.count(LatencyBound.memory), "\(gpu)")
            #expect(memoryShare(m) > memoryShare(p), "\(gpu)")
            // Same FLOPs, slower: the extra bytes cost more than the FLOPs saved.
            #expect(m.forwardSeconds > p.forwardSeconds, "\(gpu)")
        }
        // Its first depthwise convolution by hand: 112^2 * 32 * 9 = 3,612,672 MACs over (401,408 + 401,408 + 288)
        // * 4 = 3,212,416 bytes per image: 2.25 FLOP/B, a tenth of a T4's ridge (8.1e12 / 320e9 = 25.3).
        let t4 = Roofline(device: try LatencyDevice(gpu: try #require(GPUProfile.named("t4")))).estimate(mobile, batch: 1)
        let dw = try #require(t4.layers.first { $0.name == "features.1.conv.0.0" })
        #expect(dw.flops == 2 * 3_612_672 && dw.bytes == 3_212_416 && dw.bound == LatencyBound.memory)
    }
}
