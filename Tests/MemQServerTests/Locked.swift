import Synchronization

/// A value shared between a test and the threads or callbacks it starts.
final class Locked<Value: Sendable>: Sendable {
    /// The value, behind a lock.
    private let storage: Mutex<Value>

    /// Starts with `value`.
    init(_ value: Value) {
        storage = Mutex(value)
    }

    /// The current value.
    var value: Value {
        storage.withLock { $0 }
    }

    /// Changes the value under the lock.
    func update(_ change: (inout Value) -> Void) {
        storage.withLock { change(&$0) }
    }
}
