import MemQCore

/// MobileNetV2 (torchvision/models/mobilenetv2.py) and MobileNetV3 large/small (torchvision/models/mobilenetv3.py).
enum MobileNet {
    static let entries: [ZooEntry] = [
        ZooEntry(name: "mobilenet_v2", family: "mobilenet", defaultInput: [3, 224, 224], build: v2),
        ZooEntry(name: "mobilenet_v3_large", family: "mobilenet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try v3(name: "mobilenet_v3_large", settings: v3Large, lastChannel: 1280, input: input)
        },
        ZooEntry(name: "mobilenet_v3_small", family: "mobilenet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try v3(name: "mobilenet_v3_small", settings: v3Small, lastChannel: 1024, input: input)
        },
    ]

    // MARK: V2

    /// Expansion t, output channels c, repeats n, first stride s.
    static let v2Settings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    static func v2(_ input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: "mobilenet_v2")
        var x = b.input(shape: input)
        b.scoped("features") { b in
            x = b.convNormAct(x, "0", out: 32, kernel: 3, stride: 2, act: .relu6)
            var inp = 32, index = 1
            for s in v2Settings {
                for i in 0..<s.n {
                    let stride = i == 0 ? s.s : 1
                    b.scoped("\(index)") { b in
                        let hidden = inp * s.t
                        var y = x
                        b.scoped("conv") { b in
                            var k = 0
                            if s.t != 1 { y = b.convNormAct(y, "0", out: hidden, kernel: 1, act: .relu6); k = 1 }
                            y = b.convNormAct(y, "\(k)", out: hidden, kernel: 3, stride: stride, groups: hidden, act: .relu6)
                            y = b.conv(y, "\(k + 1)", out: s.c, kernel: 1, bias: false)
                            y = b.batchNorm(y, "\(k + 2)")
                        }
                        x = (stride == 1 && inp == s.c) ? b.sum([x, y]) : y
                    }
                    inp = s.c; index += 1
                }
            }
            x = b.convNormAct(x, "\(index)", out: 1280, kernel: 1, act: .relu6)
        }
        x = b.adaptiveAvgPool(x, "adaptive_avg_pool2d")
        x = b.flatten(x)
        b.scoped("classifier") { b in
            x = b.dropout(x, "0", p: 0.2)
            x = b.linear(x, "1", out: 1000)
        }
        return try b.build()
    }

    // MARK: V3

    /// `InvertedResidualConfig`: input, kernel, expanded, output, squeeze-excitation, hard-swish (else ReLU), stride.
    struct Bneck {
        let input: Int, kernel: Int, expanded: Int, out: Int, se: Bool, hardswish: Bool, stride: Int
        init(_ input: Int, _ kernel: Int, _ expanded: Int, _ out: Int, _ se: Bool, _ act: String, _ stride: Int) {
            self.input = input; self.kernel = kernel; self.expanded = expanded; self.out = out; self.se = se
            self.hardswish = act == "HS"; self.stride = stride
        }
    }

    static let v3Large: [Bneck] = [
        Bneck(16, 3, 16, 16, false, "RE", 1), Bneck(16, 3, 64, 24, false, "RE", 2), Bneck(24, 3, 72, 24, false, "RE", 1),
        Bneck(24, 5, 72, 40, true, "RE", 2), Bneck(40, 5, 120, 40, true, "RE", 1), Bneck(40, 5, 120, 40, true, "RE", 1),
        Bneck(40, 3, 240, 80, false, "HS", 2), Bneck(80, 3, 200, 80, false, "HS", 1), Bneck(80, 3, 184, 80, false, "HS", 1),
        Bneck(80, 3, 184, 80, false, "HS", 1), Bneck(80, 3, 480, 112, true, "HS", 1), Bneck(112, 3, 672, 112, true, "HS", 1),
        Bneck(112, 5, 672, 160, true, "HS", 2), Bneck(160, 5, 960, 160, true, "HS", 1), Bneck(160, 5, 960, 160, true, "HS", 1),
    ]

    static let v3Small: [Bneck] = [
        Bneck(16, 3, 16, 16, true, "RE", 2), Bneck(16, 3, 72, 24, false, "RE", 2), Bneck(24, 3, 88, 24, false, "RE", 1),
        Bneck(24, 5, 96, 40, true, "HS", 2), Bneck(40, 5, 240, 40, true, "HS", 1), Bneck(40, 5, 240, 40, true, "HS", 1),
        Bneck(40, 5, 120, 48, true, "HS", 1), Bneck(48, 5, 144, 48, true, "HS", 1), Bneck(48, 5, 288, 96, true, "HS", 2),
        Bneck(96, 5, 576, 96, true, "HS", 1), Bneck(96, 5, 576, 96, true, "HS", 1),
    ]

    static func v3(name: String, settings: [Bneck], lastChannel: Int, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: name)
        var x = b.input(shape: input)
        let lastConv = 6 * settings.last!.out
        b.scoped("features") { b in
            x = b.convNormAct(x, "0", out: settings[0].input, kernel: 3, stride: 2, act: .hardswish)
            for (i, c) in settings.enumerated() {
                b.scoped("\(i + 1)") { b in
                    let act: Activation.Function = c.hardswish ? .hardswish : .relu
                    var y = x
                    b.scoped("block") { b in
                        var k = 0
                        if c.expanded != c.input {
                            y = b.convNormAct(y, "0", out: c.expanded, kernel: 1, act: act); k = 1
                        }
                        y = b.convNormAct(y, "\(k)", out: c.expanded, kernel: c.kernel, stride: c.stride, groups: c.expanded, act: act)
                        k += 1
                        if c.se {
                            y = b.squeezeExcitation(y, "\(k)", channels: c.expanded, squeeze: makeDivisible(Double(c.expanded / 4), 8),
                                                    scaleActivation: .hardsigmoid)
                            k += 1
                        }
                        y = b.convNormAct(y, "\(k)", out: c.out, kernel: 1, act: nil)
                    }
                    // `result += input`
                    x = (c.stride == 1 && c.input == c.out) ? b.sum([y, x], inplace: true) : y
                }
            }
            x = b.convNormAct(x, "\(settings.count + 1)", out: lastConv, kernel: 1, act: .hardswish)
        }
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        b.scoped("classifier") { b in
            x = b.linear(x, "0", out: lastChannel)
            x = b.act(x, "1", .hardswish, inplace: true)
            x = b.dropout(x, "2", p: 0.2, inplace: true)
            x = b.linear(x, "3", out: 1000)
        }
        return try b.build()
    }
}
