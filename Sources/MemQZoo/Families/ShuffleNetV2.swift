import MemQCore

/// ShuffleNet V2 x0.5 to x2.0 (torchvision/models/shufflenetv2.py).
enum ShuffleNetV2 {
    struct Variant {
        let name: String
        /// conv1, stage2, stage3, stage4, conv5 output channels.
        let channels: [Int]
        var repeats = [4, 8, 4]
    }

    static let variants: [Variant] = [
        Variant(name: "shufflenet_v2_x0_5", channels: [24, 48, 96, 192, 1024]),
        Variant(name: "shufflenet_v2_x1_0", channels: [24, 116, 232, 464, 1024]),
        Variant(name: "shufflenet_v2_x1_5", channels: [24, 176, 352, 704, 1024]),
        Variant(name: "shufflenet_v2_x2_0", channels: [24, 244, 488, 976, 2048]),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "shufflenet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        b.scoped("conv1") { b in
            x = b.conv(x, "0", out: v.channels[0], kernel: 3, stride: 2, padding: 1, bias: false)
            x = b.batchNorm(x, "1")
            x = b.relu(x, "2")
        }
        x = b.maxPool(x, "maxpool", kernel: 3, stride: 2, padding: 1)
        var inp = v.channels[0]
        for (stage, repeats) in v.repeats.enumerated() {
            let out = v.channels[stage + 1]
            b.scoped("stage\(stage + 2)") { b in
                for i in 0..<repeats {
                    b.scoped("\(i)") { b in x = invertedResidual(&b, x, inp: i == 0 ? inp : out, oup: out, stride: i == 0 ? 2 : 1) }
                }
            }
            inp = out
        }
        b.scoped("conv5") { b in
            x = b.conv(x, "0", out: v.channels[4], kernel: 1, bias: false)
            x = b.batchNorm(x, "1")
            x = b.relu(x, "2")
        }
        x = b.mean(x, "mean", dims: [2, 3])
        x = b.linear(x, "fc", out: 1000)
        return try b.build()
    }

    /// Stride 1: split the channels in two, transform the second half, concatenate, shuffle.
    /// Stride 2: both branches see the whole input.
    static func invertedResidual(_ b: inout GraphBuilder, _ x: String, inp: Int, oup: Int, stride: Int) -> String {
        let features = oup / 2
        let left: String, right: String
        if stride == 1 {
            left = b.chunk(x, "chunk0", chunks: 2, index: 0)
            let x2 = b.chunk(x, "chunk1", chunks: 2, index: 1)
            right = branch2(&b, x2, features: features, stride: 1)
        } else {
            left = b.scoped("branch1") { b in
                var y = b.conv(x, "0", out: inp, kernel: 3, stride: stride, padding: 1, groups: inp, bias: false)
                y = b.batchNorm(y, "1")
                y = b.conv(y, "2", out: features, kernel: 1, bias: false)
                y = b.batchNorm(y, "3")
                return b.relu(y, "4")
            }
            right = branch2(&b, x, features: features, stride: stride)
        }
        let cat = b.concat([left, right])
        return b.add("channel_shuffle", .channelShuffle(groups: 2), [cat])
    }

    static func branch2(_ b: inout GraphBuilder, _ x: String, features: Int, stride: Int) -> String {
        b.scoped("branch2") { b in
            var y = b.conv(x, "0", out: features, kernel: 1, bias: false)
            y = b.batchNorm(y, "1")
            y = b.relu(y, "2")
            y = b.conv(y, "3", out: features, kernel: 3, stride: stride, padding: 1, groups: features, bias: false)
            y = b.batchNorm(y, "4")
            y = b.conv(y, "5", out: features, kernel: 1, bias: false)
            y = b.batchNorm(y, "6")
            return b.relu(y, "7")
        }
    }
}
