import Synchronization

/// How many workers are busy now; updated by workers, read for `stats`.
final class BusyGauge: Sendable {
    /// The count.
    private let value = Atomic<Int>(0)

    /// A gauge at zero.
    init() {}

    /// The current count.
    var current: Int { value.load(ordering: .relaxed) }

    /// Runs `body` counted as busy.
    func busy<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        value.add(1, ordering: .relaxed)
        defer { value.subtract(1, ordering: .relaxed) }
        return try body()
    }
}
