import Foundation
import Testing
import MemQCore
@testable import MemQFuzz

/// Every committed seed and every input a fuzzer once crashed on (fuzz/regressions/TARGET) runs through its target
/// again: a reader that traps again fails this suite by crashing it.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let dir = root.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsAndRegressions(target: FuzzTarget) throws {
        let seeds = Self.inputs("corpus", target)
        #expect(seeds.count >= 4, "fuzz/corpus/\(target.rawValue) holds the seeds")
        for file in seeds + Self.inputs("regressions", target) {
            target.run([UInt8](try Data(contentsOf: file)))
        }
    }

    /// The seeds are what they claim to be: each parses (json, body), builds (spec) or decodes (frame).
    @Test func seedsAreValidInputs() throws {
        for file in Self.inputs("corpus", .json) + Self.inputs("corpus", .body) {
            _ = try JSONValue.parse(bytes: [UInt8](try Data(contentsOf: file)))
        }
        for file in Self.inputs("corpus", .spec) {
            _ = try ModelAnalysis(try ModelSpec.graph(from: try Data(contentsOf: file)))
        }
    }

    /// Deeply nested JSON and huge numbers are refused with an error, not a stack overflow or a trap.
    @Test func deepNestingAndHugeNumbers() {
        for text in [String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000),
                     "[1e999999]", "[-1e999999]", "[123456789012345678901234567890123456789]"] {
            for target in FuzzTarget.allCases { target.run(Array(text.utf8)) }
        }
        #expect(throws: ModelError.self) { try JSONValue.parse(bytes: Array(String(repeating: "[", count: 100_000).utf8)) }
    }
}
