import Foundation
import MemQCore

/// RegNetX and RegNetY (torchvision/models/regnet.py): stage widths and depths generated from
/// (depth, w_0, w_a, w_m, group width) by `BlockParams.from_init_params`, RegNetY adding squeeze-excitation (ratio 0.25).
enum RegNet {
    struct Variant {
        let name: String
        let depth: Int
        let w0: Int
        let wa: Double
        let wm: Double
        let groupWidth: Int
        var seRatio: Double? = nil
    }

    static let variants: [Variant] = [
        Variant(name: "regnet_y_400mf", depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8, seRatio: 0.25),
        Variant(name: "regnet_y_800mf", depth: 14, w0: 56, wa: 38.84, wm: 2.4, groupWidth: 16, seRatio: 0.25),
        Variant(name: "regnet_y_1_6gf", depth: 27, w0: 48, wa: 20.71, wm: 2.65, groupWidth: 24, seRatio: 0.25),
        Variant(name: "regnet_y_3_2gf", depth: 21, w0: 80, wa: 42.63, wm: 2.66, groupWidth: 24, seRatio: 0.25),
        Variant(name: "regnet_y_8gf", depth: 17, w0: 192, wa: 76.82, wm: 2.19, groupWidth: 56, seRatio: 0.25),
        Variant(name: "regnet_y_16gf", depth: 18, w0: 200, wa: 106.23, wm: 2.48, groupWidth: 112, seRatio: 0.25),
        Variant(name: "regnet_y_32gf", depth: 20, w0: 232, wa: 115.89, wm: 2.53, groupWidth: 232, seRatio: 0.25),
        Variant(name: "regnet_x_400mf", depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16),
        Variant(name: "regnet_x_800mf", depth: 16, w0: 56, wa: 35.73, wm: 2.28, groupWidth: 16),
        Variant(name: "regnet_x_1_6gf", depth: 18, w0: 80, wa: 34.01, wm: 2.25, groupWidth: 24),
        Variant(name: "regnet_x_3_2gf", depth: 25, w0: 88, wa: 26.31, wm: 2.25, groupWidth: 48),
        Variant(name: "regnet_x_8gf", depth: 23, w0: 80, wa: 49.56, wm: 2.88, groupWidth: 120),
        Variant(name: "regnet_x_16gf", depth: 22, w0: 216, wa: 55.59, wm: 2.1, groupWidth: 128),
        Variant(name: "regnet_x_32gf", depth: 23, w0: 320, wa: 69.86, wm: 2.0, groupWidth: 168),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "regnet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    /// Per-stage (width, depth, group width), as `BlockParams.from_init_params` computes them: block widths
    /// `round(w_0 * w_m^round(log((i*w_a + w_0)/w_0) / log(w_m)) / 8) * 8` (float32, round half to even as in
    /// torch), runs of equal widths form stages, then widths are made divisible by the group width.
    static func stages(_ v: Variant) -> [(width: Int, depth: Int, groupWidth: Int)] {
        let w0 = Float(v.w0), logWm = Float(log(v.wm))
        var widths: [Int] = []
        for i in 0..<v.depth {
            let cont = Float(i) * Float(v.wa) + w0
            let capacity = (logf(cont / w0) / logWm).rounded(.toNearestOrEven)
            let width = (w0 * powf(Float(v.wm), capacity) / 8).rounded(.toNearestOrEven) * 8
            widths.append(Int(width))
        }
        var result: [(width: Int, depth: Int, groupWidth: Int)] = []
        for w in widths {
            if let last = result.last, last.width == w { result[result.count - 1].depth += 1 }
            else { result.append((w, 1, v.groupWidth)) }
        }
        // `_adjust_widths_groups_compatibilty` with bottleneck multiplier 1.
        return result.map { s in
            let g = min(s.groupWidth, s.width)
            return (makeDivisible(Double(s.width), g), s.depth, g)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        x = b.convNormAct(x, "stem", out: 32, kernel: 3, stride: 2)
        var width = 32
        b.scoped("trunk_output") { b in
            for (i, s) in stages(v).enumerated() {
                b.scoped("block\(i + 1)") { b in
                    for j in 0..<s.depth {
                        b.block("block\(i + 1)-\(j)") { b in
                            x = resBottleneck(&b, x, widthIn: j == 0 ? width : s.width, widthOut: s.width,
                                              stride: j == 0 ? 2 : 1, groupWidth: s.groupWidth, seRatio: v.seRatio)
                        }
                    }
                }
                width = s.width
            }
        }
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 1000)
        return try b.build()
    }

    /// `ResBottleneckBlock`: `proj(x) + f(x)` (or `x + f(x)`), then ReLU in place; f = 1x1, grouped 3x3, [SE], 1x1.
    static func resBottleneck(_ b: inout GraphBuilder, _ x: String, widthIn: Int, widthOut: Int, stride: Int,
                              groupWidth: Int, seRatio: Double?) -> String {
        let shortcut = (widthIn != widthOut || stride != 1)
            ? b.convNormAct(x, "proj", out: widthOut, kernel: 1, stride: stride, act: nil) : x
        var y = x
        b.scoped("f") { b in
            y = b.convNormAct(y, "a", out: widthOut, kernel: 1)
            y = b.convNormAct(y, "b", out: widthOut, kernel: 3, stride: stride, groups: widthOut / groupWidth)
            if let seRatio {
                let squeeze = Int((seRatio * Double(widthIn)).rounded(.toNearestOrEven))
                y = b.squeezeExcitation(y, "se", channels: widthOut, squeeze: squeeze)
            }
            y = b.convNormAct(y, "c", out: widthOut, kernel: 1, act: nil)
        }
        let sum = b.sum([shortcut, y])
        return b.relu(sum, "activation")
    }
}
