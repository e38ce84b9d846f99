import Dispatch

/// A time limit on one request's work, checked where the work grows with the input: each estimate (so every row of
/// a sweep, every probe of a fit, every GPU of a plan) and every node of the step's simulation.
///
/// memqd sets one per request (`request-timeout-seconds`); a request past it stops with `EstimateError.timedOut`,
/// answered 408, and frees its worker. Without a budget (the CLI), `check` costs one task-local read.
public struct WorkBudget: Sendable {
    public let seconds: Double
    let deadline: UInt64

    public init(seconds: Double) {
        self.seconds = seconds
        deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, seconds) * 1e9)
    }

    /// The budget of the work running on this thread, if any.
    @TaskLocal public static var current: WorkBudget?

    /// Throws once the current budget is spent.
    @inline(__always)
    public static func check() throws(EstimateError) {
        guard let budget = current, DispatchTime.now().uptimeNanoseconds > budget.deadline else { return }
        throw .timedOut(seconds: budget.seconds)
    }

    /// Runs `body` under a budget of `seconds` (none when nil or 0).
    public static func run<T>(seconds: Double?, _ body: () throws -> T) rethrows -> T {
        guard let seconds, seconds > 0 else { return try body() }
        return try $current.withValue(WorkBudget(seconds: seconds), operation: body)
    }
}
