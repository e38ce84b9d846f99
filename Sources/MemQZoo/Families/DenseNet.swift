import MemQCore

/// DenseNet-121/161/169/201 (torchvision/models/densenet.py, `memory_efficient=False`, `drop_rate=0`).
///
/// Each dense layer concatenates every earlier feature map of its block (`torch.cat(inputs, 1)`), so the graph has
/// one concat per layer, as autograd sees it.
enum DenseNet {
    struct Variant {
        let name: String
        let growthRate: Int
        let blockConfig: [Int]
        let initFeatures: Int
        var bnSize = 4
    }

    static let variants: [Variant] = [
        Variant(name: "densenet121", growthRate: 32, blockConfig: [6, 12, 24, 16], initFeatures: 64),
        Variant(name: "densenet161", growthRate: 48, blockConfig: [6, 12, 36, 24], initFeatures: 96),
        Variant(name: "densenet169", growthRate: 32, blockConfig: [6, 12, 32, 32], initFeatures: 64),
        Variant(name: "densenet201", growthRate: 32, blockConfig: [6, 12, 48, 32], initFeatures: 64),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "densenet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        var features = v.initFeatures
        b.scoped("features") { b in
            x = b.conv(x, "conv0", out: v.initFeatures, kernel: 7, stride: 2, padding: 3, bias: false)
            x = b.batchNorm(x, "norm0")
            x = b.relu(x, "relu0")
            x = b.maxPool(x, "pool0", kernel: 3, stride: 2, padding: 1)
            for (i, layers) in v.blockConfig.enumerated() {
                b.scoped("denseblock\(i + 1)") { b in
                    var inputs = [x]
                    for j in 0..<layers {
                        b.block("denselayer\(j + 1)") { b in
                            var y = b.concat(inputs, "cat")
                            y = b.batchNorm(y, "norm1")
                            y = b.relu(y, "relu1")
                            y = b.conv(y, "conv1", out: v.bnSize * v.growthRate, kernel: 1, bias: false)
                            y = b.batchNorm(y, "norm2")
                            y = b.relu(y, "relu2")
                            y = b.conv(y, "conv2", out: v.growthRate, kernel: 3, padding: 1, bias: false)
                            inputs.append(y)
                        }
                    }
                    x = b.concat(inputs, "cat")
                }
                features += layers * v.growthRate
                if i != v.blockConfig.count - 1 {
                    b.block("transition\(i + 1)") { b in
                        x = b.batchNorm(x, "norm")
                        x = b.relu(x, "relu")
                        x = b.conv(x, "conv", out: features / 2, kernel: 1, bias: false)
                        x = b.avgPool(x, "pool", kernel: 2, stride: 2)
                    }
                    features /= 2
                }
            }
            x = b.batchNorm(x, "norm5")
        }
        x = b.relu(x, "relu")
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        x = b.linear(x, "classifier", out: 1000)
        return try b.build()
    }
}
