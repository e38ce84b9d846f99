import Synchronization

/// The daemon's phase, set by ``MemQServer/shutdown(graceSeconds:)`` from any thread and read by
/// the frontend thread on every turn of its loop.
final class ServerControl: Sendable {
    /// Where the daemon is.
    enum Phase: Sendable, Equatable {
        /// Taking work.
        case running
        /// Refusing new work (503) and finishing in-flight work until the deadline.
        case draining(deadline: ContinuousClock.Instant)
    }

    /// The phase, behind a lock.
    private let phase = Mutex(Phase.running)

    /// A daemon that is running.
    init() {}

    /// The current phase.
    var current: Phase { phase.withLock { $0 } }

    /// Starts draining with `graceSeconds` to finish in-flight work; a second call keeps the
    /// earlier deadline.
    func drain(graceSeconds: Double) {
        phase.withLock { phase in
            guard phase == .running else { return }
            phase = .draining(deadline: ContinuousClock.now.advanced(by: .milliseconds(Int(graceSeconds * 1000))))
        }
    }
}
