import MemQWire
import Synchronization

/// A one-way cancellation signal shared between the daemon and a running job.
///
/// The daemon sets it when a client cancels, the job overruns its time, or the daemon shuts down;
/// a handler checks ``isCancelled`` between steps and then throws (for instance with ``error``).
package final class CancellationFlag: Sendable {
    /// Why the job was cancelled, once it was.
    private let cancellation = Mutex<WireErrorBox?>(nil)

    /// A flag that is not set.
    package init() {}

    /// Whether the job should stop.
    package var isCancelled: Bool { cancellation.withLock { $0 != nil } }

    /// The error the job ends with, once cancelled.
    package var error: WireError? { cancellation.withLock { $0?.error } }

    /// Sets the flag with the error the job ends with; the first reason wins.
    package func cancel(_ error: WireError) {
        cancellation.withLock { if $0 == nil { $0 = WireErrorBox(error: error) } }
    }

    /// Throws ``error`` if the flag is set; for handlers to call between steps.
    package func check() throws(WireError) {
        if let error { throw error }
    }
}

/// A stored cancellation reason.
private struct WireErrorBox: Sendable, Equatable {
    /// The reason.
    let error: WireError
}
