/// The most recent latencies of one command, for percentiles in `stats`.
///
/// Keeps the last ``capacity`` samples (a ring), so memory is bounded and percentiles describe
/// recent behaviour. Percentiles use the nearest-rank method.
package struct LatencyWindow: Sendable, Hashable {
    /// How many samples are kept.
    package static let capacity = 4096
    /// The samples in microseconds, in ring order.
    private var samples: [Int] = []
    /// Where the next sample overwrites, once the ring is full.
    private var next = 0
    /// Samples ever recorded.
    package private(set) var total = 0

    /// An empty window.
    package init() {}

    /// Records one latency in microseconds.
    package mutating func record(microseconds: Int) {
        total += 1
        if samples.count < Self.capacity {
            samples.append(microseconds)
        } else {
            samples[next] = microseconds
            next = (next + 1) % Self.capacity
        }
    }

    /// The given percentiles (0...100) in milliseconds; empty when nothing was recorded.
    package func percentilesMs(_ percentiles: [Double]) -> [Double] {
        guard !samples.isEmpty else { return [] }
        let sorted = samples.sorted()
        return percentiles.map { percentile in
            let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
            let index = min(sorted.count - 1, max(0, rank - 1))
            return Double(sorted[index]) / 1000
        }
    }
}
