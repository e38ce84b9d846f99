import Foundation
import Testing
@testable import MemQCore

@Suite struct ModelSpecTests {
    static let examples = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/models")

    /// Every example spec in config/models parses and sizes.
    @Test func examplesParse() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.examples, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        #expect(files.count >= 3)
        for file in files {
            let graph = try ModelSpec.graph(from: try Data(contentsOf: file))
            let a = try ModelAnalysis(graph)
            #expect(a.params.total > 0, "\(file.lastPathComponent)")
        }
    }

    /// LeNet-style spec: conv 1->6 5x5 (156), conv 6->16 5x5 (2416), fc 400->120 (48120), 120->84 (10164),
    /// 84->10 (850): 61706 parameters, counted by hand.
    @Test func lenetSpecByHand() throws {
        let a = try ModelAnalysis(try ModelSpec.graph(from: try Data(contentsOf: Self.examples.appendingPathComponent("lenet.json"))))
        #expect(a.params.total == 61_706)
        // MACs: conv1 6*28*28*25 = 117600; conv2 16*10*10*150 = 240000; fcs 48000 + 10080 + 840.
        #expect(a.macs == 117_600 + 240_000 + 48_000 + 10_080 + 840)
    }

    /// A sequential list chains; a spec round-trips through its dump.
    @Test func sequentialSugarAndRoundTrip() throws {
        let json = #"{"name": "seq", "input": {"shape": [3, 8, 8]}, "nodes": [{"op": "conv2d", "out_channels": 4, "kernel": 3, "padding": "same"}, {"op": "relu", "inplace": true}, {"op": "flatten"}, {"op": "linear", "out_features": 2}]}"#
        let g = try ModelSpec.graph(from: Data(json.utf8))
        #expect(g.nodes.map(\.inputs) == [[], ["input"], ["conv2d_0"], ["relu_1"], ["flatten_2"]])
        let back = try ModelSpec.graph(from: ModelSpec.json(for: g).serialized())
        #expect(back == g)
    }
}
