import MemQCore

/// EfficientNet B0-B7 and EfficientNetV2 S/M/L (torchvision/models/efficientnet.py).
///
/// Stochastic depth (mode "row") on every residual block with `p = 0.2 * block_index / total_blocks`, SiLU throughout,
/// squeeze-and-excitation with sigmoid gating in MBConv, `result += input` in place.
enum EfficientNet {
    /// `MBConvConfig` / `FusedMBConvConfig` before width/depth scaling.
    struct Stage {
        let fused: Bool
        let expandRatio: Double
        let kernel: Int
        let stride: Int
        let input: Int
        let out: Int
        let layers: Int
    }

    struct Variant {
        let name: String
        let input: Int
        let stages: [Stage]
        let dropout: Double
        var widthMult = 1.0
        var depthMult = 1.0
        /// nil: four times the last stage's channels.
        var lastChannel: Int? = nil
    }

    static func mb(_ e: Double, _ k: Int, _ s: Int, _ i: Int, _ o: Int, _ n: Int) -> Stage {
        Stage(fused: false, expandRatio: e, kernel: k, stride: s, input: i, out: o, layers: n)
    }
    static func fused(_ e: Double, _ k: Int, _ s: Int, _ i: Int, _ o: Int, _ n: Int) -> Stage {
        Stage(fused: true, expandRatio: e, kernel: k, stride: s, input: i, out: o, layers: n)
    }

    static let v1Stages: [Stage] = [
        mb(1, 3, 1, 32, 16, 1), mb(6, 3, 2, 16, 24, 2), mb(6, 5, 2, 24, 40, 2), mb(6, 3, 2, 40, 80, 3),
        mb(6, 5, 1, 80, 112, 3), mb(6, 5, 2, 112, 192, 4), mb(6, 3, 1, 192, 320, 1),
    ]

    static let variants: [Variant] = [
        // (width, depth, dropout) per torchvision's efficientnet_bN builders; input = the weights' crop size.
        Variant(name: "efficientnet_b0", input: 224, stages: v1Stages, dropout: 0.2, widthMult: 1.0, depthMult: 1.0),
        Variant(name: "efficientnet_b1", input: 240, stages: v1Stages, dropout: 0.2, widthMult: 1.0, depthMult: 1.1),
        Variant(name: "efficientnet_b2", input: 288, stages: v1Stages, dropout: 0.3, widthMult: 1.1, depthMult: 1.2),
        Variant(name: "efficientnet_b3", input: 300, stages: v1Stages, dropout: 0.3, widthMult: 1.2, depthMult: 1.4),
        Variant(name: "efficientnet_b4", input: 380, stages: v1Stages, dropout: 0.4, widthMult: 1.4, depthMult: 1.8),
        Variant(name: "efficientnet_b5", input: 456, stages: v1Stages, dropout: 0.4, widthMult: 1.6, depthMult: 2.2),
        Variant(name: "efficientnet_b6", input: 528, stages: v1Stages, dropout: 0.5, widthMult: 1.8, depthMult: 2.6),
        Variant(name: "efficientnet_b7", input: 600, stages: v1Stages, dropout: 0.5, widthMult: 2.0, depthMult: 3.1),
        Variant(name: "efficientnet_v2_s", input: 384, stages: [
            fused(1, 3, 1, 24, 24, 2), fused(4, 3, 2, 24, 48, 4), fused(4, 3, 2, 48, 64, 4),
            mb(4, 3, 2, 64, 128, 6), mb(6, 3, 1, 128, 160, 9), mb(6, 3, 2, 160, 256, 15),
        ], dropout: 0.2, lastChannel: 1280),
        Variant(name: "efficientnet_v2_m", input: 480, stages: [
            fused(1, 3, 1, 24, 24, 3), fused(4, 3, 2, 24, 48, 5), fused(4, 3, 2, 48, 80, 5),
            mb(4, 3, 2, 80, 160, 7), mb(6, 3, 1, 160, 176, 14), mb(6, 3, 2, 176, 304, 18), mb(6, 3, 1, 304, 512, 5),
        ], dropout: 0.3, lastChannel: 1280),
        Variant(name: "efficientnet_v2_l", input: 480, stages: [
            fused(1, 3, 1, 32, 32, 4), fused(4, 3, 2, 32, 64, 7), fused(4, 3, 2, 64, 96, 7),
            mb(4, 3, 2, 96, 192, 10), mb(6, 3, 1, 192, 224, 19), mb(6, 3, 2, 224, 384, 25), mb(6, 3, 1, 384, 640, 7),
        ], dropout: 0.4, lastChannel: 1280),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "efficientnet", defaultInput: [3, v.input, v.input]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static let stochasticDepthProb = 0.2

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        // MBConvConfig scales channels with `_make_divisible(c * width, 8)` and depth with `ceil(n * depth)`;
        // FusedMBConvConfig (V2) does neither.
        let stages = v.stages.map { s in
            s.fused ? s : Stage(fused: false, expandRatio: s.expandRatio, kernel: s.kernel, stride: s.stride,
                                input: makeDivisible(Double(s.input) * v.widthMult, 8),
                                out: makeDivisible(Double(s.out) * v.widthMult, 8),
                                layers: Int((Double(s.layers) * v.depthMult).rounded(.up)))
        }
        let totalBlocks = stages.reduce(0) { $0 + $1.layers }
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        let lastIn = stages.last!.out
        let lastOut = v.lastChannel ?? 4 * lastIn
        b.scoped("features") { b in
            x = b.convNormAct(x, "0", out: stages[0].input, kernel: 3, stride: 2, act: .silu)
            var blockID = 0
            for (si, s) in stages.enumerated() {
                b.scoped("\(si + 1)") { b in
                    for i in 0..<s.layers {
                        let inCh = i == 0 ? s.input : s.out
                        let stride = i == 0 ? s.stride : 1
                        let p = stochasticDepthProb * Double(blockID) / Double(totalBlocks)
                        b.block("\(i)") { b in
                            x = s.fused ? fusedMBConv(&b, x, s, inCh: inCh, stride: stride, p: p)
                                        : mbConv(&b, x, s, inCh: inCh, stride: stride, p: p)
                        }
                        blockID += 1
                    }
                }
            }
            x = b.convNormAct(x, "\(stages.count + 1)", out: lastOut, kernel: 1, act: .silu)
        }
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        b.scoped("classifier") { b in
            x = b.dropout(x, "0", p: v.dropout, inplace: true)
            x = b.linear(x, "1", out: 1000)
        }
        return try b.build()
    }

    static func mbConv(_ b: inout GraphBuilder, _ x: String, _ s: Stage, inCh: Int, stride: Int, p: Double) -> String {
        let expanded = makeDivisible(Double(inCh) * s.expandRatio, 8)
        var y = x
        b.scoped("block") { b in
            var k = 0
            if expanded != inCh { y = b.convNormAct(y, "0", out: expanded, kernel: 1, act: .silu); k = 1 }
            y = b.convNormAct(y, "\(k)", out: expanded, kernel: s.kernel, stride: stride, groups: expanded, act: .silu)
            y = b.squeezeExcitation(y, "\(k + 1)", channels: expanded, squeeze: max(1, inCh / 4), activation: .silu, inplace: true)
            y = b.convNormAct(y, "\(k + 2)", out: s.out, kernel: 1, act: nil)
        }
        return residual(&b, x, y, useResidual: stride == 1 && inCh == s.out, p: p)
    }

    static func fusedMBConv(_ b: inout GraphBuilder, _ x: String, _ s: Stage, inCh: Int, stride: Int, p: Double) -> String {
        let expanded = makeDivisible(Double(inCh) * s.expandRatio, 8)
        var y = x
        b.scoped("block") { b in
            if expanded != inCh {
                y = b.convNormAct(y, "0", out: expanded, kernel: s.kernel, stride: stride, act: .silu)
                y = b.convNormAct(y, "1", out: s.out, kernel: 1, act: nil)
            } else {
                y = b.convNormAct(y, "0", out: s.out, kernel: s.kernel, stride: stride, act: .silu)
            }
        }
        return residual(&b, x, y, useResidual: stride == 1 && inCh == s.out, p: p)
    }

    static func residual(_ b: inout GraphBuilder, _ x: String, _ y: String, useResidual: Bool, p: Double) -> String {
        guard useResidual else { return y }
        let dropped = b.stochasticDepth(y, p: p)
        return b.sum([dropped, x], inplace: true)
    }
}
