import MemQCore

/// Swin Transformer T/S/B and Swin V2 T/S/B (torchvision/models/swin_transformer.py).
///
/// Activations are channels-last `[H, W, C]` per sample, as in torchvision. Window attention partitions into
/// `[windows, w*w, C]` and runs one `Attention` over the windows; its learned extras ride in `extraParams`:
/// V1's relative position bias table `(2w-1)^2 x heads`; V2's logit scale (`heads`) and continuous position bias MLP
/// (`Linear(2, 512)` with bias, `Linear(512, heads)` without). Shifted blocks `roll` the padded map by half a window
/// before the partition and back after the merge (`torch.roll`: a copy each way, nothing saved for backward).
/// Not modelled (no op for them): the -100 attention mask and V2's cosine normalisation of q and k (both inside
/// the attention's elementwise work).
enum SwinTransformer {
    struct Variant {
        let name: String
        let embedDim: Int
        let depths: [Int]
        let heads: [Int]
        let window: Int
        let stochasticDepthProb: Double
        let v2: Bool
        let input: Int
    }

    static let variants: [Variant] = [
        Variant(name: "swin_t", embedDim: 96, depths: [2, 2, 6, 2], heads: [3, 6, 12, 24], window: 7, stochasticDepthProb: 0.2, v2: false, input: 224),
        Variant(name: "swin_s", embedDim: 96, depths: [2, 2, 18, 2], heads: [3, 6, 12, 24], window: 7, stochasticDepthProb: 0.3, v2: false, input: 224),
        Variant(name: "swin_b", embedDim: 128, depths: [2, 2, 18, 2], heads: [4, 8, 16, 32], window: 7, stochasticDepthProb: 0.5, v2: false, input: 224),
        Variant(name: "swin_v2_t", embedDim: 96, depths: [2, 2, 6, 2], heads: [3, 6, 12, 24], window: 8, stochasticDepthProb: 0.2, v2: true, input: 256),
        Variant(name: "swin_v2_s", embedDim: 96, depths: [2, 2, 18, 2], heads: [3, 6, 12, 24], window: 8, stochasticDepthProb: 0.3, v2: true, input: 256),
        Variant(name: "swin_v2_b", embedDim: 128, depths: [2, 2, 18, 2], heads: [4, 8, 16, 32], window: 8, stochasticDepthProb: 0.5, v2: true, input: 256),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "swin", defaultInput: [3, v.input, v.input]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        guard input.count == 3 else {
            throw .invalidValue(node: "input", field: "shape", message: "\(v.name) expects C x H x W, got \(input)")
        }
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        var h = (input[1] - 4) / 4 + 1, w = (input[2] - 4) / 4 + 1
        let total = v.depths.reduce(0, +)
        var blockID = 0
        b.scoped("features") { b in
            b.scoped("0") { b in
                x = b.conv(x, "0", out: v.embedDim, kernel: 4, stride: 4)
                x = b.permute(x, "1", dims: [0, 2, 3, 1])
                x = b.layerNorm(x, "2")
            }
            var index = 1
            for (stage, depth) in v.depths.enumerated() {
                let dim = v.embedDim << stage
                b.scoped("\(index)") { b in
                    for i in 0..<depth {
                        let p = v.stochasticDepthProb * Double(blockID) / Double(total - 1)
                        b.block("\(i)") { b in
                            x = block(&b, x, v, dim: dim, heads: v.heads[stage], h: h, w: w, shifted: i % 2 == 1, p: p)
                        }
                        blockID += 1
                    }
                }
                index += 1
                if stage + 1 < v.depths.count {
                    b.block("\(index)") { b in x = patchMerging(&b, x, dim: dim, h: h, w: w, v2: v.v2) }
                    h = (h + 1) / 2; w = (w + 1) / 2
                    index += 1
                }
            }
        }
        x = b.layerNorm(x, "norm")
        x = b.permute(x, "permute", dims: [0, 3, 1, 2])
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        x = b.linear(x, "head", out: 1000)
        return try b.build()
    }

    /// V1: `x + sd(attn(norm1(x)))`, `x + sd(mlp(norm2(x)))`. V2 (res-post-norm): `x + sd(norm1(attn(x)))`, ...
    static func block(_ b: inout GraphBuilder, _ x: String, _ v: Variant, dim: Int, heads: Int, h: Int, w: Int,
                      shifted: Bool, p: Double) -> String {
        var y = v.v2 ? x : b.layerNorm(x, "norm1")
        y = windowAttention(&b, y, v, dim: dim, heads: heads, h: h, w: w, shifted: shifted)
        if v.v2 { y = b.layerNorm(y, "norm1") }
        y = b.stochasticDepth(y, p: p)
        let mid = b.sum([x, y])
        y = v.v2 ? mid : b.layerNorm(mid, "norm2")
        b.scoped("mlp") { b in
            y = b.linear(y, "0", out: 4 * dim)
            y = b.act(y, "1", .gelu)
            y = b.dropout(y, "2", p: 0)
            y = b.linear(y, "3", out: dim)
            y = b.dropout(y, "4", p: 0)
        }
        if v.v2 { y = b.layerNorm(y, "norm2") }
        y = b.stochasticDepth(y, "stochastic_depth", p: p)
        return b.sum([mid, y])
    }

    /// `shifted_window_attention`: pad H and W to multiples of the window, in shifted blocks roll the map by half a
    /// window (along each axis the window does not already cover), partition into windows, attention, merge the
    /// windows back, roll back, crop.
    static func windowAttention(_ b: inout GraphBuilder, _ x: String, _ v: Variant, dim: Int, heads: Int, h: Int,
                                w: Int, shifted: Bool) -> String {
        let ws = v.window
        let padB = (ws - h % ws) % ws, padR = (ws - w % ws) % ws
        let ph = h + padB, pw = w + padR
        // torchvision: shift_size = window // 2, set to 0 along an axis where window_size >= the padded size.
        let shiftH = shifted && ws < ph ? ws / 2 : 0, shiftW = shifted && ws < pw ? ws / 2 : 0
        let rolls = shiftH + shiftW > 0
        let extra = v.v2 ? heads + (2 * 512 + 512) + 512 * heads : (2 * ws - 1) * (2 * ws - 1) * heads
        return b.scoped("attn") { b in
            var y = padBottomRight(&b, x, bottom: padB, right: padR)
            if rolls { y = b.add("roll", .roll(shifts: [-shiftH, -shiftW], dims: [1, 2]), [y]) }
            y = b.reshape(y, "partition", shape: [ph / ws, ws, pw / ws, ws, dim])
            y = b.permute(y, "partition_permute", dims: [0, 1, 3, 2, 4, 5])
            y = b.reshape(y, "windows", shape: [(ph / ws) * (pw / ws), ws * ws, dim])
            y = b.attention(y, "attention", Attention(embedDim: dim, heads: heads, extraParams: extra))
            y = b.reshape(y, "departition", shape: [ph / ws, pw / ws, ws, ws, dim])
            y = b.permute(y, "departition_permute", dims: [0, 1, 3, 2, 4, 5])
            y = b.reshape(y, "merge", shape: [ph, pw, dim])
            if rolls { y = b.add("roll_back", .roll(shifts: [shiftH, shiftW], dims: [1, 2]), [y]) }
            if padB > 0 { y = b.add("crop_h", .split(Split(sizes: [h, padB], index: 0, dim: 1)), [y]) }
            if padR > 0 { y = b.add("crop_w", .split(Split(sizes: [w, padR], index: 0, dim: 2)), [y]) }
            return y
        }
    }

    /// `F.pad` of a channels-last map at the bottom and right (through channels-first, where `pad2d` works).
    static func padBottomRight(_ b: inout GraphBuilder, _ x: String, bottom: Int, right: Int) -> String {
        guard bottom > 0 || right > 0 else { return x }
        var y = b.permute(x, "pad_permute_in", dims: [0, 3, 1, 2])
        y = b.add("pad", .pad2d([0, right, 0, bottom]), [y])
        return b.permute(y, "pad_permute_out", dims: [0, 2, 3, 1])
    }

    /// `PatchMerging` (V1: concat the four 2x2 phases, LayerNorm(4C), Linear 4C -> 2C without bias) and
    /// `PatchMergingV2` (Linear first, then LayerNorm(2C)).
    static func patchMerging(_ b: inout GraphBuilder, _ x: String, dim: Int, h: Int, w: Int, v2: Bool) -> String {
        let y = padBottomRight(&b, x, bottom: h % 2, right: w % 2)
        let ph = h + h % 2, pw = w + w % 2
        let grid = b.reshape(y, "phases", shape: [ph / 2, 2, pw / 2, 2, dim])
        // x0 = x[0::2, 0::2], x1 = x[1::2, 0::2], x2 = x[0::2, 1::2], x3 = x[1::2, 1::2]
        let phases = [(0, 0), (1, 0), (0, 1), (1, 1)].enumerated().map { k, offset in
            let row = b.select(grid, "x\(k)_row", dim: 2, index: offset.0)
            return b.select(row, "x\(k)", dim: 3, index: offset.1)
        }
        var out = b.concat(phases, "cat", dim: -1)
        if v2 {
            out = b.linear(out, "reduction", out: 2 * dim, bias: false)
            return b.layerNorm(out, "norm")
        }
        out = b.layerNorm(out, "norm")
        return b.linear(out, "reduction", out: 2 * dim, bias: false)
    }
}
