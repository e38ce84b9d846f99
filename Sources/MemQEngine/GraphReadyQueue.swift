// The backward pass's ready queue: largest sequence number first, as PyTorch's autograd engine.

/// A binary max-heap of backward functions keyed by creation order, first pushed first among equals
/// (torch/csrc/autograd/engine.cpp, `ReadyQueue`: `CompareNodeTaskTime` on `sequence_nr`).
struct GraphReadyQueue {
    private var items: [(sequence: Int, order: Int, function: Int)] = []
    private var counter = 0

    private func before(_ a: (sequence: Int, order: Int, function: Int), _ b: (sequence: Int, order: Int, function: Int)) -> Bool {
        a.sequence != b.sequence ? a.sequence > b.sequence : a.order < b.order
    }

    /// Adds function `function` created `sequence`-th.
    mutating func push(sequence: Int, function: Int) {
        counter += 1
        items.append((sequence, counter, function))
        var i = items.count - 1
        while i > 0, before(items[i], items[(i - 1) / 2]) { items.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
    }

    /// Removes and returns the function to run next, or nil when none is ready.
    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, before(items[l], items[m]) { m = l }
                if r < items.count, before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top.function
    }
}
