#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Turns SIGTERM and SIGINT into a call on an ordinary thread.
///
/// ``blockSignals()`` must run first thing in `main`, before any thread exists, so every thread
/// (libzmq's included) inherits the blocked mask and only the waiter's `sigwait` receives them;
/// no code runs in signal-handler context.
enum SignalWaiter {
    /// The signals that stop memqd.
    private static let stopSignals = [SIGTERM, SIGINT]

    /// The set of ``stopSignals``.
    private static var signalSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in stopSignals { sigaddset(&set, signal) }
        return set
    }

    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it creates from now on.
    static func blockSignals() {
        var set = signalSet
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts a thread that waits for SIGTERM or SIGINT and then calls `action` with its name, once.
    static func onStopSignal(_ action: @escaping @Sendable (String) -> Void) {
        let thread = Thread {
            var set = signalSet
            var received: Int32 = 0
            while sigwait(&set, &received) != 0 {}
            action(received == SIGINT ? "SIGINT" : "SIGTERM")
        }
        thread.name = "memqd.signals"
        thread.start()
    }
}
