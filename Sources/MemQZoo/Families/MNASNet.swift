import MemQCore

/// MNASNet B1 at depth multipliers 0.5, 0.75, 1.0 and 1.3 (torchvision/models/mnasnet.py), version 2: the stem's
/// channels scale with alpha too (`_get_depths`). torchvision's published counts are those of version 2 (the
/// version-1 stem of 32/16 channels would give mnasnet0_5 2,312 parameters more).
enum MNASNet {
    struct Variant {
        let name: String
        let alpha: Double
    }

    static let variants: [Variant] = [
        Variant(name: "mnasnet0_5", alpha: 0.5),
        Variant(name: "mnasnet0_75", alpha: 0.75),
        Variant(name: "mnasnet1_0", alpha: 1.0),
        Variant(name: "mnasnet1_3", alpha: 1.3),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "mnasnet", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    /// `_round_to_multiple_of(val, divisor, 0.9)`: round to a multiple of `divisor`, rounding up unless that is
    /// within 10% above the lower multiple.
    static func roundToMultiple(_ val: Double, _ divisor: Int) -> Int {
        let newVal = max(divisor, Int(val + Double(divisor) / 2) / divisor * divisor)
        return Double(newVal) >= 0.9 * val ? newVal : newVal + divisor
    }

    /// (kernel, stride, expansion, repeats) of the six stacks.
    static let stacks: [(k: Int, s: Int, e: Int, n: Int)] = [(3, 2, 3, 3), (5, 2, 3, 3), (5, 2, 6, 3), (3, 1, 6, 2), (5, 2, 6, 4), (3, 1, 6, 1)]

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        let depths = [32, 16, 24, 40, 80, 96, 192, 320].map { roundToMultiple(Double($0) * v.alpha, 8) }
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        b.scoped("layers") { b in
            x = b.conv(x, "0", out: depths[0], kernel: 3, stride: 2, padding: 1, bias: false)
            x = b.batchNorm(x, "1")
            x = b.relu(x, "2")
            x = b.conv(x, "3", out: depths[0], kernel: 3, padding: 1, groups: depths[0], bias: false)
            x = b.batchNorm(x, "4")
            x = b.relu(x, "5")
            x = b.conv(x, "6", out: depths[1], kernel: 1, bias: false)
            x = b.batchNorm(x, "7")
            var inCh = depths[1]
            for (i, s) in stacks.enumerated() {
                let outCh = depths[i + 2]
                b.scoped("\(i + 8)") { b in
                    for r in 0..<s.n {
                        b.block("\(r)") { b in
                            x = invertedResidual(&b, x, inCh: r == 0 ? inCh : outCh, outCh: outCh, kernel: s.k,
                                                 stride: r == 0 ? s.s : 1, expansion: s.e)
                        }
                    }
                }
                inCh = outCh
            }
            x = b.conv(x, "14", out: 1280, kernel: 1, bias: false)
            x = b.batchNorm(x, "15")
            x = b.relu(x, "16")
        }
        x = b.mean(x, "mean", dims: [2, 3])
        b.scoped("classifier") { b in
            x = b.dropout(x, "0", p: 0.2, inplace: true)
            x = b.linear(x, "1", out: 1000)
        }
        return try b.build()
    }

    static func invertedResidual(_ b: inout GraphBuilder, _ x: String, inCh: Int, outCh: Int, kernel: Int, stride: Int,
                                 expansion: Int) -> String {
        let mid = inCh * expansion
        var y = x
        b.scoped("layers") { b in
            y = b.conv(y, "0", out: mid, kernel: 1, bias: false)
            y = b.batchNorm(y, "1")
            y = b.relu(y, "2")
            y = b.conv(y, "3", out: mid, kernel: kernel, stride: stride, padding: kernel / 2, groups: mid, bias: false)
            y = b.batchNorm(y, "4")
            y = b.relu(y, "5")
            y = b.conv(y, "6", out: outCh, kernel: 1, bias: false)
            y = b.batchNorm(y, "7")
        }
        return (inCh == outCh && stride == 1) ? b.sum([y, x]) : y
    }
}
