import Foundation
import Testing
import MemQCore
import MemQWire
@testable import MemQService

/// `freeze` prefixes and `checkpoint` selections: a prefix covers a node by name or as a dotted parent.
@Suite struct SelectionTests {
    let service = MemQService(allowFiles: false)

    /// input [8] -> layer1 (linear 4: 36 parameters) -> layer1.fc (linear 3: 15) -> layer10 (linear 2: 8).
    static let spec: JSONValue = [
        "name": "prefixes",
        "input": ["shape": [8]],
        "nodes": [
            ["name": "layer1", "op": "linear", "out_features": 4],
            ["name": "layer1.fc", "op": "linear", "out_features": 3],
            ["name": "layer10", "op": "linear", "out_features": 2],
        ],
    ]

    /// `layer1` freezes `layer1` and `layer1.fc` (36 + 15 parameters), not `layer10` (8).
    @Test func freezePrefixStopsAtADot() throws {
        let result = try service.estimate(["model": Self.spec, "freeze": ["layer1"]])
        #expect(result.params.total == 59)
        #expect(result.params.frozen == 51)
        #expect(result.params.trainable == 8)
        let exact = try service.estimate(["model": Self.spec, "freeze": ["layer10"]])
        #expect(exact.params.frozen == 8)
    }
}
