import Foundation

/// Reads `../shared/groundtruth/` (beside the package's clone): figures no code of ours produced.
enum GroundTruth {
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/groundtruth")

    struct TorchvisionRow: Sendable, CustomStringConvertible {
        let model: String
        let params: Int
        let gmacs: Double
        let input: [Int]
        var description: String { model }
    }

    /// Rows of `torchvision_models.csv`.
    static let torchvision: [TorchvisionRow] = {
        let url = directory.appendingPathComponent("torchvision_models.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4, let p = Int(f[1]), let g = Double(f[2]) else { return nil }
            return TorchvisionRow(model: f[0], params: p, gmacs: g, input: f[3].split(separator: "x").compactMap { Int($0) })
        }
    }()
}
