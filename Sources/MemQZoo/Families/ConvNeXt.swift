import MemQCore

/// ConvNeXt tiny/small/base/large (torchvision/models/convnext.py): layer scale 1e-6, stochastic depth rising
/// linearly over the blocks to 0.1 (tiny), 0.4 (small) or 0.5 (base, large).
enum ConvNeXt {
    struct Variant {
        let name: String
        let dims: [Int]
        let depths: [Int]
        let stochasticDepthProb: Double
    }

    static let variants: [Variant] = [
        Variant(name: "convnext_tiny", dims: [96, 192, 384, 768], depths: [3, 3, 9, 3], stochasticDepthProb: 0.1),
        Variant(name: "convnext_small", dims: [96, 192, 384, 768], depths: [3, 3, 27, 3], stochasticDepthProb: 0.4),
        Variant(name: "convnext_base", dims: [128, 256, 512, 1024], depths: [3, 3, 27, 3], stochasticDepthProb: 0.5),
        Variant(name: "convnext_large", dims: [192, 384, 768, 1536], depths: [3, 3, 27, 3], stochasticDepthProb: 0.5),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "convnext", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        let total = v.depths.reduce(0, +)
        b.scoped("features") { b in
            b.scoped("0") { b in
                x = b.conv(x, "0", out: v.dims[0], kernel: 4, stride: 4)
                x = b.layerNorm2d(x, "1")
            }
            var blockID = 0, index = 1
            for (stage, depth) in v.depths.enumerated() {
                let dim = v.dims[stage]
                b.scoped("\(index)") { b in
                    for i in 0..<depth {
                        let p = v.stochasticDepthProb * Double(blockID) / (Double(total) - 1)
                        b.block("\(i)") { b in x = cnBlock(&b, x, dim: dim, p: p) }
                        blockID += 1
                    }
                }
                index += 1
                if stage + 1 < v.depths.count {
                    b.block("\(index)") { b in
                        x = b.layerNorm2d(x, "0")
                        x = b.conv(x, "1", out: v.dims[stage + 1], kernel: 2, stride: 2)
                    }
                    index += 1
                }
            }
        }
        x = b.adaptiveAvgPool(x, "avgpool")
        b.scoped("classifier") { b in
            x = b.layerNorm2d(x, "0")
            x = b.flatten(x, "1")
            x = b.linear(x, "2", out: 1000)
        }
        return try b.build()
    }

    /// `CNBlock`: 7x7 depthwise conv, channels-last LayerNorm, Linear 4x, GELU, Linear back, channels-first,
    /// `layer_scale * ...`, stochastic depth, `result += input`.
    static func cnBlock(_ b: inout GraphBuilder, _ x: String, dim: Int, p: Double) -> String {
        var y = x
        b.scoped("block") { b in
            y = b.conv(y, "0", out: dim, kernel: 7, padding: 3, groups: dim)
            y = b.permute(y, "1", dims: [0, 2, 3, 1])
            y = b.layerNorm(y, "2")
            y = b.linear(y, "3", out: 4 * dim)
            y = b.act(y, "4", .gelu)
            y = b.linear(y, "5", out: dim)
            y = b.permute(y, "6", dims: [0, 3, 1, 2])
        }
        y = b.layerScale(y, "layer_scale", dim: 1)
        y = b.stochasticDepth(y, p: p)
        return b.sum([y, x], inplace: true)
    }
}
