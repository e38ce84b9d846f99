import MemQCore

/// VGG 11/13/16/19 with and without BatchNorm (torchvision/models/vgg.py, configurations A, B, D, E).
enum VGG {
    /// Channel widths; 0 marks a 2x2 max pool.
    static let configs: [String: [Int]] = [
        "vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg13": [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        "vgg19": [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    ]

    static let entries: [ZooEntry] = configs.keys.sorted().flatMap { name in
        [false, true].map { bn in
            ZooEntry(name: bn ? "\(name)_bn" : name, family: "vgg", defaultInput: [3, 224, 224]) { input throws(ModelError) in
                try build(name: bn ? "\(name)_bn" : name, config: configs[name]!, batchNorm: bn, input: input)
            }
        }
    }

    static func build(name: String, config: [Int], batchNorm: Bool, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: name)
        var x = b.input(shape: input)
        b.scoped("features") { b in
            var i = 0
            for width in config {
                if width == 0 {
                    x = b.maxPool(x, "\(i)", kernel: 2, stride: 2); i += 1
                    continue
                }
                x = b.conv(x, "\(i)", out: width, kernel: 3, padding: 1); i += 1
                if batchNorm { x = b.batchNorm(x, "\(i)"); i += 1 }
                x = b.relu(x, "\(i)"); i += 1
            }
        }
        x = b.adaptiveAvgPool(x, "avgpool", size: 7)
        x = b.flatten(x)
        b.scoped("classifier") { b in
            x = b.linear(x, "0", out: 4096)
            x = b.relu(x, "1")
            x = b.dropout(x, "2", p: 0.5)
            x = b.linear(x, "3", out: 4096)
            x = b.relu(x, "4")
            x = b.dropout(x, "5", p: 0.5)
            x = b.linear(x, "6", out: 1000)
        }
        return try b.build()
    }
}
