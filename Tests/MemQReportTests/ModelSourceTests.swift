import Foundation
import Testing
import MemQCore
import MemQZoo

/// Resolving zoo names, spec files and inline specs, with input overrides and the errors users see.
@Suite struct ModelSourceTests {
    /// `config/models/` of this package, found from this file (tests may run from any directory).
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/models")

    @Test func zooName() throws {
        let analysis = try ModelSource("LeNet5").analysis()
        #expect(analysis.graph.name == "lenet5")
        #expect(analysis.params.total == 61_706)
    }

    @Test func unknownNameSuggests() {
        do throws(ModelSource.Failure) {
            _ = try ModelSource("resnt50").graph()
            Issue.record("resnt50 resolved")
        } catch {
            guard case .unknownModel(let name, let suggestions) = error else { Issue.record("\(error)"); return }
            #expect(name == "resnt50")
            #expect(suggestions.first == "resnet50")
            #expect(error.description.hasPrefix("unknown model 'resnt50'; did you mean resnet50"))
            #expect(error.description.hasSuffix("(memq models lists the zoo)"))
        }
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: ModelSource.Failure.fileNotFound(path: "no/such/model.json")) {
            try ModelSource("no/such/model.json").graph()
        }
        #expect(ModelSource.Failure.fileNotFound(path: "x.json").description.contains("'x.json' not found"))
    }

    @Test func directoryIsNotAFile() {
        #expect(throws: ModelSource.Failure.isDirectory(path: Self.models.path)) { try ModelSource(Self.models.path).graph() }
    }

    @Test func specFile() throws {
        let path = Self.models.appendingPathComponent("lenet.json").path
        let analysis = try ModelSource(path).analysis()
        #expect(analysis.params.total == 61_706)
        let bigger = try ModelSource(path, input: TensorShape([1, 36, 36])).analysis()
        #expect(bigger.inputShape.dims == [1, 36, 36])
        // conv1 and conv2 keep their parameters; fc1 reads 16*6*6 = 576 features: 576*120 + 120 = 69,240.
        #expect(bigger.layers.first { $0.name == "fc1" }?.params.total == 69_240)
    }

    @Test func filesCanBeRefused() {
        let path = Self.models.appendingPathComponent("lenet.json").path
        #expect(throws: ModelSource.Failure.filesNotAllowed(path: path)) { try ModelSource(path).graph(allowFiles: false) }
    }

    @Test func inlineSpecAndItsErrors() throws {
        let spec = #"{"name": "tiny", "input": {"shape": [4]}, "nodes": [{"op": "linear", "out_features": 2}]}"#
        let analysis = try ModelSource(spec).analysis()
        #expect(analysis.params.total == 10)
        let json = try JSONValue.parse(Data(spec.utf8))
        #expect(try ModelSource(spec: json).analysis().params.total == 10)

        let bad = #"{"input": {"shape": [4]}, "nodes": [{"name": "fc", "op": "linear"}]}"#
        do throws(ModelSource.Failure) {
            _ = try ModelSource(bad).graph()
            Issue.record("a linear without out_features was accepted")
        } catch {
            #expect(error.description == "inline spec: node 'fc': missing field 'out_features'")
        }
    }

    @Test func zooInputOverride() throws {
        let analysis = try ModelSource("resnet18", input: try ModelSource.parseInput("3x32x32")).analysis()
        #expect(analysis.inputShape.dims == [3, 32, 32])
        #expect(analysis.params.total == 11_689_512)
    }

    @Test func shapeErrorsNameTheSource() {
        do throws(ModelSource.Failure) {
            _ = try ModelSource("alexnet", input: TensorShape([3, 8, 8])).analysis()
            Issue.record("alexnet accepted an 8x8 image")
        } catch {
            #expect(error.description.hasPrefix("alexnet with input 3x8x8: node '"), "\(error)")
        }
    }

    @Test func badInputShape() {
        #expect(throws: ModelSource.Failure.invalidInputShape("3xabc")) { try ModelSource.parseInput("3xabc") }
        #expect(throws: ModelSource.Failure.invalidInputShape("0x4")) { try ModelSource.parseInput("0x4") }
    }
}

/// Messages that used to mislead (issue 17): a device file, a huge argument.
@Suite struct ModelSourceMessageTests {
    @Test func deviceFileIsNamedAsSuch() {
        do {
            _ = try ModelSource("/dev/zero").analysis(allowFiles: true)
            Issue.record("read /dev/zero")
        } catch {
            #expect("\(error)".contains("character device"))
        }
    }

    @Test func longArgumentsAreCut() {
        let name = String(repeating: "x", count: 100_000)
        do {
            _ = try ModelSource(name).analysis(allowFiles: true)
            Issue.record("accepted \(name.count) x's")
        } catch {
            let message = "\(error)"
            #expect(message.count < 600)
            #expect(message.contains("100000 characters"))
        }
    }
}
