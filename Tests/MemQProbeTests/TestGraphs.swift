// Small graphs that exercise every op the native executor runs.
import MemQCore

/// Graphs for the executor's tests.
enum TestGraphs {
    /// conv (bias) -> bn -> relu_ -> [grouped conv -> bn] + skip -> relu -> max pool -> depthwise conv -> avg pool
    /// -> flatten -> linear (5 classes), over 3x8x8.
    static func residual() throws -> Graph {
        var b = GraphBuilder(name: "residual")
        var x = b.input(shape: [3, 8, 8])
        x = b.conv(x, "conv1", out: 4, kernel: 3, padding: 1, bias: true)
        x = b.batchNorm(x, "bn1")
        x = b.relu(x, "relu1")
        var y = b.conv(x, "conv2", out: 4, kernel: 3, padding: 1, groups: 2, bias: false)
        y = b.batchNorm(y, "bn2")
        x = b.sum([y, x], "add", inplace: true)
        x = b.relu(x, "relu2", inplace: false)
        x = b.maxPool(x, "pool", kernel: 2, stride: 2)
        x = b.conv(x, "dw", out: 4, kernel: 3, padding: 1, groups: 4, bias: true)
        x = b.avgPool(x, "avg", kernel: 2, stride: 2)
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 5)
        return try b.build()
    }

    /// pointwise conv -> chunk (two pieces) -> [silu_ -> conv] -> concat -> channel shuffle -> squeeze-excite
    /// (mean, conv, sigmoid, mul) -> gelu -> dropout -> adaptive avg pool 2x2 -> flatten -> linear (4 classes).
    static func shuffle() throws -> Graph {
        var b = GraphBuilder(name: "shuffle")
        var x = b.input(shape: [4, 6, 6])
        x = b.conv(x, "expand", out: 8, kernel: 1, bias: false)
        let left = b.chunk(x, "chunk0", chunks: 2, index: 0)
        var right = b.chunk(x, "chunk1", chunks: 2, index: 1)
        right = b.act(right, "silu", .silu, inplace: true)
        right = b.conv(right, "branch", out: 4, kernel: 3, padding: 1, bias: true)
        x = b.concat([left, right])
        x = b.add("shuffle", .channelShuffle(groups: 2), [x])
        var s = b.mean(x, "squeeze", dims: [2, 3], keepDim: true)
        s = b.conv(s, "excite", out: 8, kernel: 1, bias: true)
        s = b.act(s, "gate", .sigmoid)
        x = b.mul([x, s], "scale")
        x = b.act(x, "gelu", .gelu)
        x = b.dropout(x, "drop", p: 0.25)
        x = b.adaptiveAvgPool(x, "pool", size: 2)
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 4)
        return try b.build()
    }

    /// conv -> bn -> relu -> max pool -> conv -> relu -> flatten -> linear (3 classes), over 1x12x12.
    static func small() throws -> Graph {
        var b = GraphBuilder(name: "small")
        var x = b.input(shape: [1, 12, 12])
        x = b.conv(x, "conv1", out: 6, kernel: 3, padding: 1)
        x = b.batchNorm(x, "bn1")
        x = b.relu(x, "relu1")
        x = b.maxPool(x, "pool", kernel: 2, stride: 2)
        x = b.conv(x, "conv2", out: 8, kernel: 3, padding: 1)
        x = b.relu(x, "relu2")
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 3)
        return try b.build()
    }
}
