import Foundation
import Testing
import MemQCore
import MemQWire
@testable import MemQService

/// `freeze` prefixes and `checkpoint` selections: a prefix covers a node by name or as a dotted parent, and a
/// selection that covers nothing is an error naming what exists (the CLI exits non-zero, memqd replies 400).
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

    private func error(_ body: JSONValue) -> WireError? {
        do throws(WireError) {
            _ = try service.estimate(body)
            return nil
        } catch {
            return error
        }
    }

    @Test func freezeMatchingNothingNamesTopLevelNames() throws {
        let e = error(["model": "resnet18", "freeze": ["layer1", "foo"]])
        #expect(e?.field == "freeze")
        #expect(e?.status == .badRequest)
        let message = e?.message ?? ""
        #expect(message.contains("'foo'"), "\(message)")
        let names = message.components(separatedBy: "top-level names are: ").last ?? ""
        #expect(names == "conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, flatten, fc", "\(message)")
        // A dotted prefix that is not a whole component matches nothing either.
        #expect(error(["model": "resnet18", "freeze": ["layer1.0.con"]])?.field == "freeze")
    }

    @Test func checkpointBlocksMatchingNothingNamesBlocks() throws {
        let e = error(["model": "resnet18", "checkpoint": "blocks:layer3,layer9"])
        #expect(e?.field == "checkpoint")
        let message = e?.message ?? ""
        #expect(message.contains("'layer9'"), "\(message)")
        #expect(message.contains("layer1.0") && message.contains("layer4.1"), "\(message)")
        // `layer1.` is not a block name, nor a dotted parent of one: `layer1.0` starts with `layer1` + ".".
        #expect(error(["model": "resnet18", "checkpoint": "blocks:layer"])?.field == "checkpoint")
        // What does match still runs.
        #expect(error(["model": "resnet18", "checkpoint": "blocks:layer3,layer4.1"]) == nil)
    }

    /// resnet18 has 8 blocks (layer1.0 ... layer4.1): every:8 checkpoints the first, every:9 is an error; a model
    /// without blocks (lenet5) cannot be checkpointed at all.
    @Test func checkpointEveryBeyondTheBlocks() throws {
        #expect(error(["model": "resnet18", "checkpoint": "every:8"]) == nil)
        let e = error(["model": "resnet18", "checkpoint": "every:9"])
        #expect(e?.field == "checkpoint")
        #expect(e?.message.contains("8 blocks") == true, "\(e?.message ?? "")")
        let none = error(["model": "lenet5", "checkpoint": "every:1"])
        #expect(none?.field == "checkpoint")
        #expect(none?.message.contains("no blocks") == true, "\(none?.message ?? "")")
        #expect(error(["model": "lenet5", "checkpoint": "blocks:conv1"])?.field == "checkpoint")
    }

    /// Sweeps and fits read the same options and fail the same way.
    @Test func sweepAndFitRefuseTheSame() throws {
        #expect(throws: WireError.self) { try service.sweep(["model": "resnet18", "batch": "1,2", "freeze": ["nope"]]) }
        #expect(throws: WireError.self) { try service.fit(["model": "resnet18", "budget": "8GiB", "checkpoint": "every:20"]) }
    }
}
