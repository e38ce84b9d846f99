import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Every zoo graph survives its JSON spec: written with `ModelSpec.json(for:)`, serialised, read back with
/// `ModelSpec.graph(from:)`, it is the same graph and analyses to the same parameters, MACs and layers.
/// (Most of this suite's time is `ModelSpec.graph(from:)` decoding ~170 kB specs in a debug build.)
@Suite struct ZooRoundTripTests {
    static let names = Zoo.entries.map(\.name)

    @Test("JSON round trip", arguments: names)
    func roundTrip(_ name: String) throws {
        let graph = try #require(Zoo.entry(named: name)).graph()
        let data = ModelSpec.json(for: graph).serialized()
        let back = try ModelSpec.graph(from: data)
        let a = try ModelAnalysis(graph), b = try ModelAnalysis(back)
        #expect(b.params == a.params)
        #expect(b.macs == a.macs)
        #expect(b.exactFlops == a.exactFlops)
        #expect(b.layers.count == a.layers.count)
        #expect(b.layers.map(\.name) == a.layers.map(\.name))
        #expect(b.layers.map(\.outputShape) == a.layers.map(\.outputShape))
        #expect(back == graph)
    }

    @Test func namesAreUniqueAndNormalised() {
        #expect(Set(Self.names).count == Self.names.count)
        for name in Self.names { #expect(name == name.lowercased() && !name.contains("-"), "\(name)") }
    }
}
