import Foundation
import MemQCore
@testable import MemQZoo

/// Hugging Face `config.json` files the HF tests read: the package's own fixtures (`Fixtures/hf/`, minimal configs as
/// users write them) and the ground truth's (`../shared/groundtruth/hf/configs/`).
enum HFFixtures {
    /// `Tests/MemQZooTests/Fixtures/hf/`, found from this file (tests may run from any directory).
    static let fixtures = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hf")
    /// `../shared/groundtruth/hf/`.
    static let groundTruth = GroundTruth.directory.appendingPathComponent("hf")

    /// The parsed JSON of `directory/name.json`.
    static func json(_ name: String, in directory: URL) throws -> JSONValue {
        try JSONValue.parse(try Data(contentsOf: directory.appendingPathComponent("\(name).json")))
    }

    /// `HFConfig` of `name` from the fixtures, else from the ground truth's configs.
    static func config(_ name: String) throws -> HFConfig {
        let local = fixtures.appendingPathComponent("\(name).json")
        let directory = FileManager.default.fileExists(atPath: local.path) ? fixtures : groundTruth.appendingPathComponent("configs")
        return try HFConfig(json: try json(name, in: directory))
    }
}
