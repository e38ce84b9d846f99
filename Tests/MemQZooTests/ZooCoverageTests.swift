import Testing
import MemQCore
@testable import MemQZoo

/// The whole of `torchvision_models.csv` (torchvision 0.21.0 weight metadata), row by row.
@Suite struct ZooCoverageTests {
    @Test func everyTorchvisionRowHasAnEntry() {
        let missing = GroundTruth.torchvision.map(\.model).filter { Zoo.entry(named: $0) == nil }
        #expect(GroundTruth.torchvision.count == 78, "expected 78 rows in \(GroundTruth.directory.path)")
        #expect(missing.isEmpty, "no zoo entry for \(missing)")
    }

    /// Parameters exact; MACs within 1% of `gmacs`, or within the column's own rounding when that is wider: the
    /// figures are printed to three decimals (half a unit: 0.0005 G), and shufflenet_v2_x0_5's "0.040" is 0.0405 G
    /// to 1.2% (its siblings x1_0, x1_5, x2_0 agree to 0.1%).
    @Test("every row: parameters exact, MACs within 1% or the column's rounding", arguments: GroundTruth.torchvision)
    func everyRow(_ row: GroundTruth.TorchvisionRow) throws {
        let entry = try #require(Zoo.entry(named: row.model))
        #expect(entry.defaultInput == row.input)
        #expect(entry.inputDType == nil)
        let analysis = try ModelAnalysis(try entry.graph())
        #expect(analysis.params.total == row.params, "\(row.model): \(analysis.params.total) vs \(row.params)")
        #expect(analysis.params.frozen == 0)
        let gmacs = Double(analysis.macs) / 1e9
        #expect(abs(gmacs - row.gmacs) <= max(0.01 * row.gmacs, 0.0005), "MACs \(gmacs) G vs torchvision \(row.gmacs) G")
        #expect(analysis.layers[analysis.outputIndex].outputShape.dims == [1000])
    }

    /// Published parameter counts read against the papers and reference implementations, derived by hand.
    /// mnasnet0_5 is torchvision's version 2 (stem scaled with alpha: 16 and 8 channels). The version-1 stem of 32/16
    /// channels would add conv0 27*16 + bn 32, depthwise 9*16 + bn 32, 1x1 32*16 - 16*8 = 384 + bn 16, and a first
    /// stack block with input 16 instead of 8 (mid 48 instead of 24): 16*48 - 8*24 = 576, bn 48, 9*24 = 216, bn 48,
    /// 24*16 = 384: 2,312 in all.
    @Test func mnasnetHalfIsVersionTwo() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "mnasnet0_5")!.graph())
        #expect(analysis.params.total == 2_218_512)
        #expect(analysis.params.total + 432 + 32 + 144 + 32 + 384 + 16 + 576 + 48 + 216 + 48 + 384 == 2_220_824)
    }

    /// Inception v3's published count includes the auxiliary classifier: conv0 768*128 + bn 256 = 98,560,
    /// conv1 128*768*25 + bn 1,536 = 2,459,136, fc 768*1000 + 1000 = 769,000: 3,326,696 of the 27,161,264.
    @Test func inceptionV3IncludesAuxLogits() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "inception_v3")!.graph())
        let aux = analysis.layers.filter { $0.name.hasPrefix("AuxLogits.") }.reduce(0) { $0 + $1.params.total }
        #expect(aux == 98_560 + 2_459_136 + 769_000)
        #expect(analysis.params.total == 27_161_264)
        #expect(analysis.graph.output == "fc")
    }

    /// GoogLeNet's published count excludes the auxiliary classifiers (deleted after loading the weights).
    @Test func googlenetHasNoAuxiliaryClassifiers() throws {
        let graph = try Zoo.entry(named: "googlenet")!.graph()
        #expect(!graph.nodes.contains { $0.name.hasPrefix("aux") })
    }

    /// Builders take other inputs where the architecture allows them.
    @Test func otherInputSizes() throws {
        let effnet = try ModelAnalysis(try Zoo.entry(named: "efficientnet_b0")!.build([3, 320, 320]))
        #expect(effnet.params.total == 5_288_548)
        let swin = try ModelAnalysis(try Zoo.entry(named: "swin_t")!.build([3, 256, 256]))   // pads 64 -> 70 for 7x7 windows
        #expect(swin.params.total == 28_288_354)
        #expect(throws: ModelError.self) { try Zoo.entry(named: "maxvit_t")!.build([3, 256, 256]) }
    }

    /// Swin's shifted blocks (every second block) roll the padded map and roll it back, except where the window
    /// already covers the whole map (torchvision sets the shift to 0 there). swin_t at 224: maps 56, 28, 14, 7 with
    /// 7x7 windows and depths 2, 2, 6, 2: shifted blocks 1 + 1 + 3 in the first three stages, none in the last ->
    /// 10 rolls. At 256 the last map pads 8 -> 14 > 7, so its shifted block rolls too -> 12. swin_v2_t (8x8 windows,
    /// 256): maps 64, 32, 16, 8 -> 10.
    @Test(arguments: [("swin_t", [3, 224, 224], 10), ("swin_t", [3, 256, 256], 12), ("swin_v2_t", [3, 256, 256], 10)])
    func swinRolls(model: String, input: [Int], rolls: Int) throws {
        let graph = try Zoo.entry(named: model)!.build(input)
        let nodes = graph.nodes.filter { if case .roll = $0.op { true } else { false } }
        #expect(nodes.count == rolls)
        #expect(nodes.filter { $0.name.hasSuffix("roll_back") }.count == rolls / 2)
    }
}
