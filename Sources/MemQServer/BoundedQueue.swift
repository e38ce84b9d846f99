import Dispatch
import Synchronization

/// A thread-safe FIFO with a fixed capacity: producers never wait (a full queue refuses), consumers
/// block until an item arrives or the queue is closed.
package final class BoundedQueue<Element: Sendable>: Sendable {
    /// The items and whether the queue is closed.
    private struct State {
        /// Waiting items, oldest first.
        var items: [Element] = []
        /// Index of the oldest item in ``items`` (items before it are consumed).
        var head = 0
        /// No more items will be taken; consumers drain and stop.
        var closed = false

        /// Items waiting.
        var count: Int { items.count - head }
    }

    /// The most items that may wait.
    package let capacity: Int
    /// Shared state.
    private let state = Mutex(State())
    /// Counts items (and close wake-ups) for consumers.
    private let available = DispatchSemaphore(value: 0)

    /// An empty queue holding at most `capacity` items.
    package init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one item")
        self.capacity = capacity
    }

    /// Items waiting now.
    package var count: Int { state.withLock { $0.count } }

    /// Appends `element` unless the queue is full or closed.
    /// - Returns: Whether it was queued.
    package func tryEnqueue(_ element: Element) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard !state.closed, state.count < capacity else { return false }
            state.items.append(element)
            return true
        }
        if queued { available.signal() }
        return queued
    }

    /// Waits for the oldest item and removes it.
    /// - Returns: `nil` once the queue is closed (after ``close()``, waiting items are left for ``drain()``).
    package func dequeue() -> Element? {
        while true {
            available.wait()
            let outcome = state.withLock { state -> (Element?, Bool) in
                if state.closed { return (nil, true) }
                guard state.count > 0 else { return (nil, false) }
                let element = state.items[state.head]
                state.head += 1
                if state.head > 64, state.head * 2 > state.items.count {
                    state.items.removeFirst(state.head)
                    state.head = 0
                }
                return (element, false)
            }
            if outcome.1 {
                available.signal()  // Pass the wake-up on to the next consumer.
                return nil
            }
            if let element = outcome.0 { return element }
        }
    }

    /// Removes and returns every waiting item (e.g. to refuse them at shutdown).
    package func drain() -> [Element] {
        state.withLock { state in
            let items = Array(state.items[state.head...])
            state.items = []
            state.head = 0
            return items
        }
    }

    /// Refuses new items and wakes every consumer; ``dequeue()`` returns `nil` from now on.
    package func close() {
        state.withLock { $0.closed = true }
        available.signal()
    }
}
