import MemQCore

/// SqueezeNet 1.0 and 1.1 (torchvision/models/squeezenet.py).
enum SqueezeNet {
    /// A features entry: a Fire module (squeeze, expand 1x1, expand 3x3), or a 3x3/2 ceil-mode max pool (nil).
    typealias Fire = (squeeze: Int, expand1x1: Int, expand3x3: Int)

    struct Variant {
        let name: String
        let stemOut: Int
        let stemKernel: Int
        let features: [Fire?]
    }

    static let variants: [Variant] = [
        Variant(name: "squeezenet1_0", stemOut: 96, stemKernel: 7, features: [
            nil, (16, 64, 64), (16, 64, 64), (32, 128, 128), nil, (32, 128, 128), (48, 192, 192), (48, 192, 192),
            (64, 256, 256), nil, (64, 256, 256),
        ]),
        Variant(name: "squeezenet1_1", stemOut: 64, stemKernel: 3, features: [
            nil, (16, 64, 64), (16, 64, 64), nil, (32, 128, 128), (32, 128, 128), nil, (48, 192, 192), (48, 192, 192),
            (64, 256, 256), (64, 256, 256),
        ]),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "squeezenet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        b.scoped("features") { b in
            x = b.conv(x, "0", out: v.stemOut, kernel: v.stemKernel, stride: 2)
            x = b.relu(x, "1")
            for (i, entry) in v.features.enumerated() {
                if let fire = entry {
                    b.scoped("\(i + 2)") { b in x = fireModule(&b, x, fire) }
                } else {
                    x = b.maxPool(x, "\(i + 2)", kernel: 3, stride: 2, ceilMode: true)
                }
            }
        }
        b.scoped("classifier") { b in
            x = b.dropout(x, "0", p: 0.5)
            x = b.conv(x, "1", out: 1000, kernel: 1)
            x = b.relu(x, "2")
            x = b.adaptiveAvgPool(x, "3")
        }
        x = b.flatten(x)
        return try b.build()
    }

    /// squeeze 1x1 + ReLU, then expand 1x1 + ReLU and expand 3x3 + ReLU, concatenated.
    static func fireModule(_ b: inout GraphBuilder, _ x: String, _ f: Fire) -> String {
        var s = b.conv(x, "squeeze", out: f.squeeze, kernel: 1)
        s = b.relu(s, "squeeze_activation")
        var e1 = b.conv(s, "expand1x1", out: f.expand1x1, kernel: 1)
        e1 = b.relu(e1, "expand1x1_activation")
        var e3 = b.conv(s, "expand3x3", out: f.expand3x3, kernel: 3, padding: 1)
        e3 = b.relu(e3, "expand3x3_activation")
        return b.concat([e1, e3])
    }
}
