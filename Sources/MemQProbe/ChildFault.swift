// Failures the child can be told to simulate, so tests can prove the parent reports them.

/// A hidden test option: the child fails on purpose instead of training.
package enum ChildFault: String, Codable, Sendable, CaseIterable {
    /// The child traps (SIGILL/SIGTRAP from a failed precondition): a crash.
    case crash
    /// The child sleeps forever: the parent's time limit must kill it.
    case hang
    /// The child exits with code 3 without a report.
    case exit
}
