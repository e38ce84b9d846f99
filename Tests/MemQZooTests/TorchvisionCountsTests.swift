import Testing
import MemQCore
@testable import MemQZoo

/// Every zoo model that torchvision publishes, against torchvision's own metadata (torchvision 0.21.0).
@Suite struct TorchvisionCountsTests {
    static let rows = GroundTruth.torchvision.filter { Zoo.entry(named: $0.model) != nil }

    @Test func groundTruthIsReadable() {
        #expect(GroundTruth.torchvision.count == 78, "expected 78 rows in \(GroundTruth.directory.path)")
    }

    @Test("parameters exact, MACs within 1%", arguments: rows)
    func counts(_ row: GroundTruth.TorchvisionRow) throws {
        let entry = try #require(Zoo.entry(named: row.model))
        #expect(entry.defaultInput == row.input)
        let analysis = try ModelAnalysis(try entry.graph())
        #expect(analysis.params.total == row.params)
        let gmacs = Double(analysis.macs) / 1e9
        // Within 1%, or within half a unit of the CSV's printed precision (shufflenet_v2_x0_5 is printed as 0.04
        // for 0.0405 G: rounding, not a counting difference).
        let tolerance = max(0.01 * row.gmacs, 0.0005)
        #expect(abs(gmacs - row.gmacs) <= tolerance, "MACs \(gmacs) G vs torchvision \(row.gmacs) G")
    }

    @Test func firstZooIsPresent() {
        for name in ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50"] {
            #expect(Zoo.entry(named: name) != nil, "\(name) missing from the zoo")
        }
    }

    /// LeNet-5 by hand: conv1 6*(25+1)=156, conv2 16*(6*25+1)=2416, fc1 400*120+120=48120,
    /// fc2 120*84+84=10164, fc3 84*10+10=850; total 61706.
    @Test func lenet5ByHand() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "lenet5")!.graph())
        #expect(analysis.params.total == 61_706)
        #expect(analysis.layers.last?.outputShape.dims == [10])
    }
}
