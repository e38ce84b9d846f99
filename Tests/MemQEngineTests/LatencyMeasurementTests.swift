import Testing
import MemQCore
@testable import MemQEngine

/// The engine's op timer: every op of the step reports once per run, under its own node and phase.
@Suite struct LatencyMeasurementTests {
    @Test func everyOpIsTimed() throws {
        var b = GraphBuilder(name: "t")
        var x = b.input(shape: [3, 8, 8])
        x = b.conv(x, "conv", out: 4, kernel: 3, padding: 1)
        x = b.batchNorm(x, "bn")
        x = b.relu(x, "relu", inplace: false)
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 3)
        let analysis = try ModelAnalysis(try b.build())
        let m = try LatencyMeasurement.run(analysis, batch: 2, optimizer: .sgd, train: true, runs: 3)
        let names = analysis.layers.map(\.name)
        func has(_ name: String, _ phase: LatencyPhase) -> Bool {
            guard let i = names.firstIndex(of: name) else { return false }
            return (m.seconds[LatencyMeasurement.Key(node: i, phase: phase)] ?? 0) > 0
        }
        for name in ["conv", "bn", "relu", "fc"] {
            #expect(has(name, .forward), "\(name) forward")
            #expect(has(name, .backward), "\(name) backward")
        }
        // conv, bn and fc update their weights and biases.
        for name in ["conv", "bn", "fc"] { #expect(has(name, .optimizer), "\(name) update") }
        #expect(!has("relu", .optimizer))
        #expect(m.forwardSeconds > 0 && m.backwardSeconds > 0 && m.optimizerSeconds > 0 && m.runs == 3)
    }
}
