import MemQCore

/// MaxViT-T (torchvision/models/maxvit.py): a conv stem, then blocks of MaxViT layers, each an MBConv (with
/// squeeze-excitation) followed by window attention and grid attention over 7x7 partitions, with relative position
/// bias tables `(2*7-1)^2 x heads` (in the attention's `extraParams`). Stochastic depth rises linearly over the 11
/// layers from 0 to 0.2 (`np.linspace`).
enum MaxViT {
    struct Variant {
        let name: String
        let stemChannels: Int
        let blockChannels: [Int]
        let blockLayers: [Int]
        let headDim: Int
        let stochasticDepthProb: Double
        let partitionSize: Int
    }

    static let variants: [Variant] = [
        Variant(name: "maxvit_t", stemChannels: 64, blockChannels: [64, 128, 256, 512], blockLayers: [2, 2, 5, 2],
                headDim: 32, stochasticDepthProb: 0.2, partitionSize: 7),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "maxvit", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        guard input.count == 3 else {
            throw .invalidValue(node: "input", field: "shape", message: "\(v.name) expects C x H x W, got \(input)")
        }
        func down(_ s: Int) -> Int { (s - 3 + 2) / 2 + 1 }
        var h = down(input[1]), w = down(input[2])
        // torchvision refuses sizes whose block inputs are not divisible by the partition size.
        var (ch, cw) = (h, w)
        for _ in v.blockChannels {
            (ch, cw) = (down(ch), down(cw))
            guard ch % v.partitionSize == 0, cw % v.partitionSize == 0 else {
                throw .invalidValue(node: "input", field: "shape",
                                    message: "\(v.name) needs every block's input divisible by the partition size \(v.partitionSize); \(input[1])x\(input[2]) gives \(ch)x\(cw) (224x224 works)")
            }
        }
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        b.scoped("stem") { b in
            x = b.convNormAct(x, "0", out: v.stemChannels, kernel: 3, stride: 2, act: .gelu, inplace: false, bias: false)
            x = b.convNormAct(x, "1", out: v.stemChannels, kernel: 3, norm: false, act: nil, bias: true)
        }
        let totalLayers = v.blockLayers.reduce(0, +)
        var layerID = 0
        var inChannels = v.stemChannels
        b.scoped("blocks") { b in
            for (i, (out, layers)) in zip(v.blockChannels, v.blockLayers).enumerated() {
                h = down(h); w = down(w)
                b.scoped("\(i)") { b in
                    b.scoped("layers") { b in
                        for j in 0..<layers {
                            // np.linspace(0, p, total)[k] = p * k / (total - 1)
                            let p = v.stochasticDepthProb * Double(layerID) / Double(totalLayers - 1)
                            b.block("\(j)") { b in
                                b.scoped("layers") { b in
                                    x = mbConv(&b, x, inChannels: j == 0 ? inChannels : out, out: out,
                                               stride: j == 0 ? 2 : 1, p: p)
                                    x = partitionAttention(&b, x, "window_attention", v, channels: out, h: h, w: w,
                                                           grid: false, p: p)
                                    x = partitionAttention(&b, x, "grid_attention", v, channels: out, h: h, w: w,
                                                           grid: true, p: p)
                                }
                            }
                            layerID += 1
                        }
                    }
                }
                inChannels = out
            }
        }
        let last = v.blockChannels.last!
        b.scoped("classifier") { b in
            x = b.adaptiveAvgPool(x, "0")
            x = b.flatten(x, "1")
            x = b.layerNorm(x, "2")
            x = b.linear(x, "3", out: last)
            x = b.act(x, "4", .tanh)
            x = b.linear(x, "5", out: 1000, bias: false)
        }
        return try b.build()
    }

    /// `MBConv`: `proj(x) + sd(layers(x))`; proj is a 3x3/2 average pool and a biased 1x1 conv when the shape
    /// changes; layers are BatchNorm, 1x1 expand (x4) + BN + GELU, 3x3 depthwise + BN + GELU, SE (SiLU, 0.25 of
    /// the output channels), biased 1x1 conv.
    static func mbConv(_ b: inout GraphBuilder, _ x: String, inChannels: Int, out: Int, stride: Int, p: Double) -> String {
        b.scoped("MBconv") { b in
            var res = x
            if stride != 1 || inChannels != out {
                b.scoped("proj") { b in
                    var k = 0
                    if stride == 2 { res = b.avgPool(res, "0", kernel: 3, stride: 2, padding: 1); k = 1 }
                    res = b.conv(res, "\(k)", out: out, kernel: 1)
                }
            }
            let mid = out * 4
            var y = x
            b.scoped("layers") { b in
                y = b.batchNorm(y, "pre_norm")
                y = b.convNormAct(y, "conv_a", out: mid, kernel: 1, act: .gelu, inplace: false)
                y = b.convNormAct(y, "conv_b", out: mid, kernel: 3, stride: stride, groups: mid, act: .gelu, inplace: false)
                y = b.squeezeExcitation(y, "squeeze_excitation", channels: mid, squeeze: out / 4, activation: .silu)
                y = b.conv(y, "conv_c", out: out, kernel: 1)
            }
            y = b.stochasticDepth(y, p: p)
            return b.sum([res, y])
        }
    }

    /// `PartitionAttentionLayer`: partition `[C, H, W]` into `[groups, 49, C]` (window: 7x7 windows; grid: a 7x7
    /// grid of dilated cells, then swap the two leading axes), pre-norm attention and MLP with residuals, departition.
    static func partitionAttention(_ b: inout GraphBuilder, _ x: String, _ local: String, _ v: Variant, channels: Int,
                                   h: Int, w: Int, grid: Bool, p: Double) -> String {
        let size = v.partitionSize
        let part = grid ? h / size : size          // torchvision's `self.p`
        let heads = channels / v.headDim
        return b.scoped(local) { b in
            // WindowPartition: reshape (C, H/P, P, W/P, P), permute to (H/P, W/P, P, P, C), reshape (G, P*P, C).
            var y = b.reshape(x, "partition", shape: [channels, h / part, part, w / part, part])
            y = b.permute(y, "partition_permute", dims: [0, 2, 4, 3, 5, 1])
            y = b.reshape(y, "partition_reshape", shape: [(h / part) * (w / part), part * part, channels])
            if grid { y = b.transpose(y, "partition_swap", -2, -3) }
            var a = y
            b.scoped("attn_layer") { b in
                a = b.layerNorm(a, "0")
                a = b.attention(a, "1", Attention(embedDim: channels, heads: heads, headDim: v.headDim,
                                                  extraParams: (2 * size - 1) * (2 * size - 1) * heads))
                a = b.dropout(a, "2", p: 0)
            }
            a = b.stochasticDepth(a, "stochastic_dropout", p: p)
            y = b.sum([y, a])
            var m = y
            b.scoped("mlp_layer") { b in
                m = b.layerNorm(m, "0")
                m = b.linear(m, "1", out: channels * 4)
                m = b.act(m, "2", .gelu)
                m = b.linear(m, "3", out: channels)
                m = b.dropout(m, "4", p: 0)
            }
            m = b.stochasticDepth(m, "stochastic_dropout", p: p)
            y = b.sum([y, m])
            if grid { y = b.transpose(y, "departition_swap", -2, -3) }
            // WindowDepartition: reshape (H/P, W/P, P, P, C), permute to (C, H/P, P, W/P, P), reshape (C, H, W).
            y = b.reshape(y, "departition", shape: [h / part, w / part, part, part, channels])
            y = b.permute(y, "departition_permute", dims: [0, 5, 1, 3, 2, 4])
            return b.reshape(y, "departition_reshape", shape: [channels, h, w])
        }
    }
}
