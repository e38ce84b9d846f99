#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Turns SIGTERM and SIGINT into a call on an ordinary thread.
///
/// A blocked mask alone cannot do it: threads exist before `main` runs (OpenBLAS starts its pool
/// in a library constructor), they carry whatever mask memqd's parent had, usually none, and the
/// kernel may hand a process-directed signal to any thread that does not block it, where the
/// default action ends the process. So ``install()``, the first thing `main` does, gives both
/// signals a handler; on whichever thread it runs, it only writes the signal's number to a pipe.
/// It also blocks both signals in the main thread, so the threads memqd starts are not
/// interrupted; the thread of ``onStopSignal(_:)`` unblocks them for itself and reads the pipe.
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

    /// The pipe from the handler to the waiting thread; created by ``install()``, never closed.
    /// The write end does not block, so a burst of signals cannot stall the handler.
    fileprivate static let signalPipe: (read: Int32, write: Int32) = {
        var ends: [Int32] = [-1, -1]
        let created = pipe(&ends)
        precondition(created == 0, "memqd cannot create its signal pipe (pipe: errno \(errno))")
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        return (ends[0], ends[1])
    }()

    /// Installs the SIGTERM and SIGINT handler (`sigaction`, `SA_RESTART`) and blocks both signals
    /// in the calling thread and every thread it creates from now on (`pthread_sigmask`).
    ///
    /// Call it first thing in `main`, before anything starts a thread; a signal that comes before
    /// ``onStopSignal(_:)`` waits in the pipe, or stays pending, until then.
    static func install() {
        _ = signalPipe
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = writeToSignalPipe
        #else
        action.__sigaction_u.__sa_handler = writeToSignalPipe
        #endif
        action.sa_flags = SA_RESTART
        sigfillset(&action.sa_mask)
        for signal in stopSignals {
            precondition(sigaction(signal, &action, nil) == 0, "memqd cannot handle signal \(signal) (sigaction: errno \(errno))")
        }
        var set = signalSet
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts a thread that waits for SIGTERM or SIGINT and then calls `action` with its name, once.
    static func onStopSignal(_ action: @escaping @Sendable (String) -> Void) {
        let thread = Thread {
            var set = signalSet
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            var number: UInt8 = 0
            while true {
                let count = read(signalPipe.read, &number, 1)
                if count == 1 { break }
                precondition(count == -1 && errno == EINTR, "memqd's signal pipe failed (read: \(count), errno \(errno))")
            }
            action(Int32(number) == SIGINT ? "SIGINT" : "SIGTERM")
        }
        thread.name = "memqd.signals"
        thread.start()
    }
}

/// The SIGTERM and SIGINT handler: writes the signal's number to ``SignalWaiter/signalPipe`` and keeps
/// `errno`. Only async-signal-safe work: `write(2)` of a stack byte to a descriptor that
/// ``SignalWaiter/install()`` created before it installed this handler.
private func writeToSignalPipe(_ signal: Int32) {
    let saved = errno
    var number = UInt8(truncatingIfNeeded: signal)
    _ = write(SignalWaiter.signalPipe.write, &number, 1)
    errno = saved
}
