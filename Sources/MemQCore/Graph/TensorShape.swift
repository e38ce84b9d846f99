import Foundation

/// The shape of one sample's tensor: the batch dimension is never part of it.
///
/// A model is sized for any batch: every activation has shape `[N] + dims`, where N is the query's batch
/// size. An image is `[C, H, W]`, a token sequence `[S]`, a sequence of features `[S, D]`.
public struct TensorShape: Sendable, Hashable, CustomStringConvertible {
    /// Dimensions of one sample.
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }

    /// Number of dimensions of one sample.
    public var rank: Int { dims.count }

    /// Elements of one sample, or nil when the product overflows 64 bits.
    public var elementCountChecked: Int? {
        var total = 1
        for d in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Elements of one sample. Shapes are checked for overflow when inferred, so this never traps afterwards.
    public var elementCount: Int { dims.reduce(1, *) }

    /// `3x224x224`.
    public var description: String { dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "x") }

    /// The shape with the batch dimension in front: `[N, C, H, W]`, written `N x C x H x W`.
    public func batched(_ batch: Int) -> [Int] { [batch] + dims }

    /// Parses `3x224x224` (also `3,224,224` or `[3, 224, 224]`).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .init(charactersIn: "[]() "))
        let parts = trimmed.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "," || $0 == "*" })
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 }) else { return nil }
        self.dims = values
    }
}
